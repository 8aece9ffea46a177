/* DIRTIER: touches dirty_pages pages per round in a region, for dirty-page tracking tests. */
#include "abi.h"
#include "heap.h"
#include "util.h"
#include "workloads.h"

#define DEFAULT_DIRTY_PAGES 16
#define DEFAULT_DIRTY_REGION_PAGES 4096

static u64 *region;
static u64 pages_per_round, region_pages;

void dirtier_init(void)
{
    const volatile struct kemari_boot_info *bi = BOOT_INFO;
    pages_per_round = bi->dirty_pages ? bi->dirty_pages : DEFAULT_DIRTY_PAGES;
    region_pages = bi->dirty_region_pages ? bi->dirty_region_pages : DEFAULT_DIRTY_REGION_PAGES;
    /* 2 MiB aligned: the region is easy to spot in dirty logs and page-table dumps. */
    region = heap_alloc(region_pages * 4096, 2ul << 20);
    STATUS->dirty_region_addr = (u64)region;
    kprintf("kemari-guest: dirtier: %lu pages/round over %lu pages at 0x%lx",
            (unsigned long)pages_per_round, (unsigned long)region_pages, (unsigned long)region);
}

void dirtier_round(u64 r)
{
    for (u64 k = 0; k < pages_per_round; k++) {
        u64 page = (r * pages_per_round + k) % region_pages;
        volatile u64 *p = region + page * (4096 / sizeof(u64));
        p[0] = r;
        p[1] = r ^ page;
    }
    STATUS->dirty_iterations++;
}
