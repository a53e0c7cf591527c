//! Packet formats, one file per protocol.
//!
//! Contract: every parser takes `&[u8]` of any length and either returns a
//! checked view or an error; it never panics and never reads out of bounds.
pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod tcp;
pub mod udp;
