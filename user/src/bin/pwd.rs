//! pwd: prints the current directory.
//!
//! It works as a separate program because a child starts in its parent's
//! directory: the shell's `cd` changes the directory every later command
//! inherits.
#![no_std]
#![no_main]

use libsys::abi::MAX_PATH;
use libsys::{Args, eprintln, println};

#[unsafe(no_mangle)]
fn main(_args: Args) -> i32 {
    let mut buffer = [0u8; MAX_PATH];
    match libsys::getcwd(&mut buffer) {
        Ok(dir) => {
            println!("{dir}");
            0
        }
        Err(e) => {
            eprintln!("pwd: {e}");
            1
        }
    }
}
