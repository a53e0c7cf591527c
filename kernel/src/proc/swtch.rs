//! The context switch.
//!
//! `swtch(old, new)` saves the registers a function call must preserve
//! (the callee-saved ones of the System V ABI: rbx, rbp, r12-r15) and the
//! stack pointer into `old`, loads them from `new`, and returns. Because
//! the return address is on the stack, "returning" on the new stack
//! resumes whatever called `swtch` on it last: that is the whole trick.
//! All other registers were saved by the Rust caller, as for any call.
//!
//! Only two kinds of code call it: the scheduler (switching to a process)
//! and `sched` (a process switching back to the scheduler). Both hold the
//! process-table lock across the call; see `scheduler.rs` for why.

// ANCHOR: context
/// The saved registers of a kernel thread that is not running.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Context {
    pub rsp: u64,
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbx: u64,
    pub rbp: u64,
}

impl Context {
    /// All zeros: the context of a slot or CPU that has never switched.
    pub const EMPTY: Context = Context {
        rsp: 0,
        r15: 0,
        r14: 0,
        r13: 0,
        r12: 0,
        rbx: 0,
        rbp: 0,
    };
}
// ANCHOR_END: context

// ANCHOR: swtch
/// Saves the current context into `old` and switches to `new`.
///
/// # Safety
/// `new` must hold a context saved by `swtch`, or one built to look like it
/// (a stack whose top is a valid return address), and both pointers must
/// stay valid while the contexts are in use.
#[unsafe(naked)]
#[unsafe(no_mangle)] // so that `break swtch` works in gdb
pub unsafe extern "C" fn swtch(old: *mut Context, new: *const Context) {
    core::arch::naked_asm!(
        // Save the old context. The return address is already on its stack.
        "mov [rdi + 0x00], rsp",
        "mov [rdi + 0x08], r15",
        "mov [rdi + 0x10], r14",
        "mov [rdi + 0x18], r13",
        "mov [rdi + 0x20], r12",
        "mov [rdi + 0x28], rbx",
        "mov [rdi + 0x30], rbp",
        // Load the new one.
        "mov rsp, [rsi + 0x00]",
        "mov r15, [rsi + 0x08]",
        "mov r14, [rsi + 0x10]",
        "mov r13, [rsi + 0x18]",
        "mov r12, [rsi + 0x20]",
        "mov rbx, [rsi + 0x28]",
        "mov rbp, [rsi + 0x30]",
        // Return to where the new context last called swtch.
        "ret",
    )
}
// ANCHOR_END: swtch
