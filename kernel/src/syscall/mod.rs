//! System calls: from the `syscall` instruction to a handler and back.
//!
//! `entry.rs` saves the user's registers in a `TrapFrame` and calls
//! `syscall_handler`, which turns interrupts back on (a system call may take
//! a while, and may sleep), looks the number up in `table::TABLE`, and puts
//! the result in `rax`. The table is generated from the one list of system
//! calls in `libsys/src/syscalls.rs`: the adapter for each number converts
//! the argument registers (`rdi, rsi, rdx, r10, r8, r9`) to the typed
//! arguments of that line and calls the handler of the same name. A handler
//! returns `Ok(value)` or `Err(errno)`; the user sees `value` or `-errno`.
//!
//! Every pointer argument is a `UserPtr`: handlers never dereference it,
//! they pass it to `AddressSpace::read`/`write`/`copy_in`/`copy_out`
//! (mem/address_space.rs), which check it against the process's page
//! table and fail with `EFAULT`.
//!
//! To add a system call: a line in `libsys/src/syscalls.rs` and a `pub fn`
//! of the same name and argument types in one of the handler files here.

// Arithmetic with what a user program passed must be checked: `clippy`
// refuses a bare `+`, `-` or `*` anywhere under syscall/ (`make check`).
#![deny(clippy::arithmetic_side_effects)]

pub mod entry;
pub mod file;
pub mod netinfo;
pub mod process;
pub mod socket;
pub mod table;

use crate::arch::trap::TrapFrame;
use libsys::Errno;

pub type SysResult = Result<u64, Errno>;

impl TrapFrame {
    /// The six system-call argument registers, in the System V order
    /// except that `r10` replaces `rcx` (which `syscall` overwrites).
    pub fn syscall_arguments(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }
}

// ANCHOR: dispatch
/// Runs system call `number`: `ENOSYS` for a number no table line uses.
fn dispatch(number: u64, arguments: [u64; 6]) -> SysResult {
    let adapter = usize::try_from(number)
        .ok()
        .and_then(|n| table::TABLE.get(n).copied().flatten());
    match adapter {
        Some(adapter) => adapter(arguments),
        None => Err(Errno::ENOSYS),
    }
}
// ANCHOR_END: dispatch

// ANCHOR: handler
/// Called by `entry.rs` with the frame it built at the top of this
/// process's kernel stack. The frame arrives as a raw pointer, and no
/// reference to it is held while the handler runs, because `fork`, `exec`
/// and `exit` reach the same frame through `proc::with_trap_frame`.
#[unsafe(no_mangle)]
extern "C" fn syscall_handler(frame: *mut TrapFrame) {
    x86_64::instructions::interrupts::enable();
    // SAFETY: `frame` points at the live TrapFrame `entry.rs` just pushed;
    // these short reads and writes are the only accesses in this function.
    let (number, arguments) = unsafe { ((*frame).rax, (*frame).syscall_arguments()) };
    let _trace = crate::trace::syscall(number); // records the call and, when dropped, its return
    let result = dispatch(number, arguments);
    let rax = match result {
        Ok(value) => value,
        Err(errno) => errno.as_return() as u64,
    };
    // SAFETY: as above; the handler has returned, nothing else refers to it.
    unsafe { (*frame).rax = rax };
    if crate::proc::lifecycle::killed() {
        crate::proc::lifecycle::exit(libsys::abi::STATUS_KILLED);
    }
    // Never return to an address user code could not have come from: a
    // non-canonical rip would make sysretq (and, on Intel, iretq) fault in
    // ring 0. Our memory layout keeps the last user page unmapped, so this
    // cannot happen; if it ever does, the process dies, not the kernel.
    // SAFETY: as above.
    let rip = unsafe { (*frame).rip };
    if rip >= libsys::abi::USER_TOP {
        let pid = crate::proc::describe_current().0;
        crate::println!(
            "pid {}: return address {:#x} outside user space: killed",
            pid,
            rip
        );
        crate::proc::lifecycle::exit(libsys::abi::STATUS_FAULTED);
    }
}
// ANCHOR_END: handler
