//! The assembly half of the trap path: 256 vector stubs and one common entry.
//!
//! The CPU enters a stub with the interrupted `ss, rsp, rflags, cs, rip` on
//! the stack (plus an error code, for some exceptions). Each stub makes the
//! stack look the same for every vector: it pushes a zero where the CPU
//! pushed no error code, then its vector number, and jumps to `trap_common`.
//! `trap_common` pushes the general registers, completing a `TrapFrame`
//! (see `trap.rs`), and calls `trap(&mut TrapFrame)`. On return it pops them
//! all back and `iretq`s to wherever the frame says: the code that was
//! interrupted, or, if `trap()` changed the frame, somewhere else.
//!
//! `swapgs`: in the kernel, GS points at this CPU's `Cpu`; in user mode it is
//! the user's. If the trap came from ring 3 (the saved CS has RPL 3), we swap
//! on the way in and again on the way out.
//!
//! The stubs are 16 bytes apart, so the IDT finds stub `n` at
//! `trap_vectors + 16 * n`.

use core::arch::global_asm;

/// Distance between two vector stubs.
pub const STUB_SIZE: usize = 16;

unsafe extern "C" {
    /// The first of the 256 stubs (not a function to call: an address).
    pub static trap_vectors: u8;
}

// ANCHOR: vectors
global_asm!(
    r#"
    .pushsection .text.trap, "ax"
    .p2align 4
    .global trap_vectors
trap_vectors:
    .set vector, 0
    .rept 256
    .p2align 4
    /* The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29, 30. */
    .if vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30
    .else
    push 0
    .endif
    push vector
    jmp trap_common
    .set vector, vector + 1
    .endr
"#
);
// ANCHOR_END: vectors

// ANCHOR: trap_common
global_asm!(
    r#"
trap_common:
    /* Stack: vector, error code, rip, cs, rflags, rsp, ss. cs is at +24. */
    test qword ptr [rsp + 24], 3
    jz 1f
    swapgs
1:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld                     /* the ABI wants the direction flag clear */
    mov rdi, rsp            /* argument: the TrapFrame we just built */
    call trap

    .global trap_return
trap_return:
    cli                     /* no interrupt between swapgs and iretq */
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16             /* drop vector and error code */
    test qword ptr [rsp + 8], 3
    jz 2f
    swapgs
2:
    iretq
    .popsection
"#
);
// ANCHOR_END: trap_common
