//! true: does nothing, successfully (exit status 0).
#![no_std]
#![no_main]

#[unsafe(no_mangle)]
fn main(_args: libsys::Args) -> i32 {
    0
}
