/* Freestanding helpers. memset/memcpy use rep string ops: fast in ring 3, and gcc cannot turn
   them back into calls to themselves. */
#include <stdarg.h>

#include "io.h"
#include "util.h"

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

/* Overlap-safe: forwards when dst is below src, else backwards (DF set for the copy only). */
void *memmove(void *dst, const void *src, size_t n)
{
    if ((const u8 *)dst <= (const u8 *)src || (const u8 *)dst >= (const u8 *)src + n)
        return memcpy(dst, src, n);
    void *d = (u8 *)dst + n - 1;
    const void *s = (const u8 *)src + n - 1;
    __asm__ __volatile__("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

u64 fnv1a64(const void *data, size_t len)
{
    const u8 *p = data;
    u64 h = FNV1A64_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV1A64_PRIME;
    }
    return h;
}

/* A line is built in a local buffer and sent with one `rep outsb` (one VM exit). */
#define LINE_MAX 256

struct line {
    char buf[LINE_MAX];
    size_t len;
};

static void put_char(struct line *l, char c)
{
    if (l->len < LINE_MAX)
        l->buf[l->len++] = c;
}

static void put_uint(struct line *l, u64 v, unsigned base, int width, char pad)
{
    char tmp[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (n < width--)
        put_char(l, pad);
    while (n > 0)
        put_char(l, tmp[--n]);
}

void kprintf(const char *fmt, ...)
{
    struct line l;
    va_list ap;
    l.len = 0;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put_char(&l, *p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s)
                put_char(&l, *s++);
            break;
        }
        case 'c':
            put_char(&l, (char)va_arg(ap, int));
            break;
        case 'd': {
            long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);
            if (v < 0) {
                put_char(&l, '-');
                v = -v;
            }
            put_uint(&l, (u64)v, 10, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            u64 v = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            put_uint(&l, v, *p == 'u' ? 10 : 16, width, pad);
            break;
        }
        case '%':
            put_char(&l, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            put_char(&l, '?');
        }
    }
    va_end(ap);
    if (l.len > 0 && l.buf[l.len - 1] != '\n') {
        /* The VMM assembles lines on '\n': always end one, even if truncated. */
        if (l.len == LINE_MAX)
            l.len--;
        l.buf[l.len++] = '\n';
    }
    outsb(PORT_CONSOLE, l.buf, l.len);
}
