/* Freestanding helpers: memory, byte order, checksums, a tiny line formatter. */
#ifndef KEMARI_UTIL_H
#define KEMARI_UTIL_H

#include "types.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

static inline u16 bswap16(u16 x) { return (u16)((x >> 8) | (x << 8)); }
static inline u32 bswap32(u32 x) { return __builtin_bswap32(x); }
#define htons(x) bswap16(x)
#define ntohs(x) bswap16(x)
#define htonl(x) bswap32(x)
#define ntohl(x) bswap32(x)

/* Unaligned big-endian field access for packet headers. */
static inline u16 get_be16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }
static inline void put_be16(u8 *p, u16 v) { p[0] = (u8)(v >> 8); p[1] = (u8)v; }
static inline u32 get_be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static inline void put_be32(u8 *p, u32 v) { put_be16(p, (u16)(v >> 16)); put_be16(p + 2, (u16)v); }

#define FNV1A64_OFFSET 0xcbf29ce484222325ull
#define FNV1A64_PRIME 0x100000001b3ull
u64 fnv1a64(const void *data, size_t len);

/* printf subset for the console: %s %c %d %u %x %lu %ld %lx %llu %llx %%, zero-pad width. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((u64)(a) - 1))

#endif
