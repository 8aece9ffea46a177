#include "abi.h"
#include "heap.h"
#include "io.h"
#include "util.h"

static u64 heap_next, heap_limit;

void heap_init(u64 start, u64 limit)
{
    heap_next = start;
    heap_limit = limit;
}

void *heap_alloc(u64 size, u64 align)
{
    u64 p = ALIGN_UP(heap_next, align);
    if (p + size > heap_limit || p + size < p) {
        kprintf("kemari-guest: out of RAM: need %lu bytes at 0x%lx, RAM ends at 0x%lx",
                (unsigned long)size, (unsigned long)p, (unsigned long)heap_limit);
        guest_panic(PANIC_BAD_CONFIG, size);
    }
    heap_next = p + size;
    return (void *)p;
}

u64 heap_top(void)
{
    return heap_next;
}
