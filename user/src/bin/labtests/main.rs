//! labtests: the guest-side tests of the labs (labs/, docs/src/labs/).
//!
//! Like usertests, each test prints `test NAME ... ok` or `... FAILED:
//! reason`, and the run ends with `N passed, N failed`; the lab graders
//! (labs/LAB/checks.py) read those lines. `labtests FILTER` runs the tests
//! whose full name, `labtests/NAME`, contains FILTER (`labtests syscall::`).
//!
//! A lab adds system calls that the kernel does not have yet, so these
//! tests call them *by number* (`syscall`), never through a libsys
//! wrapper: they compile on every tree, and on a tree without the call
//! they fail with "ENOSYS" instead of breaking the build.
//!
//! `labtests fork-tree` is not a test but a helper for the syscall lab's
//! `trace` checks: a process that forks a child that forks a grandchild.
#![no_std]
#![no_main]

extern crate alloc;

mod cow_lab;
mod lock_lab;
mod sched_lab;
mod syscall_lab;
mod traps_lab;

#[path = "../../testing.rs"]
mod testing;

use alloc::string::String;
use libsys::{Args, Errno};
use testing::{Test, run_tests};
pub use testing::{TestResult, syscall};

/// `Ok(value)` or the error, with ENOSYS explained: the lab's call is
/// not in the kernel's table yet.
pub fn call(name: &str, number: usize, args: &[usize]) -> Result<usize, String> {
    match Errno::check(syscall(number, args)) {
        Ok(value) => Ok(value),
        Err(Errno::ENOSYS) => Err(alloc::format!(
            "{name} (number {number}) is not a system call yet: ENOSYS"
        )),
        Err(e) => Err(alloc::format!("{name} failed: {e}")),
    }
}

const TESTS: &[Test] = &[
    (
        "syscall::sysinfo_free_memory",
        syscall_lab::sysinfo_free_memory,
    ),
    ("syscall::sysinfo_processes", syscall_lab::sysinfo_processes),
    (
        "syscall::sysinfo_bad_pointer",
        syscall_lab::sysinfo_bad_pointer,
    ),
    ("cow::fork_shares_memory", cow_lab::fork_shares_memory),
    (
        "cow::fork_bigger_than_free_memory",
        cow_lab::fork_bigger_than_free_memory,
    ),
    ("cow::writes_stay_private", cow_lab::writes_stay_private),
    ("cow::frames_come_back", cow_lab::frames_come_back),
    (
        "lock::frame_allocator_contention",
        lock_lab::frame_allocator_contention,
    ),
    (
        "sched::stride_follows_tickets",
        sched_lab::stride_follows_tickets,
    ),
    (
        "sched::round_robin_ignores_tickets",
        sched_lab::round_robin_ignores_tickets,
    ),
    (
        "sched::settickets_checks_its_argument",
        sched_lab::settickets_checks_its_argument,
    ),
    ("traps::alarm_calls_handler", traps_lab::alarm_calls_handler),
    (
        "traps::alarm_preserves_registers",
        traps_lab::alarm_preserves_registers,
    ),
    ("traps::alarm_not_reentered", traps_lab::alarm_not_reentered),
    (
        "traps::alarm_off_stops_calls",
        traps_lab::alarm_off_stops_calls,
    ),
    ("traps::alarm_bad_requests", traps_lab::alarm_bad_requests),
];

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let filter = args.get(1).unwrap_or("");
    if filter == "fork-tree" {
        return syscall_lab::fork_tree();
    }
    run_tests("labtests", TESTS, filter)
}
