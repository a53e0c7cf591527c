//! A segment arrives for this connection: RFC 9293 §3.10.7.3 (SYN-SENT)
//! and §3.10.7.4 (every other state), with the RFC 5961 defences against
//! blind reset and SYN injection.
//!
//! The steps keep the RFC's numbering ("first, check the sequence number",
//! ...) so the code can be read side by side with the RFC. Nothing is sent
//! from here: replies are recorded (`ack_now`, `pending_reset`, ...) and
//! `output` sends them on the next `dispatch`.

use super::{Connection, MAX_DUP_ACKS, Owner, Reset};
use crate::tcp::TcpError;
use crate::tcp::congestion::AckOutcome;
use crate::tcp::counters::TcpCounters;
use crate::tcp::segment::Segment;
use crate::tcp::seq::SeqNumber;
use crate::tcp::state::State;
use crate::time::Instant;

impl Connection {
    // ANCHOR: process
    /// Handles one arriving segment whose checksum was verified.
    pub fn process(&mut self, now: Instant, seg: &Segment<'_>, counters: &mut TcpCounters) {
        match self.state {
            State::Closed | State::Listen => {}
            State::SynSent => self.process_syn_sent(now, seg, counters),
            _ => self.process_synchronized(now, seg, counters),
        }
        self.arm_timers(now);
    }
    // ANCHOR_END: process

    /// RFC 9293 §3.10.7.3: we sent a SYN and wait for the peer's.
    fn process_syn_sent(&mut self, now: Instant, seg: &Segment<'_>, counters: &mut TcpCounters) {
        // First, check the ACK: it must acknowledge our SYN and nothing else.
        if let Some(ack) = seg.ack
            && (ack <= self.iss || ack > self.snd_max)
        {
            counters.out_of_window += 1;
            if !seg.rst {
                self.pending_reset = Some(Reset {
                    seq: ack,
                    ack: None,
                });
            }
            return;
        }
        // Second, a RST: believed only if it acknowledges our SYN.
        if seg.rst {
            if seg.ack.is_some() {
                counters.resets_received += 1;
                self.enter_closed(Some(TcpError::Refused));
            }
            return;
        }
        // Fourth, the SYN. (Data in a SYN is not kept: we acknowledge only
        // the SYN, so the peer sends it again.)
        if !seg.syn {
            return;
        }
        self.synchronize(seg);
        if seg.ack.is_some() {
            self.establish(now);
            self.ack_now = true;
        } else {
            // Simultaneous open (RFC 9293 §3.5, figure 7): both sides sent
            // a SYN. Send ours again, now with an ACK, as a SYN+ACK.
            self.state = State::SynReceived;
            self.snd_nxt = self.iss;
            self.rtt_sample = None;
        }
    }

    /// Our SYN is acknowledged: the connection is open.
    fn establish(&mut self, now: Instant) {
        self.snd_una = self.iss + 1;
        self.snd_nxt = self.snd_nxt.max(self.snd_una);
        if let Some((end, sent)) = self.rtt_sample.take()
            && end == self.snd_una
        {
            self.rtt.sample(now.since(sent));
        }
        if self.syn_retransmitted {
            self.rtt.after_syn_loss();
        }
        self.retries = 0;
        self.state = if self.fin_queued {
            State::FinWait1
        } else {
            State::Established
        };
    }

    /// RFC 9293 §3.10.7.4: SYN-RECEIVED and every later state.
    fn process_synchronized(
        &mut self,
        now: Instant,
        seg: &Segment<'_>,
        counters: &mut TcpCounters,
    ) {
        if self.state == State::SynReceived && seg.syn && !seg.rst && seg.seq == self.irs {
            // The peer's SYN again: our SYN+ACK was lost, or this is the
            // SYN+ACK of a simultaneous open.
            if seg.ack == Some(self.iss + 1) {
                self.establish(now);
                self.ack_now = true;
            } else {
                self.snd_nxt = self.iss;
            }
            return;
        }

        // First, check the sequence number.
        if !self.acceptable(seg) {
            counters.out_of_window += 1;
            if seg.rst {
                return;
            }
            self.ack_now = true;
            if self.state == State::TimeWait && seg.fin {
                // Our last ACK was lost: the FIN came again. Restart 2 MSL.
                self.close_at = Some(now + self.cfg.time_wait);
            }
            // "If the RCV.WND is zero, no segments will be acceptable, but
            // special allowance should be made to accept valid ACKs": we
            // always look at the ACK, so a full buffer (or a segment that
            // just touches the window's edge) cannot stall our sending.
            if let Some(ack) = seg.ack
                && !seg.syn
                && self.state.is_established_or_later()
            {
                self.process_ack(now, seg, ack, counters);
            }
            return;
        }

        // Second, the RST bit.
        if seg.rst {
            self.process_reset(seg, counters);
            return;
        }

        // Fourth, the SYN bit: RFC 5961 §4 answers any SYN in a
        // synchronized state with a challenge ACK. A genuine peer that lost
        // its connection will reply with a RST carrying the right number.
        if seg.syn {
            self.challenge_ack(counters);
            return;
        }

        // Fifth, the ACK field. A segment without it is dropped.
        let Some(ack) = seg.ack else {
            return;
        };
        if self.state == State::SynReceived {
            if !(self.snd_una < ack && ack <= self.snd_max) {
                self.pending_reset = Some(Reset {
                    seq: ack,
                    ack: None,
                });
                return;
            }
            self.establish(now);
        }
        if !self.process_ack(now, seg, ack, counters) || self.state == State::Closed {
            return;
        }

        // Seventh, the segment text.
        let mut fin_in_window = seg.fin;
        if self.state.receives_data() && !seg.payload.is_empty() {
            fin_in_window &= self.process_text(now, seg, counters);
        }

        // Eighth, the FIN bit, once everything before it has arrived.
        if fin_in_window && self.state.receives_data() {
            let fin_seq = seg.seq + seg.payload.len();
            if fin_seq == self.rcv_nxt {
                self.process_fin(now);
            } else if fin_seq > self.rcv_nxt {
                self.early_fin = Some(fin_seq);
            }
        }
        if self.early_fin == Some(self.rcv_nxt) && self.state.receives_data() {
            self.process_fin(now);
        }
    }

    /// RFC 9293 §3.10.7.4's acceptability test, against the room left in
    /// the receive buffer (see `Segment::acceptable`).
    fn acceptable(&self, seg: &Segment<'_>) -> bool {
        seg.acceptable(self.rcv_nxt, self.rx.free())
    }

    /// RFC 5961 §3.2: a RST is believed only if its number is exactly
    /// RCV.NXT. Anywhere else in the window, it may be a blind guess: send a
    /// challenge ACK, which a genuine peer answers with an exact RST.
    fn process_reset(&mut self, seg: &Segment<'_>, counters: &mut TcpCounters) {
        if seg.seq != self.rcv_nxt {
            self.challenge_ack(counters);
            return;
        }
        counters.resets_received += 1;
        match self.state {
            // A passive open goes back to LISTEN: the listener forgets it.
            State::SynReceived if !self.active_open => self.enter_closed(None),
            State::SynReceived => self.enter_closed(Some(TcpError::Refused)),
            State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
                self.enter_closed(Some(TcpError::Reset));
            }
            // CLOSING, LAST-ACK, TIME-WAIT: we were done anyway.
            _ => self.enter_closed(None),
        }
    }

    fn challenge_ack(&mut self, counters: &mut TcpCounters) {
        // `ack_now` is a flag, so a burst of forged segments between two
        // polls costs one ACK: the rate limit RFC 5961 §7 asks for.
        self.ack_now = true;
        counters.challenge_acks += 1;
    }

    // ANCHOR: process_ack
    /// The fifth step for synchronized states. Returns false if the segment
    /// must be dropped.
    fn process_ack(
        &mut self,
        now: Instant,
        seg: &Segment<'_>,
        ack: SeqNumber,
        counters: &mut TcpCounters,
    ) -> bool {
        // It acknowledges something we never sent: reply with an ACK.
        // RFC 5961 §5.2 also rejects ACKs older than the largest window.
        if ack > self.snd_max || ack < self.snd_una - self.max_snd_wnd {
            self.ack_now = true;
            return false;
        }
        let window = usize::from(seg.window) << self.snd_shift;
        let old_window = self.snd_wnd;
        // Update the window unless this segment is older than the one that
        // last set it (SND.WL1, SND.WL2).
        if ack >= self.snd_una
            && (self.snd_wl1 < seg.seq || (self.snd_wl1 == seg.seq && self.snd_wl2 <= ack))
        {
            self.snd_wnd = window;
            self.max_snd_wnd = self.max_snd_wnd.max(window);
            self.snd_wl1 = seg.seq;
            self.snd_wl2 = ack;
            if window > 0 {
                self.persist_backoff = 0;
            }
        }
        if self.owner != Owner::Orphan {
            // The peer is alive: probes it answers do not count.
            self.persist_probes = 0;
        }
        if ack > self.snd_una {
            self.on_new_ack(now, ack);
        } else if ack == self.snd_una
            && self.snd_max > self.snd_una
            && seg.payload.is_empty()
            && !seg.syn
            && !seg.fin
            && window == old_window
        {
            // A duplicate ACK as RFC 5681 §2 defines it.
            if self.cc.on_dup_ack(self.snd_una, self.snd_max) {
                counters.fast_retransmits += 1;
                self.fast_retransmit = true;
                self.rtt_sample = None;
            }
        }
        if self.fin_acked {
            match self.state {
                // An orphan's FIN-WAIT-2 timer starts in `arm_timers`.
                State::FinWait1 => self.state = State::FinWait2,
                State::Closing => self.enter_time_wait(now),
                State::LastAck => self.enter_closed(None),
                _ => {}
            }
        }
        true
    }
    // ANCHOR_END: process_ack

    /// SND.UNA advances to `ack`.
    fn on_new_ack(&mut self, now: Instant, ack: SeqNumber) {
        let acked = ack - self.snd_una;
        let data = acked.min(self.tx.len());
        if acked > data {
            self.fin_acked = true;
        }
        self.tx.ack(data);
        self.snd_una = ack;
        self.snd_nxt = self.snd_nxt.max(ack);
        if let Some((end, sent)) = self.rtt_sample
            && ack >= end
        {
            self.rtt.sample(now.since(sent));
            self.rtt_sample = None;
        }
        self.retries = 0;
        let flight = self.snd_max - self.snd_una;
        if self.cc.on_ack(data, ack, flight) == AckOutcome::RetransmitNext {
            self.fast_retransmit = true;
            self.rtt_sample = None;
        }
        // RFC 6298 §5.2 and §5.3: stop the timer when everything is
        // acknowledged, otherwise restart it for the rest.
        self.retransmit_at = (flight > 0).then(|| now + self.rtt.rto());
    }

    /// The seventh step: store the data. Returns false if the end of the
    /// segment (and so its FIN) fell outside the window.
    fn process_text(
        &mut self,
        now: Instant,
        seg: &Segment<'_>,
        counters: &mut TcpCounters,
    ) -> bool {
        let mut seq = seg.seq;
        let mut data = seg.payload;
        // Cut what we already have.
        if seq < self.rcv_nxt {
            let old = (self.rcv_nxt - seq).min(data.len());
            data = &data[old..];
            seq = self.rcv_nxt;
        }
        // Cut what does not fit in the window.
        let offset = seq - self.rcv_nxt;
        let room = self.rx.free().saturating_sub(offset);
        let whole = data.len() <= room;
        let data = &data[..data.len().min(room)];
        if data.is_empty() {
            self.ack_now = true;
            return whole;
        }
        if self.owner == Owner::Orphan {
            // RFC 1122 §4.2.2.13: nobody will ever read this.
            self.abort();
            return false;
        }
        let had_holes = self.rx.has_holes();
        match self.rx.write_at(offset, data) {
            None => {
                counters.reassembly_drops += 1;
                self.ack_now = true;
            }
            Some(advanced) => {
                self.rcv_nxt = self.rcv_nxt + advanced;
                if offset > 0 {
                    // RFC 5681 §4.2: a duplicate ACK at once for data after
                    // a hole, so the sender can fast-retransmit...
                    counters.out_of_order += 1;
                    self.last_early = Some(self.rcv_nxt + offset);
                    self.dup_acks_owed = (self.dup_acks_owed + 1).min(MAX_DUP_ACKS);
                } else if had_holes {
                    // ...and at once when a hole is (partly) filled.
                    self.ack_now = true;
                } else {
                    self.schedule_ack(now);
                }
            }
        }
        whole
    }

    /// Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2): ACK every second
    /// segment at once, a lone one after `ack_delay` at most.
    fn schedule_ack(&mut self, now: Instant) {
        self.unacked_segments += 1;
        match self.cfg.ack_delay {
            Some(delay) if self.unacked_segments < 2 => {
                self.delayed_ack_at.get_or_insert(now + delay);
            }
            _ => self.ack_now = true,
        }
    }

    /// The eighth step: the peer's FIN, in order.
    fn process_fin(&mut self, now: Instant) {
        self.rcv_nxt = self.rcv_nxt + 1;
        self.fin_received = true;
        self.early_fin = None;
        self.ack_now = true;
        match self.state {
            State::Established => self.state = State::CloseWait,
            State::FinWait1 if self.fin_acked => self.enter_time_wait(now),
            State::FinWait1 => self.state = State::Closing,
            State::FinWait2 => self.enter_time_wait(now),
            _ => {}
        }
    }
}
