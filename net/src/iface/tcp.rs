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

use core::net::SocketAddrV4;

use crate::tcp::TcpTable;
use crate::time::Instant;
use crate::wire::ipv4::{self, Ipv4Packet, Protocol};

use super::loopback::LOOPBACK_QUEUE_LEN;
use super::{Interface, TX_QUEUE_LEN};

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
        table.poll_output(now, &mut |src, dst, segment| {
            sent = true;
            // The checksum covers the source address (the pseudo-header):
            // a segment from an address that is not ours would arrive
            // corrupt, or answer somewhere else.
            let from_us = src == self.config.addr || (src.is_loopback() && self.is_local(dst));
            if !from_us {
                self.counters.tx_no_route += 1;
                return true;
            }
            // DF: a router that cannot forward it whole says so (RFC 1191).
            if self
                .send_datagram(now, src, dst, Protocol::Tcp, segment, true)
                .is_ok()
            {
                self.counters.tcp_tx += 1;
            }
            // Room for more? If not, the other connections wait for the
            // next poll rather than build segments only to see them dropped.
            self.tx_queue.len() < TX_QUEUE_LEN && self.loopback.len() < LOOPBACK_QUEUE_LEN
        });
        self.tcp = Some(table);
        sent
    }
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
