//! Statistics, in the spirit of `netstat -s`. Every segment that is
//! dropped, and every unusual event, bumps one of these, so that a student
//! can see what the stack did without a debugger.

/// Counters of one [`super::TcpTable`]. They only grow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpCounters {
    /// Segments handed to `input`, valid or not.
    pub segments_in: u64,
    /// Segments handed out by `poll_output`.
    pub segments_out: u64,
    /// Segments sent again: timeouts, fast retransmits, SYN repeats.
    pub retransmitted_segments: u64,
    /// Expirations of the retransmission timer.
    pub timeouts: u64,
    /// Fast retransmits after three duplicate ACKs (RFC 5681 §3.2).
    pub fast_retransmits: u64,
    /// Connections aborted because retransmissions went unanswered.
    pub connections_timed_out: u64,
    /// Connections opened by `connect` / by a SYN to a listener.
    pub active_opens: u64,
    pub passive_opens: u64,
    /// Resets we sent, and resets we accepted (RFC 5961 checks passed).
    pub resets_sent: u64,
    pub resets_received: u64,
    /// Challenge ACKs sent for suspicious RSTs or SYNs (RFC 5961).
    pub challenge_acks: u64,
    /// Segments dropped for a wrong checksum.
    pub bad_checksum: u64,
    /// Segments dropped because the header or options were malformed, or
    /// an address was unusable (broadcast, multicast, unspecified).
    pub malformed: u64,
    /// Segments for which no socket existed (answered with RST).
    pub no_socket: u64,
    /// Segments outside the receive window, or otherwise unacceptable.
    pub out_of_window: u64,
    /// Segments queued for reassembly because they arrived early.
    pub out_of_order: u64,
    /// Early data dropped because the reassembly queue had too many holes.
    pub reassembly_drops: u64,
    /// Segments whose data was dropped because all receive buffers
    /// together held `max_recv_memory` bytes.
    pub recv_memory_drops: u64,
    /// Zero-window probes sent (RFC 9293 §3.8.6.1).
    pub window_probes: u64,
    /// Times the SWS override timer let a short segment go (RFC 9293
    /// §3.8.6.2.1).
    pub sws_overrides: u64,
    /// SYN-RECEIVED connections evicted because a listener had too many.
    pub syn_flood_evictions: u64,
    /// SYN+ACKs sent with a SYN cookie, the half-open queue being full.
    pub syn_cookies_sent: u64,
    /// Connections opened by an ACK that brought a valid cookie back.
    pub syn_cookies_accepted: u64,
    /// SYNs dropped because the accept queue was full.
    pub listen_overflows: u64,
    /// Times an ICMP "fragmentation needed" lowered a connection's MSS
    /// (RFC 1191).
    pub path_mtu_reductions: u64,
    /// ICMP messages about TCP ignored: no such connection, or the quoted
    /// sequence number outside SND.UNA..SND.NXT (RFC 5927 §4.1).
    pub icmp_rejected: u64,
    /// Control segments (RSTs) dropped because their queue was full.
    pub control_queue_drops: u64,
    /// RSTs that reached a TIME-WAIT record and were dropped (RFC 1337).
    pub time_wait_resets_ignored: u64,
}
