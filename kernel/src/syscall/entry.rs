//! The `syscall` instruction's way into the kernel, and `sysretq` back.
//!
//! `syscall` is fast because it does almost nothing: it saves the user's
//! `rip` in `rcx` and `rflags` in `r11`, loads `rip` from the LSTAR MSR,
//! masks `rflags` with SFMASK (we clear IF: interrupts off on entry), and
//! switches CS/SS to the kernel's. It does *not* switch stacks. So the first
//! instructions below, still on the user's stack, must find the kernel one:
//!
//! 1. `swapgs`: GS now points at this CPU's `Cpu` (see `arch/cpu.rs`);
//! 2. save the user `rsp` in `Cpu::user_rsp_scratch` (gs:16), load the
//!    process's kernel stack from `Cpu::syscall_stack_top` (gs:8);
//! 3. push a `TrapFrame` laid out exactly like the one for interrupts, so
//!    `fork`, `exec` and the scheduler need not care how we got here.
//!
//! The way out is `sysretq` (rip from `rcx`, rflags from `r11`). On Intel
//! CPUs `sysretq` to a non-canonical address faults in ring 0 *with the
//! user's stack*, which a malicious program could exploit (CVE-2012-0217).
//! So `syscall_handler` kills a process whose return address is outside
//! user space before we get here, and the check below, which falls back to
//! `iretq`, is a second line of defence.

use crate::arch::gdt::{KERNEL_CODE, USER_DATA};
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask};
use x86_64::registers::rflags::RFlags;

/// The value of `TrapFrame::vector` for system calls (not a real vector).
pub const SYSCALL_VECTOR: u64 = 0x100;

// ANCHOR: entry
core::arch::global_asm!(
    r#"
    .pushsection .text
    .global syscall_entry
syscall_entry:
    swapgs
    mov gs:[16], rsp                /* Cpu::user_rsp_scratch */
    mov rsp, gs:[8]                 /* Cpu::syscall_stack_top */

    /* The part of the TrapFrame the CPU pushes for an interrupt. */
    push {user_data}                /* ss */
    push qword ptr gs:[16]          /* rsp */
    push r11                        /* rflags */
    push {user_code}                /* cs */
    push rcx                        /* rip */
    push 0                          /* error code */
    push {vector}                   /* vector */
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
    mov rdi, rsp
    xor ebp, ebp                    /* backtraces stop here */
    call syscall_handler

    /* Back to user mode. Interrupts off until we are there. */
    cli
    mov rcx, [rsp + 17 * 8]         /* the rip we will return to */
    mov r11, 0x00007fffffffffff
    cmp rcx, r11
    ja 1f                           /* not a canonical user address */
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
    add rsp, 16                     /* vector, error code */
    mov rcx, [rsp]                  /* rip for sysretq */
    mov r11, [rsp + 16]             /* rflags for sysretq */
    mov rsp, [rsp + 24]             /* the user's stack */
    swapgs
    sysretq
1:
    jmp trap_return                 /* iretq handles any address safely */
    .popsection
"#,
    user_data = const (3 << 3) | 3,
    user_code = const (4 << 3) | 3,
    vector = const SYSCALL_VECTOR,
);
// ANCHOR_END: entry

unsafe extern "C" {
    fn syscall_entry();
}

// ANCHOR: msrs
/// Programs this CPU's MSRs for `syscall`/`sysretq`.
#[allow(clippy::arithmetic_side_effects)] // constants only: no user input here
pub fn init() {
    // STAR: kernel CS = 0x08 (SS = 0x10 follows); sysret loads user SS from
    // base + 8 and user CS from base + 16, so base = 0x10 gives SS = 0x1b
    // (user data) and CS = 0x23 (user code). gdt.rs orders the GDT for this.
    let star = ((USER_DATA.0 as u64 - 8 - 3) << 48) | ((KERNEL_CODE.0 as u64) << 32);
    // SAFETY: the selectors match our GDT and the entry point is the code
    // above; masking IF/DF/TF/AC gives the entry a predictable state.
    unsafe {
        x86_64::registers::model_specific::Msr::new(0xC000_0081).write(star);
        LStar::write(x86_64::VirtAddr::new(syscall_entry as *const () as u64));
        SFMask::write(
            RFlags::INTERRUPT_FLAG
                | RFlags::DIRECTION_FLAG
                | RFlags::TRAP_FLAG
                | RFlags::ALIGNMENT_CHECK,
        );
        Efer::update(|flags| *flags |= EferFlags::SYSTEM_CALL_EXTENSIONS);
    }
}
// ANCHOR_END: msrs
