//! What the interface did, as numbers: frames and bytes moved, and one
//! counter per reason a packet was dropped.
//!
//! The interface never panics and never returns an error from `poll`: a
//! received packet it cannot use is dropped, and the only trace is a counter
//! here. So every `return` on a drop path bumps exactly one of these, and
//! `netstat`-like tools can show them all with [`Counters::fields`].

use crate::wire::ethernet::WireError;

/// Monotonic event counts since the interface was created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    // --- the link ---
    /// Frames handed to us by the device.
    pub rx_frames: u64,
    pub rx_bytes: u64,
    /// Frames the device accepted for sending.
    pub tx_frames: u64,
    pub tx_bytes: u64,

    // --- received packets dropped because they are malformed ---
    /// The device claimed a frame longer than the buffer it was given.
    pub rx_oversized: u64,
    /// A header (or the length it claims) runs past the end of the data.
    pub rx_truncated: u64,
    /// An IPv4 header, ICMP or UDP checksum failed.
    pub rx_bad_checksum: u64,
    /// A bad version or self-contradicting length field.
    pub rx_malformed: u64,
    /// Well formed but of a kind we do not speak (e.g. ARP for non-IPv4).
    pub rx_unsupported: u64,
    /// A source address no real host has: multicast MAC, broadcast IPv4, an
    /// ARP sender claiming our own address (RFC 1122 §3.2.1.3).
    pub rx_bad_source: u64,

    // --- received packets dropped because they are not for us ---
    /// Ethernet destination not our MAC nor broadcast; IPv4 destination not
    /// our address nor a broadcast; ARP asking for someone else.
    pub rx_not_for_us: u64,
    /// EtherType other than IPv4 and ARP (e.g. IPv6).
    pub rx_unknown_ethertype: u64,
    /// IPv4 fragments received (each then reassembled, held or dropped).
    pub ipv4_fragments: u64,
    /// Datagrams put back together from their fragments.
    pub frag_reassembled: u64,
    /// Datagrams abandoned because their fragments did not all arrive in
    /// time (each answered with ICMP Time Exceeded if its first came).
    pub frag_timeouts: u64,
    /// Datagrams discarded because two fragments overlapped, or their
    /// pieces disagreed about where the datagram ends.
    pub frag_overlaps: u64,
    /// Non-last fragments under 68 bytes, which no link needs (RFC 791).
    pub frag_tiny: u64,
    /// Fragments with a length that is no multiple of 8 (and more to
    /// follow), or reaching past 65535 bytes.
    pub frag_malformed: u64,
    /// Datagrams discarded for having more than `MAX_FRAGMENTS` pieces.
    pub frag_too_many: u64,
    /// Datagrams in progress evicted to make room for newer ones (table
    /// or memory full).
    pub frag_evicted: u64,
    /// Fragments of a datagram discarded earlier (RFC 5722).
    pub frag_late: u64,
    /// IPv4 protocol other than ICMP, UDP and TCP.
    pub ipv4_unknown_protocol: u64,
    /// TCP segments dropped before TCP saw them: no TCP table attached, or
    /// sent to a broadcast address.
    pub tcp_unhandled: u64,

    // --- ARP ---
    pub arp_requests_tx: u64,
    pub arp_replies_tx: u64,
    /// Addresses that never answered our requests.
    pub arp_failures: u64,
    /// Packets dropped because their next hop never answered.
    pub arp_dropped: u64,
    /// Packets refused because the queue of packets waiting for ARP was full.
    pub arp_queue_full: u64,
    /// Resolutions refused because every cache entry was waiting for a reply.
    pub arp_cache_full: u64,

    // --- ICMP ---
    pub icmp_echo_requests_rx: u64,
    pub icmp_echo_replies_tx: u64,
    pub icmp_echo_replies_rx: u64,
    /// Echo replies dropped because nobody collected them in time.
    pub icmp_echo_queue_overflow: u64,
    /// Destination-unreachable messages received.
    pub icmp_dst_unreachable_rx: u64,
    /// Any other ICMP type (checked, then counted and dropped).
    pub icmp_unsupported: u64,
    /// Echo requests sent to a broadcast address, which we do not answer.
    pub icmp_broadcast_ignored: u64,
    /// Destination-unreachable messages we sent.
    pub icmp_errors_tx: u64,

    // --- UDP ---
    pub udp_rx: u64,
    pub udp_tx: u64,
    /// Datagrams for a port nobody is bound to.
    pub udp_no_socket: u64,
    /// Datagrams dropped because the socket's receive queue was full, or
    /// all sockets' queues together held `udp::MAX_RX_MEMORY` bytes.
    pub udp_queue_overflow: u64,

    // --- TCP (its own statistics are in `TcpTable::counters`) ---
    /// Segments handed to the TCP table.
    pub tcp_rx: u64,
    /// Segments from the TCP table queued for sending.
    pub tcp_tx: u64,

    // --- sending ---
    /// Packets refused because the transmit queue was full.
    pub tx_queue_full: u64,
    /// Times the device said its transmit ring was full.
    pub tx_device_busy: u64,
    /// Packets refused for lack of a route or a usable destination.
    pub tx_no_route: u64,
    /// Packets refused because they would not fit in a datagram (or, with
    /// DF, in one frame).
    pub tx_too_long: u64,
    /// Packets this host sent to itself (its address or 127.0.0.0/8).
    pub loopback_packets: u64,
}

impl Counters {
    /// Counts a parser's verdict under the matching `rx_*` drop reason.
    pub(crate) fn count_wire_error(&mut self, error: WireError) {
        match error {
            WireError::Truncated => self.rx_truncated += 1,
            WireError::BadChecksum => self.rx_bad_checksum += 1,
            WireError::BadVersion | WireError::BadLength => self.rx_malformed += 1,
            WireError::Unsupported => self.rx_unsupported += 1,
            // Only `emit` reports this, never a parser; count it somewhere
            // visible rather than nowhere.
            WireError::BufferTooSmall => self.rx_malformed += 1,
        }
    }

    /// Every counter with its name, in declaration order, for display.
    pub fn fields(&self) -> [(&'static str, u64); 48] {
        [
            ("rx_frames", self.rx_frames),
            ("rx_bytes", self.rx_bytes),
            ("tx_frames", self.tx_frames),
            ("tx_bytes", self.tx_bytes),
            ("rx_oversized", self.rx_oversized),
            ("rx_truncated", self.rx_truncated),
            ("rx_bad_checksum", self.rx_bad_checksum),
            ("rx_malformed", self.rx_malformed),
            ("rx_unsupported", self.rx_unsupported),
            ("rx_bad_source", self.rx_bad_source),
            ("rx_not_for_us", self.rx_not_for_us),
            ("rx_unknown_ethertype", self.rx_unknown_ethertype),
            ("ipv4_fragments", self.ipv4_fragments),
            ("frag_reassembled", self.frag_reassembled),
            ("frag_timeouts", self.frag_timeouts),
            ("frag_overlaps", self.frag_overlaps),
            ("frag_tiny", self.frag_tiny),
            ("frag_malformed", self.frag_malformed),
            ("frag_too_many", self.frag_too_many),
            ("frag_evicted", self.frag_evicted),
            ("frag_late", self.frag_late),
            ("ipv4_unknown_protocol", self.ipv4_unknown_protocol),
            ("tcp_unhandled", self.tcp_unhandled),
            ("arp_requests_tx", self.arp_requests_tx),
            ("arp_replies_tx", self.arp_replies_tx),
            ("arp_failures", self.arp_failures),
            ("arp_dropped", self.arp_dropped),
            ("arp_queue_full", self.arp_queue_full),
            ("arp_cache_full", self.arp_cache_full),
            ("icmp_echo_requests_rx", self.icmp_echo_requests_rx),
            ("icmp_echo_replies_tx", self.icmp_echo_replies_tx),
            ("icmp_echo_replies_rx", self.icmp_echo_replies_rx),
            ("icmp_echo_queue_overflow", self.icmp_echo_queue_overflow),
            ("icmp_dst_unreachable_rx", self.icmp_dst_unreachable_rx),
            ("icmp_unsupported", self.icmp_unsupported),
            ("icmp_broadcast_ignored", self.icmp_broadcast_ignored),
            ("icmp_errors_tx", self.icmp_errors_tx),
            ("udp_rx", self.udp_rx),
            ("udp_tx", self.udp_tx),
            ("udp_no_socket", self.udp_no_socket),
            ("udp_queue_overflow", self.udp_queue_overflow),
            ("tcp_rx", self.tcp_rx),
            ("tcp_tx", self.tcp_tx),
            ("tx_queue_full", self.tx_queue_full),
            ("tx_device_busy", self.tx_device_busy),
            ("tx_no_route", self.tx_no_route),
            ("tx_too_long", self.tx_too_long),
            ("loopback_packets", self.loopback_packets),
        ]
    }
}
