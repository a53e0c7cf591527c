//! What the connection sends, and when: its timers (retransmission per
//! RFC 6298, persist per RFC 9293 §3.8.6.1, the SWS override of
//! §3.8.6.2.1, delayed ACK, TIME-WAIT) and the
//! choice of the next segment (RFC 9293 §3.8.6, window and congestion
//! limits).
//!
//! `dispatch` is the only place segments leave a connection. It first runs
//! the timers that are due, then sends, in this order: a pending RST, a
//! duplicate ACK, a fast retransmission, a window probe, new or go-back-N
//! segments while the windows allow, and finally a bare ACK if one is
//! still owed.
//!
//! `poll_at` must agree with `dispatch`: it says "now" exactly when
//! `dispatch` would send something without a timer firing, otherwise the
//! earliest timer. `plan` is shared by both so they cannot disagree.

use super::{Connection, Owner, Reset};
use crate::tcp::TcpError;
use crate::tcp::counters::TcpCounters;
use crate::tcp::segment::reset_repr;
use crate::tcp::seq::SeqNumber;
use crate::tcp::state::State;
use crate::time::{Duration, Instant};
use crate::wire::tcp::{Flags, SackBlocks, TcpRepr};
use alloc::vec::Vec;

/// The next segment that may go out.
#[derive(Clone, Copy, Debug)]
struct Plan {
    seq: SeqNumber,
    len: usize,
    syn: bool,
    fin: bool,
}

/// Where a connection hands its segments: header and payload.
pub type Emit<'a> = dyn FnMut(&TcpRepr, &[u8]) + 'a;

impl Connection {
    // ANCHOR: dispatch
    /// Runs the timers due at `now`, then sends everything that may go.
    pub fn dispatch(&mut self, now: Instant, counters: &mut TcpCounters, emit: &mut Emit<'_>) {
        self.run_timers(now, counters);
        if let Some(reset) = self.pending_reset.take() {
            self.emit_reset(reset, counters, emit);
        }
        if self.state == State::Closed {
            return;
        }
        for _ in 0..core::mem::take(&mut self.dup_acks_owed) {
            self.emit_segment(self.snd_max, Flags::ACK, &[], counters, emit);
        }
        let mut payload = Vec::new();
        if core::mem::take(&mut self.fast_retransmit) {
            self.retransmit_first(now, &mut payload, counters, emit);
        }
        if core::mem::take(&mut self.send_probe) {
            // A zero-window probe: an old sequence number the peer must
            // answer with an ACK carrying its current window.
            counters.window_probes += 1;
            self.emit_segment(self.snd_una - 1, Flags::ACK, &[], counters, emit);
        }
        while let Some(plan) = self.plan() {
            self.transmit(now, plan, &mut payload, counters, emit);
        }
        if self.ack_now {
            self.emit_segment(self.snd_max, Flags::ACK, &[], counters, emit);
        }
        self.arm_timers(now);
    }
    // ANCHOR_END: dispatch

    /// When `dispatch` has something to do: `Instant::ZERO` for "now".
    pub fn poll_at(&self) -> Option<Instant> {
        let now = self.pending_reset.is_some()
            || (self.state != State::Closed
                && (self.ack_now
                    || self.dup_acks_owed > 0
                    || self.fast_retransmit
                    || self.plan().is_some()
                    || (self.persist_wanted() && self.persist_at.is_none())));
        if now {
            return Some(Instant::ZERO);
        }
        [
            self.retransmit_at,
            self.persist_at,
            self.sws_override_at,
            self.delayed_ack_at,
            self.close_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ANCHOR: plan
    /// The next segment the windows allow, if any.
    fn plan(&self) -> Option<Plan> {
        match self.state {
            State::SynSent | State::SynReceived if self.snd_nxt == self.iss => Some(Plan {
                seq: self.iss,
                len: 0,
                syn: true,
                fin: false,
            }),
            state if state.sends_data() && !self.fin_acked => {
                let sent = self.snd_nxt - self.snd_una;
                // `None` if `sent` counts the FIN too: all is out already.
                let unsent = self.tx.len().checked_sub(sent)?;
                // Flow control and congestion control both limit what may
                // be in flight (RFC 5681 §2: min(cwnd, rwnd)).
                let window = self.snd_wnd.min(self.cc.window());
                let len = unsent.min(window.saturating_sub(sent)).min(self.snd_mss);
                let fin = self.fin_queued && len == unsent;
                if len == 0 && !fin {
                    return None;
                }
                if !fin && !self.worth_sending(len, unsent, sent) {
                    return None;
                }
                Some(Plan {
                    seq: self.snd_nxt,
                    len,
                    syn: false,
                    fin,
                })
            }
            _ => None,
        }
    }
    // ANCHOR_END: plan

    // ANCHOR: worth_sending
    /// Sender-side silly window syndrome avoidance (RFC 9293 §3.8.6.2.1):
    /// a segment of `len` bytes, out of `unsent` queued, with `sent` in
    /// flight, goes out only if
    /// 1. it is a full segment (`len` = MSS), or
    /// 2. it carries all the queued data (all our data counts as pushed),
    ///    or
    /// 3. it is at least half the largest window the peer ever offered,
    ///    or
    /// 4. the override timer fired (nothing else would send it).
    ///
    /// Otherwise the window is what cuts the segment short, and a peer that
    /// opens its window a few bytes at a time would get a stream of tiny
    /// segments, 40 bytes of headers each. Nagle's algorithm (RFC 1122
    /// §4.2.3.4), if enabled, adds "and nothing is in flight" to case 2.
    fn worth_sending(&self, len: usize, unsent: usize, sent: usize) -> bool {
        if len >= self.snd_mss {
            return true;
        }
        if len == unsent {
            return !(self.cfg.nagle && sent > 0);
        }
        len >= self.max_snd_wnd.div_ceil(2) || self.sws_override
    }
    // ANCHOR_END: worth_sending

    /// Does a small usable window hold data back, with nothing in flight
    /// whose ACK would bring a bigger one? Then the override timer runs.
    fn sws_waiting(&self) -> bool {
        self.state.sends_data()
            && self.snd_max == self.snd_una
            && self.snd_wnd > 0
            && self.tx.len() > 0
            && !self.sws_override
            && self.plan().is_none()
    }

    fn transmit(
        &mut self,
        now: Instant,
        plan: Plan,
        payload: &mut Vec<u8>,
        counters: &mut TcpCounters,
        emit: &mut Emit<'_>,
    ) {
        let offset = plan.seq - self.snd_una;
        if plan.syn {
            payload.clear();
        } else {
            self.tx.read_at(offset, plan.len, payload);
        }
        let mut flags = if self.state == State::SynSent {
            Flags::NONE
        } else {
            Flags::ACK
        };
        if plan.syn {
            flags = flags | Flags::SYN;
        }
        if plan.fin {
            flags = flags | Flags::FIN;
        }
        if plan.len > 0 && offset + plan.len == self.tx.len() {
            flags = flags | Flags::PSH;
        }
        let end = plan.seq + (plan.len + usize::from(plan.syn) + usize::from(plan.fin));
        if plan.seq < self.snd_max {
            counters.retransmitted_segments += 1;
        } else if self.rtt_sample.is_none() {
            self.rtt_sample = Some((end, now));
        }
        self.emit_segment(plan.seq, flags, payload, counters, emit);
        self.sws_override = false;
        if plan.len >= self.snd_mss {
            self.sws_backoff = 0;
        }
        self.snd_nxt = self.snd_nxt.max(end);
        self.snd_max = self.snd_max.max(end);
        // RFC 6298 §5.1: start the timer if it is not running.
        self.retransmit_at.get_or_insert(now + self.rtt.rto());
    }

    /// Fast retransmit (RFC 5681 §3.2) or a NewReno partial ACK: send the
    /// first unacknowledged segment again, leaving SND.NXT alone.
    fn retransmit_first(
        &mut self,
        now: Instant,
        payload: &mut Vec<u8>,
        counters: &mut TcpCounters,
        emit: &mut Emit<'_>,
    ) {
        let outstanding = self.snd_max - self.snd_una;
        let len = self.tx.len().min(self.snd_mss).min(outstanding);
        let fin = self.fin_queued && len == self.tx.len() && outstanding > len;
        if len > 0 || fin {
            let plan = Plan {
                seq: self.snd_una,
                len,
                syn: false,
                fin,
            };
            self.transmit(now, plan, payload, counters, emit);
        }
    }

    /// Builds the header (ACK number, window, SYN options) and emits it.
    fn emit_segment(
        &mut self,
        seq: SeqNumber,
        flags: Flags,
        payload: &[u8],
        counters: &mut TcpCounters,
        emit: &mut Emit<'_>,
    ) {
        let syn = flags.contains(Flags::SYN);
        let repr = TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq_number: seq.0,
            ack_number: if flags.contains(Flags::ACK) {
                self.rcv_nxt.0
            } else {
                0
            },
            flags,
            window: self.window_to_advertise(syn),
            urgent_pointer: 0,
            max_seg_size: syn.then_some(self.cfg.mss),
            window_scale: (syn && self.window_scaling).then_some(self.rcv_shift),
            sack_permitted: syn && self.sack,
            sack: if flags.contains(Flags::ACK) {
                self.sack_blocks(payload.len())
            } else {
                SackBlocks::NONE
            },
        };
        emit(&repr, payload);
        counters.segments_out += 1;
        if flags.contains(Flags::ACK) {
            // Every ACK we send answers whatever ACK was owed.
            self.ack_now = false;
            self.delayed_ack_at = None;
            self.unacked_segments = 0;
        }
    }

    // ANCHOR: window
    /// The window field, and the new right edge it advertises. Receiver
    /// SWS avoidance (RFC 9293 §3.8.6.2.2): move the right edge only when
    /// the buffer has freed a useful amount, not byte by byte.
    fn window_to_advertise(&mut self, syn: bool) -> u16 {
        let free = self.rx.free();
        if syn {
            // The window of a SYN is never scaled (RFC 7323 §2.2).
            let window = free.min(usize::from(u16::MAX));
            self.rcv_adv = self.rcv_nxt + window;
            return window as u16;
        }
        let current = self.advertised();
        let window = if free >= current + self.sws_threshold() {
            free
        } else {
            current.min(free)
        };
        let field = (window >> self.rcv_shift).min(usize::from(u16::MAX));
        self.rcv_adv = self.rcv_nxt + (field << self.rcv_shift);
        field as u16
    }
    // ANCHOR_END: window

    fn emit_reset(&mut self, reset: Reset, counters: &mut TcpCounters, emit: &mut Emit<'_>) {
        let repr = reset_repr(self.local.port(), self.remote.port(), reset.seq, reset.ack);
        emit(&repr, &[]);
        counters.segments_out += 1;
        counters.resets_sent += 1;
    }

    // ANCHOR: timers
    fn run_timers(&mut self, now: Instant, counters: &mut TcpCounters) {
        let due = |timer: Option<Instant>| timer.is_some_and(|t| t <= now);
        if due(self.close_at) {
            // End of TIME-WAIT, or an orphan gave up waiting in FIN-WAIT-2.
            self.enter_closed(None);
            return;
        }
        if due(self.retransmit_at) {
            self.retransmit_at = None;
            self.on_retransmit_timeout(counters);
        }
        if due(self.persist_at) {
            self.persist_at = None;
            self.persist_probes += 1;
            self.persist_backoff += 1;
            if self.persist_probes > self.cfg.max_retransmits {
                // Nobody answers our probes (or nobody reads, and the user
                // has closed): give up.
                counters.connections_timed_out += 1;
                self.enter_closed(Some(TcpError::TimedOut));
                return;
            }
            self.send_probe = true;
        }
        if due(self.sws_override_at) {
            self.sws_override_at = None;
            counters.sws_overrides += 1;
            self.sws_override = true;
            self.sws_backoff += 1;
        }
        if due(self.delayed_ack_at) {
            self.delayed_ack_at = None;
            self.ack_now = true;
        }
    }

    /// RFC 6298 §5.4 – §5.6: retransmit from SND.UNA, back the timer off.
    fn on_retransmit_timeout(&mut self, counters: &mut TcpCounters) {
        let handshake = matches!(self.state, State::SynSent | State::SynReceived);
        let limit = if handshake {
            self.cfg.max_syn_retransmits
        } else {
            self.cfg.max_retransmits
        };
        if self.retries >= limit {
            counters.connections_timed_out += 1;
            self.enter_closed(Some(TcpError::TimedOut));
            return;
        }
        self.retries += 1;
        counters.timeouts += 1;
        self.rtt.back_off();
        // Karn: the ACK for what is in flight may answer either copy.
        self.rtt_sample = None;
        if handshake {
            self.syn_retransmitted = true;
        } else {
            self.cc
                .on_timeout(self.snd_max - self.snd_una, self.snd_max);
        }
        // Go back N: resend from the oldest unacknowledged number, as far
        // as the (now one-segment) congestion window allows.
        self.snd_nxt = self.snd_una;
    }
    // ANCHOR_END: timers

    /// Is there data to send that only a zero window holds back, with no
    /// retransmission timer to wake us? Then the persist timer must run,
    /// or a lost window update would deadlock both sides.
    fn persist_wanted(&self) -> bool {
        self.state.sends_data()
            && self.snd_wnd == 0
            && self.retransmit_at.is_none()
            && self.snd_nxt - self.snd_una < self.tx.len()
    }

    /// The RTO doubled `backoff` times, at most `max_rto`.
    fn backed_off(&self, backoff: u32) -> Duration {
        let interval = self.rtt.rto().millis() << backoff.min(16);
        Duration(interval.min(self.cfg.max_rto.millis()))
    }

    /// Starts or stops the timers whose conditions changed.
    pub(super) fn arm_timers(&mut self, now: Instant) {
        if self.snd_una == self.snd_max {
            self.retransmit_at = None;
        }
        if !self.persist_wanted() {
            self.persist_at = None;
        } else if self.persist_at.is_none() {
            self.persist_at = Some(now + self.backed_off(self.persist_backoff));
        }
        // The override timeout: RFC 9293 §3.8.6.2.1 suggests 0.1 to 1 s.
        // We wait one RTO (at least 200 ms), doubled after each override
        // until a full segment goes, as the persist timer backs off: a peer
        // that keeps its window small gets a few short segments, growing,
        // never a stream of them.
        if !self.sws_waiting() {
            self.sws_override_at = None;
        } else if self.sws_override_at.is_none() {
            self.sws_override_at = Some(now + self.backed_off(self.sws_backoff));
        }
        if self.owner == Owner::Orphan && self.state == State::FinWait2 && self.close_at.is_none() {
            self.close_at = Some(now + self.cfg.fin_wait2_timeout);
        }
    }
}
