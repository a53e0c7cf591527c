//! What the two guest test programs share, `usertests` and `labtests`:
//! the result type, `check!`, raw system calls by number, and the loop
//! that runs a table of tests and prints one line each and a summary.
//!
//! Both programs include this file as a module of their own (`#[path]`),
//! since the `user` crate is a set of programs, not a library.

use alloc::string::String;
use libsys::println;

pub type TestResult = Result<(), String>;

/// A test: its name within the program, and the function.
pub type Test = (&'static str, fn() -> TestResult);

/// Fails the test with a message unless the condition holds.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(alloc::format!("check failed: {} (line {})", stringify!($cond), line!()));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(alloc::format!("{} (line {})", format_args!($($arg)+), line!()));
        }
    };
}

/// A system call by number with raw words for arguments: how the tests
/// hand the kernel the bad pointers, huge lengths and out-of-range values
/// that the typed wrappers in `libsys` would never let through, and how
/// the lab tests reach calls the kernel may not have yet.
pub fn syscall(number: usize, args: &[usize]) -> isize {
    // SAFETY: the tests pass addresses the kernel must refuse (unmapped,
    // kernel, non-canonical, read-only) or memory of their own that the
    // call may legitimately write; nothing else is reachable through them.
    unsafe { libsys::syscall::call(number, args) }
}

/// Runs the tests of `tests` whose full name, `PROGRAM/NAME`, contains
/// `filter` (the host harness's rule, so `tools/test.py --only FILTER`
/// and the guest pick the same tests). Prints `test NAME ... ok` or
/// `... FAILED: reason` for each and `N passed, N failed`; the exit
/// status is 0 if all passed.
pub fn run_tests(program: &str, tests: &[Test], filter: &str) -> i32 {
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        if !alloc::format!("{program}/{name}").contains(filter) {
            continue;
        }
        match test() {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Err(reason) => {
                failed += 1;
                println!("test {name} ... FAILED: {reason}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 { 0 } else { 1 }
}
