/* rdtsc calibration for the TCP timers (see tsc.h). */
#include "abi.h"
#include "io.h"
#include "tsc.h"
#include "util.h"

#define CAL_ROUNDS 5
#define CAL_WAIT_US 4000
#define FALLBACK_PER_MS 1000000ull /* 1 GHz, if the measurement is nonsense */

static u64 per_ms = FALLBACK_PER_MS;

/*
 * WAIT with a timeout returns after the timeout, or earlier on a device event (none before the
 * devices are set up) or a pause. The median of five 4 ms WAITs ignores one or two outliers in
 * either direction (an early return, a vCPU descheduled on a busy host).
 */
void tsc_calibrate(u32 tsc_khz)
{
    if (tsc_khz >= 1000) {
        /* KVM knows the frequency it runs the TSC at. A WAIT measures it plus the VMM's wake-up
           latency: on a slow host (a VMM under emulation) that made timers fire twice as late. */
        per_ms = tsc_khz;
        STATUS->tsc_per_ms = per_ms;
        kprintf("kemari-guest: tsc %lu ticks/ms (from the VMM)", (unsigned long)per_ms);
        return;
    }
    u64 d[CAL_ROUNDS];
    for (int i = 0; i < CAL_ROUNDS; i++) {
        u64 t0 = tsc_now();
        guest_wait(CAL_WAIT_US);
        d[i] = tsc_now() - t0;
    }
    for (int i = 1; i < CAL_ROUNDS; i++) { /* insertion sort */
        u64 v = d[i];
        int j = i - 1;
        for (; j >= 0 && d[j] > v; j--)
            d[j + 1] = d[j];
        d[j + 1] = v;
    }
    u64 m = d[CAL_ROUNDS / 2] / (CAL_WAIT_US / 1000);
    per_ms = m >= 1000 ? m : FALLBACK_PER_MS; /* below 1 MHz: not a real TSC */
    STATUS->tsc_per_ms = per_ms;
    kprintf("kemari-guest: tsc %lu ticks/ms (median of %u WAITs of %u us)", (unsigned long)per_ms,
            CAL_ROUNDS, CAL_WAIT_US);
}

u64 tsc_per_ms(void)
{
    return per_ms;
}

u32 tsc_to_us(u64 ticks)
{
    u64 us = ticks / per_ms * 1000 + ticks % per_ms * 1000 / per_ms;
    return us > 0xFFFFFFFFull ? 0xFFFFFFFFu : (u32)us;
}
