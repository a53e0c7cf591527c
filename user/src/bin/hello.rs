//! hello: the smallest user program. Prints its arguments.
#![no_std]
#![no_main]

use libsys::{Args, println};

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    println!("hello from pid {}!", libsys::getpid());
    for (i, arg) in args.iter().enumerate() {
        println!("  argv[{i}] = {arg}");
    }
    0
}
