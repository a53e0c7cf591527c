//! The PVH door's way to start the other CPUs: INIT-SIPI-SIPI and a
//! real-mode trampoline (xv6's `entryother.S`).
//!
//! After reset, every CPU but the first waits for a start-up IPI. The SIPI
//! says where to start: a page number below 1 MiB, entered in *real mode*,
//! 16-bit code at `page * 4096` with `cs = page * 256`, `ip = 0`. Our kernel is
//! linked at -2 GiB and runs in 64-bit mode, so the new CPU climbs the same
//! three steps the first CPU's firmware and `pvh.rs` climbed for it:
//!
//! 1. real mode → 32-bit protected mode: a GDT, CR0.PE, a far jump;
//! 2. protected mode → long mode: PAE, a page table, EFER.LME, CR0.PG, a
//!    far jump into a 64-bit code segment;
//! 3. a jump to the higher half (`smp::ap_entry64`), which takes the
//!    kernel's own page table and stack and calls Rust.
//!
//! The code runs at the low physical address `TRAMPOLINE_PHYS`, not where
//! it was linked, so it is copied there first, and every address in it is
//! written as `TRAMPOLINE_PHYS + (label - ap_trampoline)`. The page table
//! it loads is the PVH door's boot page table (`pvh.rs`), which still maps
//! the first 4 GiB twice, identity (so the next instruction after paging
//! comes on is still there) and at the kernel's addresses.
//!
//! The frame allocator never hands out the first 1 MiB, so this page stays
//! ours (see `mem/frame.rs`).

use core::arch::global_asm;

/// Where the trampoline is copied: page 8, as in xv6 (0x7000) give or take
/// a page, clear of the real-mode interrupt table and the BIOS data area.
pub const TRAMPOLINE_PHYS: u64 = 0x8000;

global_asm!(
    r#"
    .set TRAMPOLINE_PHYS, 0x8000
    .set KERNEL_VIRT_OFFSET, 0xffffffff80000000
    .pushsection .rodata.ap_trampoline, "a"
    .global ap_trampoline, ap_trampoline_end
    .code16
ap_trampoline:
    /* ANCHOR: tramp16 */
    cli                                  /* no interrupt table yet */
    cld
    xor ax, ax
    mov ds, ax                           /* addresses below are from 0 */
    lgdt [AP_GDT_POINTER_PHYS]
    mov eax, cr0
    or eax, 1                            /* CR0.PE: protected mode */
    mov cr0, eax
    /* A far jump reloads CS from the new GDT: 0x08, 32-bit code. */
    .byte 0x66, 0xea                     /* ljmpl 0x08:ap_start32 */
    .long TRAMPOLINE_PHYS + (ap_start32 - ap_trampoline)
    .word 0x08
    /* ANCHOR_END: tramp16 */

    /* ANCHOR: tramp32 */
    .code32
ap_start32:
    mov ax, 0x10                         /* flat 32-bit data */
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                       /* CR4.PAE */
    mov cr4, eax
    mov eax, offset boot_pml4 - KERNEL_VIRT_OFFSET
    mov cr3, eax                         /* the PVH door's boot page table */
    mov ecx, 0xC0000080                  /* EFER */
    rdmsr
    or eax, (1 << 8) | (1 << 11)         /* LME (long mode), NXE */
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)        /* CR0.PG (paging), CR0.WP */
    mov cr0, eax
    /* Paging is on, in compatibility mode; CS 0x18 is 64-bit code. */
    .byte 0xea                           /* ljmp 0x18:ap_start64 */
    .long TRAMPOLINE_PHYS + (ap_start64 - ap_trampoline)
    .word 0x18
    /* ANCHOR_END: tramp32 */

    /* ANCHOR: tramp64 */
    .code64
ap_start64:
    movabs rax, offset ap_entry64        /* in the higher half: smp.rs */
    jmp rax
    /* ANCHOR_END: tramp64 */

    /* ANCHOR: tramp_gdt */
    .p2align 3
ap_gdt:
    .quad 0                              /* null */
    .quad 0x00cf9a000000ffff             /* 0x08: 32-bit code, 4 GiB */
    .quad 0x00cf92000000ffff             /* 0x10: data, 4 GiB */
    .quad 0x00af9a000000ffff             /* 0x18: 64-bit code */
ap_gdt_pointer:
    .word ap_gdt_pointer - ap_gdt - 1
    .long TRAMPOLINE_PHYS + (ap_gdt - ap_trampoline)
    /* ANCHOR_END: tramp_gdt */
ap_trampoline_end:
    /* Where the GDT pointer lands once the code is copied (one symbol:
       the assembler takes no more in a memory operand). */
    .set AP_GDT_POINTER_PHYS, TRAMPOLINE_PHYS + (ap_gdt_pointer - ap_trampoline)
    .code64
    .popsection
"#
);

unsafe extern "C" {
    static ap_trampoline: u8;
    static ap_trampoline_end: u8;
}

// ANCHOR: wake_with_sipi
/// Copies the trampoline to low memory (once is enough, but it is cheap) and
/// sends INIT-SIPI-SIPI to the CPU with local APIC `apic_id`. It arrives in
/// `smp::ap_entry64` and takes what `smp::AP_START` holds.
pub fn wake_with_sipi(apic_id: u32) {
    let start = &raw const ap_trampoline;
    let len = &raw const ap_trampoline_end as usize - start as usize;
    assert!(len <= 4096, "the trampoline must fit in one page");
    let target = crate::mem::phys_to_virt(TRAMPOLINE_PHYS) as *mut u8;
    // SAFETY: the first 1 MiB is RAM in the direct map that the frame
    // allocator never hands out; nothing else lives in this page.
    unsafe { core::ptr::copy_nonoverlapping(start, target, len) };
    crate::dev::lapic::start_cpu(apic_id, TRAMPOLINE_PHYS);
}
// ANCHOR_END: wake_with_sipi
