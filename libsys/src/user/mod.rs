//! The runtime of user programs (the `user` feature).
//!
//! A user program is `#![no_std] #![no_main]` and defines
//!
//! ```ignore
//! #[unsafe(no_mangle)]
//! fn main(args: libsys::Args) -> i32 { ... }
//! ```
//!
//! `_start` (in `start.rs`) calls it with the program's arguments and passes
//! its return value to `exit`.

mod heap;
pub mod io;
mod print;
mod start;
pub mod sys;
pub mod syscall;

pub use print::{_eprint, _print};
pub use start::Args;
pub use sys::*;
