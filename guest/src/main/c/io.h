/* Port I/O (allowed in ring 3: IOPL = 3) and the ABI's doorbells. */
#ifndef KEMARI_IO_H
#define KEMARI_IO_H

#include "abi.h"

static inline void outl(u16 port, u32 value)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

/* One `rep outsb`: the VMM sees the whole buffer in one exit. */
static inline void outsb(u16 port, const void *buf, size_t len)
{
    __asm__ __volatile__("rep outsb" : "+S"(buf), "+c"(len) : "d"(port) : "memory");
}

static inline u32 mmio_read32(u64 addr)
{
    return *(volatile u32 *)addr;
}

static inline void mmio_write32(u64 addr, u32 value)
{
    *(volatile u32 *)addr = value;
}

static inline u8 mmio_read8(u64 addr)
{
    return *(volatile u8 *)addr;
}

/* WAIT: block until a device has work or timeout_us passes (0 = no timeout); may return early. */
static inline void guest_wait(u32 timeout_us)
{
    outl(PORT_WAIT, timeout_us);
}

void guest_report(void);
__attribute__((noreturn)) void guest_panic(u32 code, u64 error);
__attribute__((noreturn)) void guest_exit(u32 code);

#endif
