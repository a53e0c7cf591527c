//! ICMP in the interface: answering pings, letting a `ping` program send its
//! own and collect the replies, and reporting undeliverable datagrams.
//!
//! There are no ICMP sockets. `ping_send` sends an echo request with the
//! caller's identifier; replies go into one small queue shared by all callers,
//! and `ping_recv(ident)` takes the oldest reply with that identifier. The
//! queue is bounded ([`ECHO_QUEUE_LEN`]): when it is full the oldest reply is
//! dropped, because a reply nobody collected belongs to a `ping` that has
//! already given up.

use alloc::collections::VecDeque;
use alloc::vec;
use core::net::Ipv4Addr;

use super::output::MAX_DATAGRAM_PAYLOAD;
use super::{Interface, NetError};
use crate::time::Instant;
use crate::wire::icmp::{self, IcmpPacket, IcmpRepr};
use crate::wire::ipv4::{Ipv4Packet, Protocol};
use crate::wire::udp;

/// Echo replies kept for `ping_recv` at most.
pub const ECHO_QUEUE_LEN: usize = 16;

/// An echo reply, as `ping` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchoReply {
    /// Who answered.
    pub src: Ipv4Addr,
    pub ident: u16,
    pub seq_no: u16,
    /// The TTL left when it reached us: hints at how many routers it crossed.
    pub ttl: u8,
    /// Bytes of data after the ICMP header.
    pub payload_len: usize,
    /// The `now` of the `poll` that received it, to compute round-trip times.
    pub received_at: Instant,
}

/// The queue behind `ping_recv`.
#[derive(Debug, Default)]
pub(super) struct EchoReplies {
    queue: VecDeque<EchoReply>,
}

impl EchoReplies {
    pub(super) fn new() -> EchoReplies {
        EchoReplies::default()
    }

    /// Returns `true` if the oldest reply had to be dropped to make room.
    fn push(&mut self, reply: EchoReply) -> bool {
        let overflow = self.queue.len() >= ECHO_QUEUE_LEN;
        if overflow {
            self.queue.pop_front();
        }
        self.queue.push_back(reply);
        overflow
    }
}

impl Interface {
    /// Sends an echo request ("ping") to `dst`. Choose `ident` per ping
    /// program (e.g. from its pid) and count `seq_no` up per request.
    pub fn ping_send(
        &mut self,
        dst: Ipv4Addr,
        ident: u16,
        seq_no: u16,
        payload: &[u8],
        now: Instant,
    ) -> Result<(), NetError> {
        let request = IcmpRepr::EchoRequest {
            ident,
            seq_no,
            data: payload,
        };
        if request.buffer_len() > MAX_DATAGRAM_PAYLOAD {
            self.counters.tx_too_long += 1;
            return Err(NetError::MessageTooLong);
        }
        let mut message = vec![0; request.buffer_len()];
        let _ = request.emit(&mut message); // sized above: cannot fail
        self.send_ipv4(now, dst, Protocol::Icmp, &message)
    }

    /// Takes the oldest echo reply carrying `ident`, if one has arrived.
    pub fn ping_recv(&mut self, ident: u16) -> Option<EchoReply> {
        let queue = &mut self.echo_replies.queue;
        let at = queue.iter().position(|r| r.ident == ident)?;
        queue.remove(at)
    }

    /// Would `ping_recv(ident)` return something? For the kernel's `poll`.
    pub fn ping_can_recv(&self, ident: u16) -> bool {
        self.echo_replies.queue.iter().any(|r| r.ident == ident)
    }

    // ANCHOR: process_icmp
    pub(super) fn process_icmp(&mut self, now: Instant, ip: &Ipv4Packet<'_>, broadcast: bool) {
        let packet = match IcmpPacket::new_checked(ip.payload()) {
            Ok(packet) => packet,
            Err(e) => return self.counters.count_wire_error(e),
        };
        match IcmpRepr::parse(&packet) {
            Ok(IcmpRepr::EchoRequest {
                ident,
                seq_no,
                data,
            }) => {
                self.counters.icmp_echo_requests_rx += 1;
                // RFC 1122 §3.2.2.6 lets a host ignore broadcast pings; doing
                // so keeps one ping from making the whole LAN answer at once.
                if broadcast {
                    self.counters.icmp_broadcast_ignored += 1;
                    return;
                }
                // Same identifier, sequence number and data (RFC 792).
                let reply = IcmpRepr::EchoReply {
                    ident,
                    seq_no,
                    data,
                };
                let mut message = vec![0; reply.buffer_len()];
                let _ = reply.emit(&mut message); // sized above: cannot fail
                // From the address that was pinged (any of 127.0.0.0/8 is).
                let sent =
                    self.send_datagram(now, ip.dst(), ip.src(), Protocol::Icmp, &message, false);
                if sent.is_ok() {
                    self.counters.icmp_echo_replies_tx += 1;
                }
            }
            Ok(IcmpRepr::EchoReply {
                ident,
                seq_no,
                data,
            }) => {
                self.counters.icmp_echo_replies_rx += 1;
                let reply = EchoReply {
                    src: ip.src(),
                    ident,
                    seq_no,
                    ttl: ip.ttl(),
                    payload_len: data.len(),
                    received_at: now,
                };
                if self.echo_replies.push(reply) {
                    self.counters.icmp_echo_queue_overflow += 1;
                }
            }
            // A later exercise: tell the UDP socket that sent the datagram.
            Ok(IcmpRepr::DstUnreachable { .. }) => self.counters.icmp_dst_unreachable_rx += 1,
            Ok(IcmpRepr::FragmentationNeeded {
                next_hop_mtu,
                original,
            }) => {
                self.counters.icmp_dst_unreachable_rx += 1;
                self.process_frag_needed(now, next_hop_mtu, original);
            }
            Ok(IcmpRepr::TimeExceeded { .. }) => self.counters.icmp_unsupported += 1,
            Err(_) => self.counters.icmp_unsupported += 1,
        }
    }
    // ANCHOR_END: process_icmp

    /// Abandons the reassemblies whose time is up, telling each sender
    /// whose first fragment came (RFC 1122 §3.3.2: ICMP Time Exceeded,
    /// code 1). Returns whether any was abandoned.
    pub(super) fn expire_fragments(&mut self, now: Instant) -> bool {
        let expired = self.reassembly.expire(now, &mut self.counters);
        for datagram in &expired {
            // No ICMP errors about broadcasts (RFC 1122 §3.2.2).
            let Some(quote) = &datagram.quote else {
                continue;
            };
            if self.config.is_broadcast(datagram.dst) {
                continue;
            }
            let error = IcmpRepr::TimeExceeded {
                code: icmp::CODE_REASSEMBLY_TIME_EXCEEDED,
                original: quote,
            };
            let mut message = vec![0; error.buffer_len()];
            let _ = error.emit(&mut message); // sized above: cannot fail
            if self
                .send_ipv4(now, datagram.src, Protocol::Icmp, &message)
                .is_ok()
            {
                self.counters.icmp_errors_tx += 1;
            }
        }
        !expired.is_empty()
    }

    /// Tells the sender of `ip` that it could not be delivered. RFC 1122
    /// §3.2.2 forbids this for datagrams sent to a broadcast address or from
    /// an address that names no single host; fragments never get this far.
    pub(super) fn send_dst_unreachable(
        &mut self,
        now: Instant,
        ip: &Ipv4Packet<'_>,
        code: u8,
        broadcast: bool,
    ) {
        if broadcast || ip.src().is_unspecified() {
            return;
        }
        // The IP header and the first 8 bytes of data (RFC 792): enough for
        // the sender to find the UDP or TCP ports of the flow that failed.
        let quoted = (ip.header_len() + udp::HEADER_LEN).min(ip.total_len());
        let error = IcmpRepr::DstUnreachable {
            code,
            original: &ip.as_bytes()[..quoted],
        };
        let mut message = vec![0; error.buffer_len()];
        let _ = error.emit(&mut message); // sized above: cannot fail
        if self
            .send_ipv4(now, ip.src(), Protocol::Icmp, &message)
            .is_ok()
        {
            self.counters.icmp_errors_tx += 1;
        }
    }
}
