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

pub mod entry;
pub mod file;
pub mod net;
pub mod process;
pub mod socket;

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
        nr::read => file::read(frame),
        nr::write => file::write(frame),
        nr::procinfo => process::procinfo(frame),
        nr::time_ns => process::time_ns(frame),
        nr::halt => process::halt(frame),
        nr::open => file::open(frame),
        nr::close => file::close(frame),
        nr::dup => file::dup(frame),
        nr::dup2 => file::dup2(frame),
        nr::pipe => file::pipe(frame),
        nr::fstat => file::fstat(frame),
        nr::lseek => file::lseek(frame),
        nr::getdents => file::getdents(frame),
        nr::chdir => file::chdir(frame),
        nr::getcwd => file::getcwd(frame),
        nr::mkdir => file::mkdir(frame),
        nr::unlink => file::unlink(frame),
        nr::setpgid => process::setpgid(frame),
        nr::set_foreground => process::set_foreground(frame),
        nr::meminfo => process::meminfo(frame),
        nr::schedinfo => process::schedinfo(frame),
        nr::poll => file::poll(frame),
        nr::fcntl => file::fcntl(frame),
        nr::socket => socket::socket(frame),
        nr::bind => socket::bind(frame),
        nr::listen => socket::listen(frame),
        nr::accept => socket::accept(frame),
        nr::connect => socket::connect(frame),
        nr::sendto => socket::sendto(frame),
        nr::recvfrom => socket::recvfrom(frame),
        nr::shutdown => socket::shutdown(frame),
        nr::setsockopt => socket::setsockopt(frame),
        nr::tcpinfo => socket::tcpinfo(frame),
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
    // Never return to an address user code could not have come from: a
    // non-canonical rip would make sysretq (and, on Intel, iretq) fault in
    // ring 0. Our memory layout keeps the last user page unmapped, so this
    // cannot happen; if it ever does, the process dies, not the kernel.
    if frame.rip >= libsys::abi::USER_TOP {
        let pid = crate::proc::describe_current().0;
        crate::println!(
            "pid {}: return address {:#x} outside user space: killed",
            pid,
            frame.rip
        );
        crate::proc::lifecycle::exit(libsys::abi::STATUS_FAULTED);
    }
}
// ANCHOR_END: handler
