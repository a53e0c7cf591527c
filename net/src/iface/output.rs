//! The send path: from an IPv4 payload to a frame in the transmit queue.
//!
//! ```text
//! send_ipv4 ──► route ──► build frame(s) ──► ARP cache ──┬─ Found ──► Ethernet header ──► tx_queue
//!                                                        ├─ Pending ─► wait in the ARP cache
//!                                                        └─ Missing ─► ARP request, then wait
//! ```
//!
//! A datagram bigger than one frame leaves as fragments (RFC 791 §3.2):
//! frames of [`MAX_FRAGMENT_DATA`] payload bytes, all with the datagram's
//! identification, MF set on all but the last. That is how an echo reply to
//! a 3000-byte ping goes back. TCP never needs it (its segments fit the
//! MSS, or the card cuts them: `tcp.rs`) and marks its packets DF instead,
//! for path-MTU discovery.
//!
//! Frames are built once, with 14 bytes left blank at the front for the
//! Ethernet header: the destination MAC is written only when ARP knows it, so
//! a frame that waits is never copied again.
//!
//! Every failure is counted here as well as returned, so that the replies the
//! interface sends on its own (ARP, echo, ICMP errors) are accounted for too.

use alloc::vec;
use alloc::vec::Vec;
use core::net::Ipv4Addr;

use super::arp_cache::Lookup;
use super::config::Route;
use super::{DEFAULT_TTL, Interface, NetError, TX_QUEUE_LEN};
use crate::offload::TxOffload;
use crate::time::Instant;
use crate::wire::arp::{self, ArpOperation, ArpRepr};
use crate::wire::ethernet::{self, EtherType, EthernetAddress, EthernetRepr};
use crate::wire::ipv4::{self, Ipv4Repr, Protocol};

/// The largest IPv4 payload that fits in one frame.
pub const MAX_IPV4_PAYLOAD: usize = ethernet::MTU - ipv4::HEADER_LEN;
/// The largest IPv4 payload at all: the total length field has 16 bits.
pub const MAX_DATAGRAM_PAYLOAD: usize = 65535 - ipv4::HEADER_LEN;
/// The payload of each fragment but the last: as much as fits in a frame,
/// rounded down to the 8-byte units the offset field counts in.
pub const MAX_FRAGMENT_DATA: usize = MAX_IPV4_PAYLOAD / 8 * 8;

impl Interface {
    // ANCHOR: send_ipv4
    /// Sends `payload` to `dst` in one IPv4 datagram from our address,
    /// fragmented if it does not fit in one frame. This is the path that
    /// UDP and ICMP share. `Ok` means every frame is queued: for the card,
    /// or for an ARP reply that may never come (that failure shows up in
    /// [`super::Counters::arp_dropped`]).
    pub fn send_ipv4(
        &mut self,
        now: Instant,
        dst: Ipv4Addr,
        protocol: Protocol,
        payload: &[u8],
    ) -> Result<(), NetError> {
        let src = self.source_for(dst);
        self.send_datagram(now, src, dst, protocol, payload, false)
    }

    /// Where a packet to `dst` goes: `None` for one of our own addresses
    /// (`local`: looped back), else the route; an address nobody can be
    /// sent to, or no route, is counted and refused.
    pub(super) fn route_to(
        &mut self,
        dst: Ipv4Addr,
        local: bool,
    ) -> Result<Option<Route>, NetError> {
        if dst.is_unspecified() || dst.is_multicast() {
            self.counters.tx_no_route += 1;
            return Err(NetError::BadAddress);
        }
        let route = if local { None } else { self.config.route(dst) };
        if route.is_none() && !local {
            self.counters.tx_no_route += 1;
            return Err(NetError::NoRoute);
        }
        Ok(route)
    }

    /// `send_ipv4` from `src` (ours, or 127.0.0.1), with the DF bit as
    /// asked (RFC 1191; TCP, which always sets it, writes its headers in
    /// place instead: `send_tcp_frame` in `tcp.rs`). A packet to ourselves is looped back
    /// whole: no link, so no MTU and no fragments.
    pub(super) fn send_datagram(
        &mut self,
        now: Instant,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: Protocol,
        payload: &[u8],
        dont_fragment: bool,
    ) -> Result<(), NetError> {
        let local = self.is_local(dst);
        if payload.len() > MAX_DATAGRAM_PAYLOAD
            || (dont_fragment && !local && payload.len() > MAX_IPV4_PAYLOAD)
        {
            self.counters.tx_too_long += 1;
            return Err(NetError::MessageTooLong);
        }
        let route = self.route_to(dst, local)?;
        let repr = Ipv4Repr {
            src,
            dst,
            protocol,
            ttl: DEFAULT_TTL,
            ident: self.next_ident,
            dont_fragment,
        };
        self.next_ident = self.next_ident.wrapping_add(1);
        let Some(route) = route else {
            let mut packet = vec![0; ipv4::HEADER_LEN + payload.len()];
            let _ = repr.emit(&mut packet, payload); // sized above: cannot fail
            return self.loop_back(packet);
        };
        // One piece if it fits, else pieces of MAX_FRAGMENT_DATA bytes.
        let piece_len = if payload.len() <= MAX_IPV4_PAYLOAD {
            MAX_IPV4_PAYLOAD
        } else {
            MAX_FRAGMENT_DATA
        };
        let mut offset = 0;
        loop {
            let piece = &payload[offset..payload.len().min(offset + piece_len)];
            let more = offset + piece.len() < payload.len();
            let mut frame = vec![0; ethernet::HEADER_LEN + ipv4::HEADER_LEN + piece.len()];
            // Sized for header and piece, offset a multiple of 8 below
            // 65535: emit cannot fail.
            let _ = repr.emit_fragment(&mut frame[ethernet::HEADER_LEN..], piece, offset, more);
            match route {
                Route::Broadcast => {
                    self.enqueue_frame(EthernetAddress::BROADCAST, EtherType::Ipv4, frame)?
                }
                Route::NextHop(next_hop) => self.send_via(now, next_hop, frame)?,
            }
            if !more {
                return Ok(());
            }
            offset += piece.len();
        }
    }
    // ANCHOR_END: send_ipv4

    /// Sends an IPv4 frame (header still blank) to an on-link `next_hop`,
    /// resolving its MAC address first if need be.
    pub(super) fn send_via(
        &mut self,
        now: Instant,
        next_hop: Ipv4Addr,
        frame: Vec<u8>,
    ) -> Result<(), NetError> {
        match self.arp.lookup(next_hop, now) {
            Lookup::Found(mac) => self.enqueue_frame(mac, EtherType::Ipv4, frame),
            Lookup::Pending => self.wait_for_arp(next_hop, frame),
            Lookup::Missing => {
                if self.arp.start_resolving(next_hop, now).is_err() {
                    self.counters.arp_cache_full += 1;
                    return Err(NetError::QueueFull);
                }
                self.send_arp_request(next_hop);
                self.wait_for_arp(next_hop, frame)
            }
        }
    }

    fn wait_for_arp(&mut self, next_hop: Ipv4Addr, frame: Vec<u8>) -> Result<(), NetError> {
        self.arp.enqueue(next_hop, frame).map_err(|_| {
            self.counters.arp_queue_full += 1;
            NetError::QueueFull
        })
    }

    /// "Who has `target`? Tell us", to everyone on the link.
    pub(super) fn send_arp_request(&mut self, target: Ipv4Addr) {
        let request = ArpRepr {
            operation: ArpOperation::Request,
            sender_mac: self.config.mac,
            sender_ip: self.config.addr,
            target_mac: EthernetAddress([0; 6]),
            target_ip: target,
        };
        if self.send_arp(EthernetAddress::BROADCAST, &request).is_ok() {
            self.counters.arp_requests_tx += 1;
        }
    }

    pub(super) fn send_arp(
        &mut self,
        dst: EthernetAddress,
        repr: &ArpRepr,
    ) -> Result<(), NetError> {
        let mut frame = vec![0; ethernet::HEADER_LEN + arp::PACKET_LEN];
        // The frame was sized for the packet, so this cannot fail.
        let _ = repr.emit(&mut frame[ethernet::HEADER_LEN..]);
        self.enqueue_frame(dst, EtherType::Arp, frame)
    }

    /// Fills in the Ethernet header, pads to the minimum frame size and puts
    /// the frame in the transmit queue. The first 14 bytes of `frame` are
    /// overwritten.
    pub(super) fn enqueue_frame(
        &mut self,
        dst: EthernetAddress,
        ethertype: EtherType,
        frame: Vec<u8>,
    ) -> Result<(), NetError> {
        self.enqueue_for_card(dst, ethertype, frame, None)
    }

    /// `enqueue_frame` for a frame the card is to finish (`offload`).
    pub(super) fn enqueue_for_card(
        &mut self,
        dst: EthernetAddress,
        ethertype: EtherType,
        mut frame: Vec<u8>,
        offload: Option<TxOffload>,
    ) -> Result<(), NetError> {
        if self.tx_queue.len() >= TX_QUEUE_LEN {
            self.counters.tx_queue_full += 1;
            return Err(NetError::QueueFull);
        }
        let header = EthernetRepr {
            dst,
            src: self.config.mac,
            ethertype,
        };
        // Every caller allocates the header room; a short frame gets it here.
        if frame.len() < ethernet::HEADER_LEN {
            frame.resize(ethernet::HEADER_LEN, 0);
        }
        let _ = header.emit(&mut frame);
        // Padding to 60 bytes is the sender's job (IEEE 802.3 §3.2.8); doing
        // it here means no driver has to remember.
        if frame.len() < ethernet::MIN_FRAME_LEN {
            frame.resize(ethernet::MIN_FRAME_LEN, 0);
        }
        self.tx_queue.push_back((frame, offload));
        Ok(())
    }

    /// Acts on the ARP cache's timers. Returns whether anything was due.
    pub(super) fn run_arp_timers(&mut self, now: Instant) -> bool {
        let actions = self.arp.poll(now);
        for &ip in &actions.retry {
            self.send_arp_request(ip);
        }
        for &(_, dropped) in &actions.failed {
            self.counters.arp_failures += 1;
            self.counters.arp_dropped += dropped as u64;
        }
        !actions.retry.is_empty() || !actions.failed.is_empty()
    }

    /// Sends the frames that were waiting for `ip`, now that it is at `mac`.
    pub(super) fn flush_waiting(&mut self, mac: EthernetAddress, frames: Vec<Vec<u8>>) {
        for frame in frames {
            // A full transmit queue is counted inside; nothing else to do.
            let _ = self.enqueue_frame(mac, EtherType::Ipv4, frame);
        }
    }
}
