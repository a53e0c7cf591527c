//! The loopback path: packets from this host to itself.
//!
//! A host must deliver datagrams addressed to itself locally, without
//! putting them on the wire: to its own address, and to the loopback
//! network 127.0.0.0/8, which "MUST NOT appear outside a host" (RFC 1122
//! §3.2.1.3). So `send_datagram` puts such packets in a queue here instead
//! of in a frame, and `poll` hands each to the receive path as if it had
//! arrived, which is what lets `wget http://127.0.0.1/` reach our own
//! httpd, and `ping 10.0.2.15` answer itself.
//!
//! The queue is bounded like every other ([`LOOPBACK_QUEUE_LEN`]), and
//! `poll` runs it a few rounds at most ([`LOOPBACK_ROUNDS`]): a reply to a
//! looped packet is looped too, and two sockets talking to each other
//! must not keep one `poll` going for ever. What is left waits for the
//! next `poll`, which `poll_at` asks for at once.
//!
//! Packets to 127.0.0.0/8 leave from 127.0.0.1 ([`Interface::source_for`]),
//! so the answer comes back the same way; packets from the wire claiming a
//! loopback address are dropped on arrival (`input.rs`).

use alloc::vec::Vec;
use core::net::Ipv4Addr;

use super::{Interface, NetError};
use crate::time::Instant;

/// Packets waiting to be looped back, at most.
pub const LOOPBACK_QUEUE_LEN: usize = 64;
/// Rounds of "TCP output, then deliver what is looped" per `poll`.
pub const LOOPBACK_ROUNDS: usize = 4;

impl Interface {
    /// The address our packets to `dst` come from: 127.0.0.1 for the
    /// loopback network, our interface's address for everything else. The
    /// kernel asks this for a socket's local address when it connects.
    pub fn source_for(&self, dst: Ipv4Addr) -> Ipv4Addr {
        if dst.is_loopback() {
            Ipv4Addr::LOCALHOST
        } else {
            self.config.addr
        }
    }

    /// Is `dst` this host: our address, or anything in 127.0.0.0/8?
    pub fn is_local(&self, dst: Ipv4Addr) -> bool {
        dst == self.config.addr || dst.is_loopback()
    }

    /// Are looped packets waiting? The kernel's thread polls again at once
    /// if so.
    pub fn loopback_pending(&self) -> bool {
        !self.loopback.is_empty()
    }

    /// Queues a whole IPv4 packet for local delivery.
    pub(super) fn loop_back(&mut self, packet: Vec<u8>) -> Result<(), NetError> {
        if self.loopback.len() >= LOOPBACK_QUEUE_LEN {
            self.counters.tx_queue_full += 1;
            return Err(NetError::QueueFull);
        }
        self.counters.loopback_packets += 1;
        self.loopback.push_back(packet);
        Ok(())
    }

    // ANCHOR: run_loopback
    /// Delivers the packets that were queued when it was called (not the
    /// replies they cause: those wait for the next round). Returns whether
    /// there were any.
    pub(super) fn run_loopback(&mut self, now: Instant) -> bool {
        let queued = self.loopback.len();
        for _ in 0..queued {
            let Some(packet) = self.loopback.pop_front() else {
                break;
            };
            self.process_ipv4(now, &packet, false, true);
        }
        queued > 0
    }
    // ANCHOR_END: run_loopback
}
