//! trace: runs a command with system-call tracing on (the syscall lab,
//! docs/src/labs/syscall.md). `trace MASK COMMAND [ARGUMENT...]`: bit N of
//! MASK traces system call number N (`trace 4096 echo hi` traces `write`,
//! number 12), for the command and every process it forks.
//!
//! The `trace` system call is the lab's to write, so this calls it by
//! number: on a kernel without it, trace says so and fails.
#![no_std]
#![no_main]

extern crate alloc;

use libsys::{Args, Errno, eprintln};

/// The number the handout gives `trace`.
const SYS_TRACE: usize = 80;

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let (Some(mask), Some(program)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: trace MASK COMMAND [ARGUMENT...]");
        return 2;
    };
    let Ok(mask) = mask.parse::<u64>() else {
        eprintln!("trace: {mask}: not a number");
        return 2;
    };
    // SAFETY: `trace` takes a number, no pointer.
    match Errno::check(unsafe { libsys::syscall::call(SYS_TRACE, &[mask as usize]) }) {
        Ok(_) => {}
        Err(Errno::ENOSYS) => {
            eprintln!("trace: this kernel has no trace system call (ENOSYS)");
            return 1;
        }
        Err(e) => {
            eprintln!("trace: {e}");
            return 1;
        }
    }
    let argv: alloc::vec::Vec<&str> = args.iter().skip(2).collect();
    let path = if program.contains('/') {
        alloc::string::String::from(program)
    } else {
        alloc::format!("/bin/{program}")
    };
    let error = libsys::exec(&path, &argv);
    eprintln!("trace: {path}: {error}");
    127
}
