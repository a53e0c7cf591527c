//! kcore: the parts of the kernel that are pure logic, in a crate of their
//! own so that `cargo test` runs their tests on the host in a second,
//! instead of only inside QEMU.
//!
//! Nothing here touches hardware, global state or the kernel's locks: each
//! function takes its input as arguments and returns its answer. The kernel
//! calls them directly (`kcore::path::normalize`, `kcore::cmdline::parse`).
//! When a piece of kernel code you want to test has a pure core, it belongs
//! here, and the kernel keeps only the glue.
#![no_std]

extern crate alloc;

pub mod cmdline;
pub mod path;
