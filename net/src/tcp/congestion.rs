//! Congestion control: RFC 5681 (slow start, congestion avoidance, fast
//! retransmit, fast recovery) with the NewReno change of RFC 6582.
//!
//! Flow control (the peer's window) protects the *receiver*; congestion
//! control protects the *network*. The sender keeps a congestion window
//! `cwnd` and never has more than `min(cwnd, peer window)` bytes in flight.
//! `cwnd` grows while ACKs come back and shrinks when a loss shows that
//! some queue on the path overflowed.
//!
//! This file only does the arithmetic; the connection tells it what
//! happened (new ACK, duplicate ACK, timeout) and does the retransmitting.
//!
//! Invariants: `cwnd >= mss`; `ssthresh >= 2 * mss`; `in_recovery` implies
//! the connection fast-retransmitted and `recover` is the `snd_max` of that
//! moment.

use super::seq::SeqNumber;

/// What the connection must do after a new ACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckOutcome {
    /// Nothing special.
    Normal,
    /// RFC 6582 §3.2 step 5: a partial ACK during fast recovery shows that
    /// the next segment was lost too; retransmit it now.
    RetransmitNext,
}

/// The congestion state of one connection.
#[derive(Clone, Debug)]
pub struct Congestion {
    mss: usize,
    cwnd: usize,
    ssthresh: usize,
    /// Consecutive duplicate ACKs (RFC 5681 §2 defines "duplicate").
    dup_acks: u32,
    /// RFC 6582's `recover`: the `snd_max` when the last recovery began.
    recover: SeqNumber,
    in_recovery: bool,
    /// Bytes acknowledged in congestion avoidance since `cwnd` last grew
    /// ("appropriate byte counting", RFC 5681 §3.1 / RFC 3465).
    acked_since_growth: usize,
}

/// RFC 5681 §3.1, equation 3 (the RFC 3390 initial window).
fn initial_window(mss: usize) -> usize {
    (4 * mss).min((2 * mss).max(4380))
}

impl Congestion {
    /// Starts a connection whose initial send sequence number is `iss`.
    /// `ssthresh` starts "arbitrarily high" (RFC 5681 §3.1).
    pub fn new(mss: usize, iss: SeqNumber) -> Congestion {
        Congestion {
            mss,
            cwnd: initial_window(mss),
            ssthresh: usize::MAX,
            dup_acks: 0,
            recover: iss,
            in_recovery: false,
            acked_since_growth: 0,
        }
    }

    pub fn window(&self) -> usize {
        self.cwnd
    }

    pub fn ssthresh(&self) -> usize {
        self.ssthresh
    }

    pub fn in_recovery(&self) -> bool {
        self.in_recovery
    }

    /// RFC 5681 equation 4: half of what was in flight, at least 2 MSS.
    fn halve(&mut self, flight_size: usize) {
        self.ssthresh = (flight_size / 2).max(2 * self.mss);
    }

    // ANCHOR: on_ack
    /// `acked` new bytes were acknowledged, moving SND.UNA to `ack`;
    /// `flight_size` bytes are still outstanding after it.
    pub fn on_ack(&mut self, acked: usize, ack: SeqNumber, flight_size: usize) -> AckOutcome {
        self.dup_acks = 0;
        if self.in_recovery {
            if ack >= self.recover {
                // RFC 6582 §3.2 step 3, full ACK: everything outstanding at
                // the loss is acknowledged. Deflate the window (option 1).
                self.cwnd = self.ssthresh.min(flight_size.max(self.mss) + self.mss);
                self.in_recovery = false;
                return AckOutcome::Normal;
            }
            // Step 3, partial ACK: deflate by the amount acknowledged, add
            // back one MSS if that was at least one MSS, and retransmit.
            self.cwnd = self.cwnd.saturating_sub(acked).max(self.mss);
            if acked >= self.mss {
                self.cwnd += self.mss;
            }
            return AckOutcome::RetransmitNext;
        }
        if self.cwnd < self.ssthresh {
            // Slow start (RFC 5681 equation 2): one MSS per ACK at most, so
            // the window doubles every round trip.
            self.cwnd += acked.min(self.mss);
        } else {
            // Congestion avoidance: one MSS per window's worth of ACKed
            // bytes, i.e. one MSS per round trip.
            self.acked_since_growth += acked;
            if self.acked_since_growth >= self.cwnd {
                self.acked_since_growth -= self.cwnd;
                self.cwnd += self.mss;
            }
        }
        AckOutcome::Normal
    }
    // ANCHOR_END: on_ack

    // ANCHOR: on_dup_ack
    /// A duplicate ACK arrived. Returns true when the segment at SND.UNA
    /// must be fast-retransmitted (the third duplicate, RFC 5681 §3.2).
    pub fn on_dup_ack(&mut self, snd_una: SeqNumber, snd_max: SeqNumber) -> bool {
        if self.in_recovery {
            // Step 4: each further duplicate means one more segment has
            // left the network; inflate so a new one may be sent.
            self.cwnd += self.mss;
            return false;
        }
        self.dup_acks += 1;
        // RFC 6582 §3.2 step 2: do not start a second recovery for losses
        // from before the last one (their duplicates are still arriving).
        if self.dup_acks != 3 || snd_una < self.recover {
            return false;
        }
        self.halve(snd_max - snd_una);
        self.recover = snd_max;
        self.cwnd = self.ssthresh + 3 * self.mss;
        self.in_recovery = true;
        true
    }
    // ANCHOR_END: on_dup_ack

    /// The retransmission timer expired (RFC 5681 §3.1, equation 4 and the
    /// "loss window" of one segment). Fast recovery, if any, is over.
    pub fn on_timeout(&mut self, flight_size: usize, snd_max: SeqNumber) {
        self.halve(flight_size);
        self.cwnd = self.mss;
        self.dup_acks = 0;
        self.in_recovery = false;
        self.acked_since_growth = 0;
        self.recover = snd_max;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: usize = 1000;

    fn fresh() -> Congestion {
        Congestion::new(MSS, SeqNumber(0))
    }

    #[test]
    fn initial_window_follows_rfc_5681() {
        assert_eq!(initial_window(1460), 4380);
        assert_eq!(initial_window(1000), 4000);
        assert_eq!(initial_window(536), 2144);
        assert_eq!(initial_window(4000), 8000);
    }

    #[test]
    fn slow_start_adds_one_mss_per_ack() {
        let mut cc = fresh();
        cc.on_ack(MSS, SeqNumber(1001), 0);
        assert_eq!(cc.window(), 5 * MSS);
        // A stretch ACK of 3 MSS still adds only one (equation 2).
        cc.on_ack(3 * MSS, SeqNumber(4001), 0);
        assert_eq!(cc.window(), 6 * MSS);
    }

    #[test]
    fn congestion_avoidance_adds_one_mss_per_window() {
        let mut cc = fresh();
        cc.on_timeout(8 * MSS, SeqNumber(8001)); // ssthresh 4 MSS, cwnd 1 MSS
        for i in 1..=3 {
            cc.on_ack(MSS, SeqNumber(i * 1000), 0);
        }
        assert_eq!(cc.window(), 4 * MSS, "slow start up to ssthresh");
        for i in 4..=7 {
            cc.on_ack(MSS, SeqNumber(i * 1000), 0);
        }
        assert_eq!(cc.window(), 5 * MSS, "one MSS after a full window");
    }

    #[test]
    fn third_duplicate_ack_enters_fast_recovery() {
        let mut cc = fresh();
        let una = SeqNumber(1);
        let max = SeqNumber(10_001);
        assert!(!cc.on_dup_ack(una, max));
        assert!(!cc.on_dup_ack(una, max));
        assert!(cc.on_dup_ack(una, max));
        assert!(cc.in_recovery());
        assert_eq!(cc.ssthresh(), 5 * MSS);
        assert_eq!(cc.window(), 8 * MSS);
        // A fourth inflates the window.
        assert!(!cc.on_dup_ack(una, max));
        assert_eq!(cc.window(), 9 * MSS);
    }

    #[test]
    fn partial_ack_deflates_and_asks_for_a_retransmission() {
        let mut cc = fresh();
        for _ in 0..3 {
            cc.on_dup_ack(SeqNumber(1), SeqNumber(10_001));
        }
        let outcome = cc.on_ack(2 * MSS, SeqNumber(2001), 8 * MSS);
        assert_eq!(outcome, AckOutcome::RetransmitNext);
        assert_eq!(cc.window(), 8 * MSS - 2 * MSS + MSS);
        assert!(cc.in_recovery());
    }

    #[test]
    fn full_ack_ends_recovery_with_cwnd_at_most_ssthresh() {
        let mut cc = fresh();
        for _ in 0..3 {
            cc.on_dup_ack(SeqNumber(1), SeqNumber(10_001));
        }
        let outcome = cc.on_ack(10 * MSS, SeqNumber(10_001), 0);
        assert_eq!(outcome, AckOutcome::Normal);
        assert!(!cc.in_recovery());
        assert_eq!(cc.window(), 2 * MSS, "min(ssthresh, max(0, MSS) + MSS)");
    }

    #[test]
    fn duplicates_from_before_the_last_timeout_do_not_start_recovery() {
        let mut cc = fresh();
        cc.on_timeout(10 * MSS, SeqNumber(10_001));
        for _ in 0..3 {
            assert!(!cc.on_dup_ack(SeqNumber(2001), SeqNumber(10_001)));
        }
        assert!(!cc.in_recovery());
    }

    #[test]
    fn timeout_collapses_the_window_to_one_segment() {
        let mut cc = fresh();
        cc.on_timeout(20 * MSS, SeqNumber(20_001));
        assert_eq!(cc.window(), MSS);
        assert_eq!(cc.ssthresh(), 10 * MSS);
        let mut small = fresh();
        small.on_timeout(MSS, SeqNumber(1001));
        assert_eq!(small.ssthresh(), 2 * MSS, "never below 2 MSS");
    }
}
