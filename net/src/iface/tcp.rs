//! TCP in the interface: the glue between the IPv4 layer and a
//! [`TcpTable`].
//!
//! The TCP module never touches IP (see `tcp/mod.rs`), so the interface
//! does both halves of the job for it:
//!
//! ```text
//!  receive:  IPv4 packet, protocol 6 ─► TcpTable::input(src, dst, payload)
//!  send:     TcpTable::poll_output ─► (src, dst, segment) ─► send_ipv4(dst, 6, segment)
//! ```
//!
//! The table is optional: an interface built with [`Interface::new`] has
//! none, and counts every TCP segment in `tcp_unhandled` (the kernel attaches
//! one at boot with [`Interface::attach_tcp`]). Sockets are then reached
//! with [`Interface::tcp_mut`]; whatever a user call queues leaves on the
//! next `poll`.
//!
//! Invariant: `poll_output` runs inside every `poll`, after the received
//! frames and before the transmit queue goes to the card, so a segment's
//! answer (an ACK, a SYN+ACK, a reset) leaves in the same `poll` that
//! brought the segment in.

use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};

use crate::offload::{Capabilities, SegmentOffload, Segmentation, TxOffload, finish_in_software};
use crate::tcp::TcpTable;
use crate::time::Instant;
use crate::wire::ethernet::{self, EtherType, EthernetAddress};
use crate::wire::ipv4::{self, Ipv4Packet, Ipv4Repr, Protocol};
use crate::wire::tcp;

use super::arp_cache::Lookup;
use super::config::Route;
use super::loopback::LOOPBACK_QUEUE_LEN;
use super::output::{MAX_DATAGRAM_PAYLOAD, MAX_IPV4_PAYLOAD};
use super::{DEFAULT_TTL, Interface, NetError, TX_QUEUE_LEN};

impl Interface {
    /// Gives the interface a TCP table: from now on protocol 6 goes to it,
    /// and its segments leave through `poll`. Replaces any table attached
    /// before (whose connections are then simply forgotten).
    pub fn attach_tcp(&mut self, table: TcpTable) {
        self.tcp = Some(table);
    }

    /// The TCP table, if one is attached.
    pub fn tcp(&self) -> Option<&TcpTable> {
        self.tcp.as_ref()
    }

    /// The TCP table, for socket calls (`listen`, `connect`, `send`...).
    pub fn tcp_mut(&mut self) -> Option<&mut TcpTable> {
        self.tcp.as_mut()
    }

    // ANCHOR: process_tcp
    /// The dispatch point for TCP (protocol 6): the IPv4 payload goes to the
    /// table, with the two addresses its checksum and demultiplexing need.
    /// Without a table, or for a packet that came as a link or IP broadcast
    /// (TCP is unicast only, RFC 1122 §4.2.3.10), it is counted and dropped,
    /// without an ICMP error: the protocol does exist.
    pub(super) fn process_tcp(&mut self, now: Instant, packet: &Ipv4Packet<'_>, broadcast: bool) {
        match &mut self.tcp {
            Some(table) if !broadcast => {
                self.counters.tcp_rx += 1;
                table.input(now, packet.src(), packet.dst(), packet.payload());
            }
            _ => self.counters.tcp_unhandled += 1,
        }
    }
    // ANCHOR_END: process_tcp

    // ANCHOR: frag_needed
    /// ICMP "fragmentation needed" (RFC 1191 §4): a router could not
    /// forward one of our DF packets, quoted in `original`, because the
    /// next link's MTU is `next_hop_mtu`. If the packet was a TCP segment,
    /// the TCP table checks the quote against the connection (RFC 5927)
    /// and lowers its MSS to fit the path.
    pub(super) fn process_frag_needed(&mut self, now: Instant, next_hop_mtu: u16, original: &[u8]) {
        let Ok(quoted) = Ipv4Packet::new_quoted(original) else {
            return; // counted in icmp_dst_unreachable_rx; nothing to learn
        };
        // The ports and the sequence number: the first 8 bytes of TCP.
        let Some(tcp) = quoted.payload().get(..8) else {
            return;
        };
        if quoted.protocol() != Protocol::Tcp {
            return;
        }
        let Some(table) = &mut self.tcp else {
            return;
        };
        let port = |at: usize| u16::from_be_bytes([tcp[at], tcp[at + 1]]);
        let local = SocketAddrV4::new(quoted.src(), port(0));
        let remote = SocketAddrV4::new(quoted.dst(), port(2));
        let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
        let mtu = path_mtu(next_hop_mtu, quoted.total_len_field());
        table.path_mtu_report(now, local, remote, seq, mtu);
    }
    // ANCHOR_END: frag_needed

    // ANCHOR: tcp_output
    /// Sends every segment the table has due at `now`. Returns whether there
    /// was any. A segment that cannot be sent (no route, queues full) is
    /// counted by `send_ipv4` and otherwise forgotten: TCP's retransmission
    /// timer is what recovers from a lost segment, wherever it was lost.
    pub(super) fn tcp_output(&mut self, now: Instant) -> bool {
        // The table must be borrowed apart from the rest of `self`, which
        // `send_ipv4` needs: take it out for the duration.
        let Some(mut table) = self.tcp.take() else {
            return false;
        };
        let mut sent = false;
        // Only what leaves through the card may be left for it: a packet
        // to ourselves is looped back complete. One IPv4 datagram bounds
        // what the card may be asked to cut up.
        let card = Capabilities {
            tx_checksum: self.card.tx_checksum || self.card.tso_max > 0,
            tso_max: self
                .card
                .tso_max
                .min(MAX_DATAGRAM_PAYLOAD - tcp::HEADER_LEN),
        };
        let our_addr = self.config.addr;
        let offload_for = |dst: Ipv4Addr| {
            if dst == our_addr || dst.is_loopback() {
                Capabilities::NONE
            } else {
                card
            }
        };
        let headroom = ethernet::HEADER_LEN + ipv4::HEADER_LEN;
        table.poll_output_offloaded(
            now,
            headroom,
            &offload_for,
            &mut |src, dst, frame, offload| {
                sent = true;
                // The checksum covers the source address (the pseudo-header):
                // a segment from an address that is not ours would arrive
                // corrupt, or answer somewhere else.
                let from_us = src == self.config.addr || (src.is_loopback() && self.is_local(dst));
                if !from_us {
                    self.counters.tx_no_route += 1;
                    return true;
                }
                if let Ok(frames) = self.send_tcp_frame(now, src, dst, frame, offload) {
                    self.counters.tcp_tx += frames;
                }
                // Room for more? If not, the other connections wait for the
                // next poll rather than build segments only to see them dropped.
                self.tx_queue.len() < TX_QUEUE_LEN && self.loopback.len() < LOOPBACK_QUEUE_LEN
            },
        );
        self.tcp = Some(table);
        sent
    }
    // ANCHOR_END: tcp_output

    // ANCHOR: send_tcp_frame
    /// Sends a TCP segment that sits in `frame` after room for the
    /// Ethernet and IPv4 headers, which are written in place: the segment
    /// is not copied again. The IPv4 header has DF set (a router that
    /// cannot forward it whole says so, RFC 1191). A segment TCP left for
    /// the card (`offload`) gets an IPv4 checksum of zero, for the card to
    /// fill, and an identification for each frame the card will make (it
    /// counts up from this one, as the datagrams sent one by one would).
    /// One that would wait for ARP is finished here instead
    /// (`finish_in_software`): frames waiting for an address are plain
    /// frames. Returns the number of frames on the wire.
    fn send_tcp_frame(
        &mut self,
        now: Instant,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        mut frame: Vec<u8>,
        offload: SegmentOffload,
    ) -> Result<u64, NetError> {
        let ip_start = ethernet::HEADER_LEN;
        let tcp_start = ip_start + ipv4::HEADER_LEN;
        let segment_len = frame.len().saturating_sub(tcp_start);
        let local = self.is_local(dst);
        let mss = match offload {
            SegmentOffload::Segmentation { mss } if mss > 0 && !local => Some(mss),
            _ => None,
        };
        if !(tcp::HEADER_LEN..=MAX_DATAGRAM_PAYLOAD).contains(&segment_len)
            || (mss.is_none() && !local && segment_len > MAX_IPV4_PAYLOAD)
        {
            self.counters.tx_too_long += 1;
            return Err(NetError::MessageTooLong);
        }
        let route = self.route_to(dst, local)?;
        let tcp_header_len = usize::from(frame[tcp_start + 12] >> 4) * 4;
        let frames = mss.map_or(1, |mss| {
            segment_len
                .saturating_sub(tcp_header_len)
                .div_ceil(mss)
                .max(1)
        });
        let repr = Ipv4Repr {
            src,
            dst,
            protocol: Protocol::Tcp,
            ttl: DEFAULT_TTL,
            ident: self.next_ident,
            dont_fragment: true,
        };
        self.next_ident = self.next_ident.wrapping_add(frames as u16);
        let _ = repr.emit_header_only(&mut frame[ip_start..], segment_len); // sized above
        let Some(route) = route else {
            frame.drain(..ip_start);
            return self.loop_back(frame).map(|()| 1);
        };
        if offload == SegmentOffload::None {
            match route {
                Route::NextHop(next_hop) => self.send_via(now, next_hop, frame)?,
                Route::Broadcast => {
                    self.enqueue_frame(EthernetAddress::BROADCAST, EtherType::Ipv4, frame)?
                }
            }
            return Ok(1);
        }
        frame[ip_start + 10..][..2].copy_from_slice(&[0, 0]); // the card's to fill
        let offload = TxOffload {
            ip_start,
            tcp_start,
            segmentation: mss.map(|mss| Segmentation {
                header_len: tcp_start + tcp_header_len,
                mss,
            }),
        };
        if let Route::NextHop(next_hop) = route
            && let Lookup::Found(mac) = self.arp.lookup(next_hop, now)
        {
            self.enqueue_for_card(mac, EtherType::Ipv4, frame, Some(offload))?;
            return Ok(frames as u64);
        }
        let mut finished = Vec::new();
        finish_in_software(&frame, &offload, &mut |piece| finished.push(piece));
        for piece in finished {
            match route {
                Route::NextHop(next_hop) => self.send_via(now, next_hop, piece)?,
                Route::Broadcast => {
                    self.enqueue_frame(EthernetAddress::BROADCAST, EtherType::Ipv4, piece)?
                }
            }
        }
        Ok(frames as u64)
    }
    // ANCHOR_END: send_tcp_frame
    // ANCHOR_END: tcp_output
}

/// The smallest MTU we believe a path has: a claim below it is taken as
/// this, as Linux does (its `min_pmtu`), so that a forged ICMP message
/// cannot make TCP crawl in 28-byte segments.
pub const MIN_PATH_MTU: usize = 552;

/// RFC 1191 §7: MTUs of common links, for routers that predate RFC 1191
/// and report 0: the largest one below the size that failed is our guess.
const MTU_PLATEAUS: [usize; 10] = [32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];

// ANCHOR: path_mtu
/// The path MTU that a "fragmentation needed" message tells, for a
/// datagram of `failed_len` bytes.
fn path_mtu(next_hop_mtu: u16, failed_len: usize) -> usize {
    let mtu = match usize::from(next_hop_mtu) {
        0 => MTU_PLATEAUS
            .into_iter()
            .find(|&plateau| plateau < failed_len)
            .unwrap_or(ipv4::MIN_MTU),
        mtu => mtu,
    };
    mtu.max(MIN_PATH_MTU)
}
// ANCHOR_END: path_mtu
