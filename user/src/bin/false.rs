//! false: does nothing, unsuccessfully (exit status 1).
#![no_std]
#![no_main]

#[unsafe(no_mangle)]
fn main(_args: libsys::Args) -> i32 {
    1
}
