/* Fixed-width types for a freestanding build (no libc headers needed beyond gcc's own). */
#ifndef KEMARI_TYPES_H
#define KEMARI_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

/* Keeps the compiler from reordering memory accesses across it; x86 keeps stores in order. */
#define barrier() __asm__ __volatile__("" ::: "memory")

#endif
