/*
 * Entry, ring-0 set-up and exception stubs.
 *
 * Ring-0 code is emulated ~10,000x slower than ring 3 on kvm-pvm, so everything here is
 * static data plus a dozen instructions: the GDT, TSS and IDT are fully built at link time
 * (the linker script splits the addresses into descriptor fields), and the entry code only
 * loads them and iretq's to ring 3 with IOPL = 3.
 */

#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define TSS_SEL 0x28
#define RFLAGS_USER 0x3002 /* IOPL = 3, reserved bit 1; IF = 0 (the guest uses no interrupts) */
#define USER_STACK_TOP 0x100000 /* the ABI's boot stack, now the ring-3 stack */
#define STATUS_ADDR 0x1800
#define PORT_PANIC 0x530

    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    /* Image header (see guest-abi.md): entry is still the first byte, so jump over it. */
    jmp 1f
    .balign 8, 0
    .ascii "KEMGUEST"             /* offset 8: image magic */
    .long 1                       /* offset 16: ABI version this image implements */
    .long 32                      /* offset 20: header size */
    .quad _image_size             /* offset 24: bytes in the flat image */
1:
    /* RDI = boot info (0x1000); keep it for guest_main. */
    lgdt gdt_ptr(%rip)
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov $TSS_SEL, %eax
    ltr %ax
    lidt idt_ptr(%rip)
    /* iretq to ring 3: SS, RSP, RFLAGS, CS, RIP. This also reloads CS from the new GDT. */
    pushq $USER_DS
    pushq $USER_STACK_TOP
    pushq $RFLAGS_USER
    pushq $USER_CS
    pushq $user_entry
    iretq

/* Ring 3 from here on. */
user_entry:
    mov $USER_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    cld
    xor %ebp, %ebp
    call guest_main
2:  jmp 2b

/*
 * Exception stubs: 16 bytes each at isr_stubs + 16 * vector, so the IDT can be built by the
 * linker. Each pushes a dummy error code where the CPU pushes none, then the vector.
 */
    .balign 512 /* the 32 stubs (512 bytes) never straddle a 64 KiB boundary */
isr_stubs:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 16, 0xcc
    .if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp isr_common
    .endr
    .balign 16, 0xcc

/* Ring 0: record the exception in the status area and stop with PANIC 0x100 + vector. */
isr_common:
    mov (%rsp), %rax               /* vector */
    add $0x100, %rax
    mov %rax, STATUS_ADDR + 0x58   /* panic_code */
    mov 16(%rsp), %rcx
    mov %rcx, STATUS_ADDR + 0x60   /* panic_rip */
    mov 8(%rsp), %rcx
    mov %rcx, STATUS_ADDR + 0x68   /* panic_error */
    mov %cr2, %rcx
    mov %rcx, STATUS_ADDR + 0x70   /* panic_cr2 */
    mov $PORT_PANIC, %edx
3:  out %eax, %dx
    jmp 3b

/* Descriptor tables live in the same image; the CPU only writes the TSS busy bit. */
    .section .data.tables, "aw"
    .balign 16
gdt:
    .quad 0                        /* 0x00 null */
    .quad 0x00AF9A000000FFFF       /* 0x08 kernel code, 64-bit, DPL 0 */
    .quad 0x00CF92000000FFFF       /* 0x10 kernel data */
    .quad 0x00CFF2000000FFFF       /* 0x18 user data, DPL 3 */
    .quad 0x00AFFA000000FFFF       /* 0x20 user code, 64-bit, DPL 3 */
    /* 0x28 64-bit TSS descriptor: limit covers the I/O bitmap, type 9 (available), present */
    .word tss_end - tss - 1
    .word tss_base_15_0
    .byte tss_base_23_16
    .byte 0x89
    .byte 0x00
    .byte tss_base_31_24
    .long 0                        /* base 63:32: the image is below 4 GiB */
    .long 0
gdt_end:

    .balign 8
    .word 0
gdt_ptr:
    .word gdt_end - gdt - 1
    .quad gdt

    .balign 16
tss:
    .long 0
    .quad ring0_stack_top          /* RSP0: exceptions from ring 3 land here */
    .quad 0, 0                     /* RSP1, RSP2 */
    .quad 0
    .quad ist1_stack_top           /* IST1: double fault gets a known-good stack */
    .quad 0, 0, 0, 0, 0, 0
    .quad 0
    .word 0
    .word iomap - tss              /* I/O permission bitmap base */
    /*
     * IOPL = 3 alone is not enough on kvm-pvm: ring-3 `out` still faults (#GP) unless the TSS
     * I/O bitmap allows the port. Allow exactly the ABI's ports 0x500-0x547 (bitmap bytes
     * 0xA0-0xA8); 0xFF terminates the bitmap, as the CPU may read one byte past the port.
     */
iomap:
    .fill 0xA0, 1, 0xFF
    .fill 0x09, 1, 0x00
    .byte 0xFF
tss_end:

/* 64-bit interrupt gates, selector 0x08, DPL 0 (ring 3 cannot `int` into them). */
    .balign 16
idt:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .word isr_stubs_15_0 + 16 * \vec
    .word 0x08
    .if \vec == 8
    .byte 1                        /* IST1 */
    .else
    .byte 0
    .endif
    .byte 0x8E
    .word isr_stubs_31_16
    .long 0
    .long 0
    .endr
idt_end:

    .balign 8
    .word 0
idt_ptr:
    .word idt_end - idt - 1
    .quad idt

    .section .bss.stacks, "aw", @nobits
    .balign 16
    .space 4096
ring0_stack_top:
    .space 4096
ist1_stack_top:

    .globl isr_stubs
    .globl tss
