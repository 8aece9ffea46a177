/*
 * The TCP retransmission clock: rdtsc, calibrated against the WAIT doorbell's timeout at boot.
 * The ONLY use of rdtsc in the guest, and only with KV_SERVER selected: TCP timing depends on
 * the network anyway, and the DIRTIER/DISK_WRITER never read it (docs/specs/guest-abi.md).
 */
#ifndef KEMARI_TSC_H
#define KEMARI_TSC_H

#include "types.h"

static inline u64 tsc_now(void)
{
    u32 lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return (u64)hi << 32 | lo;
}

/* Ticks per millisecond: the VMM's tsc_khz if it gave one, else measured with a few WAITs (call
   before any device can wake the vCPU). */
void tsc_calibrate(u32 tsc_khz);
/* Ticks per millisecond (set by tsc_calibrate). */
u64 tsc_per_ms(void);
static inline u64 tsc_from_us(u64 us) { return us * tsc_per_ms() / 1000; }
/* Ticks to microseconds, saturating at about 71 minutes' worth. */
u32 tsc_to_us(u64 ticks);

#endif
