//! System calls: from the `syscall` instruction to a handler and back.
//!
//! `entry.rs` saves the user's registers in a `TrapFrame` and calls
//! `syscall_handler`, which turns interrupts back on (a system call may take
//! a while, and may sleep), looks the number up in `dispatch`, and puts the
//! result in `rax`. Arguments arrive in `rdi, rsi, rdx, r10, r8, r9`
//! (`TrapFrame::arg`). A handler returns `Ok(value)` or `Err(errno)`; the
//! user sees `value` or `-errno`.
//!
//! Every pointer argument is a *user* address: handlers never dereference
//! it, they pass it to `copy_in`/`copy_out` (mem/address_space.rs), which
//! check it against the process's page table and fail with `EFAULT`.
//!
//! To add a system call: a line in `libsys/src/syscalls.rs`, a handler
//! here (in the file for its subsystem), and a line in `dispatch`.

pub mod console;
pub mod entry;
pub mod net;
pub mod process;

use crate::arch::trap::TrapFrame;
use libsys::Errno;
use libsys::syscalls::nr;

pub type SysResult = Result<u64, Errno>;

impl TrapFrame {
    /// System-call argument `n` (0-based), in the System V order except
    /// that `r10` replaces `rcx` (which `syscall` overwrites).
    pub fn arg(&self, n: usize) -> u64 {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9][n]
    }
}

// ANCHOR: dispatch
fn dispatch(frame: &mut TrapFrame) -> SysResult {
    match frame.rax as usize {
        nr::exit => process::exit(frame),
        nr::fork => process::fork(frame),
        nr::exec => process::exec(frame),
        nr::wait => process::wait(frame),
        nr::kill => process::kill(frame),
        nr::getpid => process::getpid(frame),
        nr::getppid => process::getppid(frame),
        nr::sbrk => process::sbrk(frame),
        nr::sleep => process::sleep(frame),
        nr::uptime => process::uptime(frame),
        nr::yield_now => process::yield_now(frame),
        nr::read => console::read(frame),
        nr::write => console::write(frame),
        nr::procinfo => process::procinfo(frame),
        nr::time_ns => process::time_ns(frame),
        nr::halt => process::halt(frame),
        nr::ping => net::ping(frame),
        nr::netinfo => net::netinfo(frame),
        _ => Err(Errno::ENOSYS),
    }
}
// ANCHOR_END: dispatch

// ANCHOR: handler
#[unsafe(no_mangle)]
extern "C" fn syscall_handler(frame: &mut TrapFrame) {
    x86_64::instructions::interrupts::enable();
    let result = dispatch(frame);
    frame.rax = match result {
        Ok(value) => value,
        Err(errno) => errno.as_return() as u64,
    };
    if crate::proc::lifecycle::killed() {
        crate::proc::lifecycle::exit(libsys::abi::STATUS_KILLED);
    }
}
// ANCHOR_END: handler
