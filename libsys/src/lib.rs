//! `libsys`: the one definition of the kernel/user ABI, and the user-side
//! library built on it.
//!
//! Everything both sides must agree on lives here and nowhere else:
//! - [`syscalls`]: the table of system calls (number, name, arguments);
//! - [`errno`]: error numbers (negative return values);
//! - [`abi`]: structures and constants passed across the boundary;
//! - [`plain`]: the `Plain` trait that lets those structures cross as bytes.
//!
//! With the `user` feature it is also the runtime of every user program:
//! `_start`, the `syscall` instruction wrappers, safe wrappers returning
//! `Result`, `print!`/`println!`, a heap over `sbrk`, and `exit` on return or
//! panic.
#![no_std]

pub mod abi;
pub mod errno;
pub mod plain;
pub mod syscalls;

#[cfg(feature = "user")]
mod user;
#[cfg(feature = "user")]
pub use user::*;

pub use errno::Errno;
