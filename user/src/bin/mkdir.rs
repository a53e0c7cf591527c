//! mkdir: makes directories. `mkdir DIR...`
#![no_std]
#![no_main]

use libsys::{Args, eprintln};

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: mkdir DIR...");
        return 2;
    }
    let mut status = 0;
    for path in args.iter().skip(1) {
        if let Err(e) = libsys::mkdir(path) {
            eprintln!("mkdir: {path}: {e}");
            status = 1;
        }
    }
    status
}
