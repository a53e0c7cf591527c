//! One TCP connection: the variables of RFC 9293 §3.3.1, how it is created
//! (active or passive open) and how it ends.
//!
//! Its behaviour lives in four child modules: `user` (the calls of RFC
//! 9293 §3.10.2 – §3.10.6), `input` (a segment arrives, §3.10.7),
//! `output` (what to send now, and the timers) and `path_mtu` (ICMP says
//! our segments are too big, RFC 1191).
//!
//! Invariants, in sequence-space order:
//! - `snd_una <= snd_nxt <= snd_max`: SND.UNA is the oldest unacknowledged
//!   number, `snd_max` one past the highest ever sent. `snd_nxt` is the next
//!   to send; it falls back to `snd_una` when the retransmission timer
//!   expires ("go back N"), which is why `snd_max` is kept separately. It is
//!   `snd_max` that RFC 9293 calls SND.NXT in its ACK checks.
//! - Once the SYN is acknowledged, byte `i` of `tx` has number `snd_una + i`,
//!   and our FIN (if queued) has number `snd_una + tx.len()`.
//! - `rcv_nxt` is the next number we expect; `rx` holds the bytes before it
//!   that the user has not read, and pieces after it that came early.
//! - `rcv_adv` is the right edge of the window we last advertised.

mod input;
mod output;
mod path_mtu;
mod sack;
mod user;

use core::net::SocketAddrV4;

use super::config::TcpConfig;
use super::congestion::Congestion;
use super::recv_buffer::RecvBuffer;
use super::rtt::RttEstimator;
use super::send_buffer::SendBuffer;
use super::seq::SeqNumber;
use super::state::State;
use super::table::SocketHandle;
use super::time_wait::TimeWait;
use super::{Readiness, TcpError};
use crate::time::{Duration, Instant};

/// RFC 9293 §3.7.1: the MSS to assume when the peer's SYN has no option.
pub const DEFAULT_MSS: usize = 536;
/// We never send segments smaller than this, whatever MSS a peer claims
/// (a tiny MSS would make us send floods of tiny segments).
pub(super) const MIN_MSS: usize = 64;
/// RFC 7323 §2.3: the largest window shift.
const MAX_WINDOW_SHIFT: u8 = 14;
/// Duplicate ACKs owed at most between two `dispatch`es: one more than
/// the three a sender needs to fast-retransmit (RFC 5681 §3.2), so that one
/// lost on the way does not cost it, and few enough that a burst of
/// out-of-order segments cannot fill the interface's transmit queue with
/// bare ACKs.
const MAX_DUP_ACKS: u32 = 4;

/// Who holds the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A user handle: the kernel's file descriptor.
    User,
    /// Not accepted yet: the listener's queues hold it.
    Listener(SocketHandle),
    /// The user closed it; it finishes its handshake alone, then is freed.
    Orphan,
}

/// A reset to send: `<SEQ=seq><CTL=RST>`, or with `ack`, `<SEQ=seq>
/// <ACK=ack><CTL=RST,ACK>` (RFC 9293 §3.10.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reset {
    pub seq: SeqNumber,
    pub ack: Option<SeqNumber>,
}

#[derive(Debug)]
pub struct Connection {
    pub state: State,
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub owner: Owner,
    cfg: TcpConfig,
    /// Opened by `connect` (matters for a RST in SYN-RECEIVED).
    active_open: bool,

    // Send sequence space (RFC 9293 §3.3.1).
    iss: SeqNumber,
    snd_una: SeqNumber,
    snd_nxt: SeqNumber,
    snd_max: SeqNumber,
    /// The peer's window, already scaled.
    snd_wnd: usize,
    /// The largest window the peer ever offered (RFC 5961 §5.2).
    max_snd_wnd: usize,
    /// Segment sequence and ACK numbers of the last window update.
    snd_wl1: SeqNumber,
    snd_wl2: SeqNumber,
    /// The most payload we put in one segment.
    snd_mss: usize,
    snd_shift: u8,

    // Receive sequence space.
    irs: SeqNumber,
    rcv_nxt: SeqNumber,
    rcv_adv: SeqNumber,
    rcv_shift: u8,
    /// Was window scaling agreed (or, before the peer's SYN, offered)?
    window_scaling: bool,
    /// Were selective acknowledgments agreed (or, before the peer's SYN,
    /// offered)? See `connection/sack.rs`.
    sack: bool,
    /// Where the most recent segment stored beyond a hole starts: its run
    /// of early data is the first SACK block (RFC 2018 §4).
    last_early: Option<SeqNumber>,

    tx: SendBuffer,
    rx: RecvBuffer,
    /// The user shut down sending: a FIN follows the data.
    fin_queued: bool,
    fin_acked: bool,
    /// The peer's FIN was received in order: after `rx`, end of stream.
    fin_received: bool,
    /// A FIN that arrived before some of the data preceding it.
    early_fin: Option<SeqNumber>,
    error: Option<TcpError>,

    rtt: RttEstimator,
    cc: Congestion,
    /// The segment being timed: its end and when it was sent. Only one at
    /// a time, and never a retransmitted one (Karn).
    rtt_sample: Option<(SeqNumber, Instant)>,
    syn_retransmitted: bool,
    /// Timeouts since the last ACK of new data.
    retries: u32,

    // Timers: `None` when not running.
    retransmit_at: Option<Instant>,
    persist_at: Option<Instant>,
    persist_backoff: u32,
    persist_probes: u32,
    /// Sender SWS avoidance's override timer (RFC 9293 §3.8.6.2.1): runs
    /// while a window too small to be worth a segment holds data back and
    /// nothing is in flight; when it fires, `sws_override` lets one short
    /// segment go.
    sws_override_at: Option<Instant>,
    sws_override: bool,
    /// Overrides since the last full segment: each doubles the next wait.
    sws_backoff: u32,
    delayed_ack_at: Option<Instant>,
    /// End of TIME-WAIT, or of an orphan's FIN-WAIT-2.
    close_at: Option<Instant>,

    // Output owed to the peer, sent by the next `dispatch`.
    ack_now: bool,
    /// Duplicate ACKs owed for out-of-order data, one per segment (RFC
    /// 5681 §4.2), up to `MAX_DUP_ACKS`: sent bare, even when data goes out
    /// too, because an ACK that carries data does not count as a duplicate
    /// (RFC 5681 §2) and would not trigger fast retransmit. A count, not a
    /// flag: segments that arrive in one burst are all handled before the
    /// next `dispatch`, and a sender needs three duplicates to retransmit.
    dup_acks_owed: u32,
    unacked_segments: u32,
    fast_retransmit: bool,
    send_probe: bool,
    pub pending_reset: Option<Reset>,
}

impl Connection {
    fn new(
        cfg: TcpConfig,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        iss: SeqNumber,
        state: State,
        owner: Owner,
    ) -> Connection {
        // The smallest shift that lets the 16-bit window field describe
        // the whole receive buffer (RFC 7323 §2.3).
        let mut rcv_shift = 0;
        while cfg.window_scaling
            && rcv_shift < MAX_WINDOW_SHIFT
            && cfg.recv_buffer >> rcv_shift > usize::from(u16::MAX)
        {
            rcv_shift += 1;
        }
        Connection {
            state,
            local,
            remote,
            owner,
            cfg,
            active_open: state == State::SynSent,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_wnd: 0,
            max_snd_wnd: 0,
            snd_wl1: SeqNumber(0),
            snd_wl2: iss,
            snd_mss: DEFAULT_MSS.min(usize::from(cfg.mss)),
            snd_shift: 0,
            irs: SeqNumber(0),
            rcv_nxt: SeqNumber(0),
            rcv_adv: SeqNumber(0),
            rcv_shift,
            window_scaling: cfg.window_scaling,
            sack: cfg.sack,
            last_early: None,
            tx: SendBuffer::new(cfg.send_buffer),
            rx: RecvBuffer::new(cfg.recv_buffer, cfg.max_reassembly_holes),
            fin_queued: false,
            fin_acked: false,
            fin_received: false,
            early_fin: None,
            error: None,
            rtt: RttEstimator::new(cfg.min_rto, cfg.max_rto),
            cc: Congestion::new(DEFAULT_MSS, iss),
            rtt_sample: None,
            syn_retransmitted: false,
            retries: 0,
            retransmit_at: None,
            persist_at: None,
            persist_backoff: 0,
            persist_probes: 0,
            sws_override_at: None,
            sws_override: false,
            sws_backoff: 0,
            delayed_ack_at: None,
            close_at: None,
            ack_now: false,
            dup_acks_owed: 0,
            unacked_segments: 0,
            fast_retransmit: false,
            send_probe: false,
            pending_reset: None,
        }
    }

    /// Active open (RFC 9293 §3.10.1): SYN-SENT; `dispatch` sends the SYN.
    pub fn connect(
        cfg: TcpConfig,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        iss: SeqNumber,
    ) -> Connection {
        Connection::new(cfg, local, remote, iss, State::SynSent, Owner::User)
    }

    /// Passive open: a listener got `syn` (RFC 9293 §3.10.7.2, "third,
    /// check for a SYN"). SYN-RECEIVED; `dispatch` sends the SYN+ACK.
    pub(super) fn accept_syn(
        cfg: TcpConfig,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        iss: SeqNumber,
        syn: &super::segment::Segment<'_>,
        listener: SocketHandle,
    ) -> Connection {
        let owner = Owner::Listener(listener);
        let mut conn = Connection::new(cfg, local, remote, iss, State::SynReceived, owner);
        conn.synchronize(syn);
        conn
    }

    /// A connection whose SYN+ACK carried a SYN cookie (`syn_cookie.rs`):
    /// created only now that the handshake's ACK brought the cookie back,
    /// in SYN-RECEIVED with the SYN+ACK counted as sent, so that
    /// processing that ACK (`process`) establishes it. What the cookie
    /// could not keep is lost: window scaling is off.
    pub(super) fn from_cookie(
        cfg: TcpConfig,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        iss: SeqNumber,
        client_isn: SeqNumber,
        mss: usize,
        listener: SocketHandle,
    ) -> Connection {
        let owner = Owner::Listener(listener);
        let mut conn = Connection::new(cfg, local, remote, iss, State::SynReceived, owner);
        conn.irs = client_isn;
        conn.rcv_nxt = client_isn + 1;
        conn.rcv_adv = conn.rcv_nxt + cfg.recv_buffer.min(usize::from(u16::MAX));
        conn.snd_nxt = iss + 1;
        conn.snd_max = iss + 1;
        conn.snd_wl1 = client_isn;
        conn.snd_mss = mss.max(MIN_MSS).min(usize::from(cfg.mss));
        conn.window_scaling = false;
        conn.rcv_shift = 0;
        conn.sack = false;
        conn.cc = Congestion::new(conn.snd_mss, iss);
        conn
    }

    /// Learns what the peer's SYN tells: its ISN, MSS and window scale.
    fn synchronize(&mut self, syn: &super::segment::Segment<'_>) {
        self.irs = syn.seq;
        self.rcv_nxt = syn.seq + 1;
        self.rcv_adv = self.rcv_nxt;
        let peer_mss = syn.mss.map_or(DEFAULT_MSS, usize::from).max(MIN_MSS);
        self.snd_mss = peer_mss.min(usize::from(self.cfg.mss));
        // RFC 7323 §2.2: scaling is on only if both SYNs carry the option.
        match syn.window_scale {
            Some(shift) if self.cfg.window_scaling => {
                self.snd_shift = shift.min(MAX_WINDOW_SHIFT);
            }
            _ => {
                self.window_scaling = false;
                self.snd_shift = 0;
                self.rcv_shift = 0;
            }
        }
        // RFC 2018 §2: SACK only if both SYNs carry SACK-permitted.
        self.sack = self.cfg.sack && syn.sack_permitted;
        // The window of a SYN is never scaled (RFC 7323 §2.2).
        self.snd_wnd = usize::from(syn.window);
        self.max_snd_wnd = self.snd_wnd;
        self.snd_wl1 = syn.seq;
        self.snd_wl2 = syn.ack.unwrap_or(self.iss);
        self.cc = Congestion::new(self.snd_mss, self.iss);
    }

    /// What is left of the window we last advertised.
    pub(super) fn advertised(&self) -> usize {
        if self.rcv_adv > self.rcv_nxt {
            self.rcv_adv - self.rcv_nxt
        } else {
            0
        }
    }

    pub(super) fn sws_threshold(&self) -> usize {
        (self.rx.capacity() / 2).min(usize::from(self.cfg.mss))
    }

    /// Ends the connection, remembering why if it failed.
    fn enter_closed(&mut self, error: Option<TcpError>) {
        self.state = State::Closed;
        self.error = error;
        self.tx.clear();
        if error != Some(TcpError::TimedOut) {
            // After a reset the data is void; after a timeout what arrived
            // is still good to read.
            self.rx.clear();
        }
        self.retransmit_at = None;
        self.persist_at = None;
        self.sws_override_at = None;
        self.delayed_ack_at = None;
        self.close_at = None;
        self.ack_now = false;
        self.dup_acks_owed = 0;
    }

    fn enter_time_wait(&mut self, now: Instant) {
        self.state = State::TimeWait;
        self.close_at = Some(now + self.cfg.time_wait);
        self.retransmit_at = None;
        self.persist_at = None;
        self.sws_override_at = None;
    }

    /// The record that replaces this connection for the rest of its
    /// TIME-WAIT (see `time_wait.rs`), or `None` if it is not in
    /// TIME-WAIT.
    pub fn time_wait_record(&self) -> Option<TimeWait> {
        let deadline = self.close_at.filter(|_| self.state == State::TimeWait)?;
        let field = (self.rx.free() >> self.rcv_shift).min(usize::from(u16::MAX));
        Some(TimeWait {
            local: self.local,
            remote: self.remote,
            snd_nxt: self.snd_max,
            rcv_nxt: self.rcv_nxt,
            rcv_wnd: field << self.rcv_shift,
            window_field: field as u16,
            deadline,
        })
    }

    /// Is it over, with nothing left to send?
    pub fn is_finished(&self) -> bool {
        self.state == State::Closed && self.pending_reset.is_none()
    }

    pub fn readiness(&self) -> Readiness {
        let error = self.error.is_some();
        let dead = self.state == State::Closed;
        let can_write = matches!(self.state, State::Established | State::CloseWait)
            && !self.fin_queued
            && self.tx.free() > 0;
        Readiness {
            readable: !self.rx.is_empty() || self.fin_received || error || dead,
            writable: can_write || error || dead,
            hangup: error || dead || (self.fin_received && self.fin_queued),
            error,
        }
    }

    // For `netstat` and tests.
    pub fn send_queue(&self) -> usize {
        self.tx.len()
    }
    pub fn recv_queue(&self) -> usize {
        self.rx.len()
    }
    /// Bytes its receive buffer holds, early pieces included.
    pub fn recv_memory(&self) -> usize {
        self.rx.memory()
    }
    pub fn rto(&self) -> Duration {
        self.rtt.rto()
    }
    pub fn srtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }
    pub fn congestion(&self) -> &Congestion {
        &self.cc
    }
    pub fn send_window(&self) -> usize {
        self.snd_wnd
    }
    pub fn send_mss(&self) -> usize {
        self.snd_mss
    }
}
