//! Sockets: the network stack, reached through file descriptors.
//!
//! A socket is one more kind of `File` (`FileObject::Socket`), so `read`,
//! `write`, `close` and `poll` work on it like on a pipe. The protocol work
//! is done by the `net` crate, which the kernel's network thread drives
//! (`kernel/src/netstack`). A socket system call therefore only:
//!
//! 1. takes the stack's lock (`netstack::with_interface`),
//! 2. asks the stack to do one non-blocking thing (queue data, take
//!    received data, accept a queued connection),
//! 3. if the answer is "not yet" (`WouldBlock`), sleeps until the network
//!    thread has run again (`netstack::wait_until`), and retries;
//! 4. kicks the network thread if it queued something to send.
//!
//! So there is exactly one place where packets are processed, the network
//! thread, and socket calls never hold the stack's lock while sleeping.
//!
//! - `object.rs`: the `Socket` object and its states;
//! - `tcp.rs`, `udp.rs`: the operations for each protocol;
//! - `errors.rs`: the `net` crate's errors as errno values.

pub mod errors;
pub mod object;
pub mod tcp;
pub mod udp;

pub use object::Socket;
