//! `net`: the TCP/IP stack of the teaching kernel.
//!
//! This crate knows nothing of the kernel. It is `no_std + alloc`, contains no
//! `unsafe`, and never reads a clock: the caller passes `now` in. The kernel
//! drives it from its network thread; `cargo test` drives it on the host with
//! scripted packets and a fake clock.
//!
//! Layers, bottom up (each module opens with its own contract):
//! - [`wire`]: packet formats. A `Packet` type checks lengths once when it is
//!   built from bytes; after that its accessors cannot fail.
//! - [`tcp`]: the TCP state machine (RFC 9293) with its timers.
//! - [`time`]: `Instant` and `Duration` in milliseconds.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod iface;
pub mod offload;
pub mod tcp;
pub mod time;
pub mod wire;

pub use iface::{Config, Device, Interface, NetError};
pub use tcp::{TcpConfig, TcpError, TcpTable};
pub use wire::ethernet::{EthernetAddress, WireError};
