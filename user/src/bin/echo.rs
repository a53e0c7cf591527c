//! echo: prints its arguments, separated by spaces, and a newline.
//!
//! `echo -n ...` leaves out the newline.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use libsys::Args;
use libsys::io::write_all;

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let mut words = args.iter().skip(1).peekable();
    let newline = words.next_if_eq(&"-n").is_none();
    // Build the whole line first, so it goes out in one `write`.
    let mut line = String::new();
    for (i, word) in words.enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(word);
    }
    if newline {
        line.push('\n');
    }
    match write_all(1, line.as_bytes()) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
