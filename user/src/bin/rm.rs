//! rm: removes files (and empty directories). `rm FILE...`
#![no_std]
#![no_main]

use libsys::{Args, eprintln};

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: rm FILE...");
        return 2;
    }
    let mut status = 0;
    for path in args.iter().skip(1) {
        if let Err(e) = libsys::unlink(path) {
            eprintln!("rm: {path}: {e}");
            status = 1;
        }
    }
    status
}
