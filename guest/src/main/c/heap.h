/* A bump allocator over the RAM after the image: set-up only, nothing is ever freed, so
   the layout is a pure function of the boot info (deterministic across runs). */
#ifndef KEMARI_HEAP_H
#define KEMARI_HEAP_H

#include "types.h"

void heap_init(u64 start, u64 limit);
/* Returns `size` bytes aligned to `align` (a power of two); panics 0x204 if RAM runs out.
   The memory is not zeroed: callers that need zeros (rings) clear it themselves. */
void *heap_alloc(u64 size, u64 align);
u64 heap_top(void);

#endif
