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

use crate::tcp::TcpTable;
use crate::time::Instant;
use crate::wire::ipv4::{Ipv4Packet, Protocol};

use super::Interface;

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
            // The checksum covers our address (the pseudo-header): a segment
            // from any other source address would arrive corrupt.
            if src != self.config.addr {
                self.counters.tx_no_route += 1;
                return;
            }
            // DF: a router that cannot forward it whole says so (RFC 1191).
            if self
                .send_datagram(now, dst, Protocol::Tcp, segment, true)
                .is_ok()
            {
                self.counters.tcp_tx += 1;
            }
        });
        self.tcp = Some(table);
        sent
    }
    // ANCHOR_END: tcp_output
}
