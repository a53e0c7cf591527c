//! The knobs of the TCP implementation, with the defaults the teaching
//! kernel uses and the RFC each one comes from.

use crate::time::Duration;

/// Settings shared by every socket of a [`super::TcpTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpConfig {
    /// The MSS we announce in our SYN: the largest segment payload we can
    /// receive. 1460 = Ethernet's 1500-byte MTU minus 20 (IPv4) and 20 (TCP)
    /// bytes of headers (RFC 9293 §3.7.1). We also never send larger.
    pub mss: u16,
    /// Bytes the user may queue for sending.
    pub send_buffer: usize,
    /// Bytes received and not yet read: the largest window we offer.
    pub recv_buffer: usize,
    /// Lower bound of the retransmission timeout. RFC 6298 §2.4 says 1 s;
    /// many systems (Linux) use 200 ms, which recovers faster on LANs.
    pub min_rto: Duration,
    /// Upper bound of the retransmission timeout (RFC 6298 §2.5: at least
    /// 60 s).
    pub max_rto: Duration,
    /// Retransmissions of one segment before the connection is aborted
    /// with `TimedOut` (RFC 9293 §3.8.3, threshold R2).
    pub max_retransmits: u32,
    /// The same for SYN and SYN+ACK (R2 for SYNs, RFC 9293 §3.8.3).
    pub max_syn_retransmits: u32,
    /// How long TIME-WAIT lasts. RFC 9293 §3.4.2 asks for 2 MSL = 4
    /// minutes; the teaching kernel shortens it so that ports come back
    /// quickly, at a small risk of confusing a very late duplicate.
    pub time_wait: Duration,
    /// How long a socket the user closed waits in FIN-WAIT-2 for the
    /// peer's FIN before it is dropped (as Linux's `tcp_fin_timeout`), so a
    /// peer that never closes cannot keep it forever.
    pub fin_wait2_timeout: Duration,
    /// Delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2): wait this long for
    /// a second segment or for data to piggyback on; `None` acks at once.
    pub ack_delay: Option<Duration>,
    /// Nagle's algorithm (RFC 1122 §4.2.3.4): hold back small segments
    /// while data is unacknowledged. Off by default, like TCP_NODELAY, so
    /// that simple request/response programs are not slowed down.
    pub nagle: bool,
    /// Offer window scaling (RFC 7323 §2) in our SYN.
    pub window_scaling: bool,
    /// Offer selective acknowledgments (RFC 2018) in our SYN: when the
    /// peer agrees, our ACKs tell it which data beyond a hole we hold, so
    /// it resends only what was lost.
    pub sack: bool,
    /// Connections per listener that may sit in SYN-RECEIVED. Beyond it,
    /// SYNs are answered with SYN cookies (if `syn_cookies`), or the oldest
    /// is dropped: either way a SYN flood cannot exhaust memory.
    pub max_half_open: usize,
    /// Answer SYNs with SYN cookies (RFC 4987 §3.6) when the half-open
    /// queue is full, instead of evicting its oldest entry.
    pub syn_cookies: bool,
    /// Holes the reassembly queue may track per connection.
    pub max_reassembly_holes: usize,
    /// Bytes all connections' receive buffers may hold together. Each
    /// buffer is bounded by `recv_buffer`, but a thousand connections
    /// whose programs do not read would hold a thousand of them; beyond
    /// this, arriving data is dropped (and counted) until programs read,
    /// and the peers send it again.
    pub max_recv_memory: usize,
}

impl Default for TcpConfig {
    fn default() -> TcpConfig {
        TcpConfig {
            mss: 1460,
            send_buffer: 64 * 1024,
            recv_buffer: 64 * 1024,
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(60),
            max_retransmits: 10,
            max_syn_retransmits: 5,
            time_wait: Duration::from_secs(2),
            fin_wait2_timeout: Duration::from_secs(60),
            ack_delay: Some(Duration::from_millis(40)),
            nagle: false,
            window_scaling: true,
            sack: true,
            max_half_open: 64,
            syn_cookies: true,
            max_reassembly_holes: 16,
            max_recv_memory: 8 * 1024 * 1024,
        }
    }
}
