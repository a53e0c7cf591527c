//! kill: ends processes. `kill PID...`
//!
//! The process exits (with status 137, as if killed by SIGKILL) the next
//! time it leaves the kernel; a sleeping process is woken up to do so.
#![no_std]
#![no_main]

use libsys::{Args, eprintln};

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: kill PID...");
        return 2;
    }
    let mut status = 0;
    for arg in args.iter().skip(1) {
        let Ok(pid) = arg.parse::<u32>() else {
            eprintln!("kill: {arg}: not a process id");
            status = 1;
            continue;
        };
        if let Err(e) = libsys::kill(pid) {
            eprintln!("kill: {arg}: {e}");
            status = 1;
        }
    }
    status
}
