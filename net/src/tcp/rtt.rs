//! The retransmission timeout (RTO) estimator of RFC 6298.
//!
//! TCP must guess how long to wait for an acknowledgment before sending a
//! segment again. Too short and it floods the network with needless copies;
//! too long and a loss stalls the connection. RFC 6298 keeps two smoothed
//! numbers per connection: SRTT, the average round-trip time, and RTTVAR,
//! how much it varies; then RTO = SRTT + 4·RTTVAR, so that a round trip
//! rarely exceeds it.
//!
//! Invariant: `min_rto <= rto <= max_rto`, whatever the samples.
//! All times are milliseconds, which is the granularity G of §2.

use crate::time::Duration;

/// RFC 6298 §2.1: "Until a round-trip time (RTT) measurement has been made
/// ... the sender SHOULD set RTO <- 1 second".
pub const INITIAL_RTO: Duration = Duration(1000);

/// RFC 6298 §5.7: after a SYN had to be retransmitted, data transmission
/// starts with at least this RTO.
pub const RTO_AFTER_SYN_LOSS: Duration = Duration(3000);

/// Clock granularity G (RFC 6298 §2): our clock counts milliseconds.
const GRANULARITY_MS: u64 = 1;

/// SRTT, RTTVAR and the current (possibly backed-off) RTO of a connection.
#[derive(Clone, Debug)]
pub struct RttEstimator {
    /// `None` until the first measurement.
    srtt_ms: Option<u64>,
    rttvar_ms: u64,
    rto: Duration,
    min_rto: Duration,
    max_rto: Duration,
}

impl RttEstimator {
    pub fn new(min_rto: Duration, max_rto: Duration) -> RttEstimator {
        let mut estimator = RttEstimator {
            srtt_ms: None,
            rttvar_ms: 0,
            rto: INITIAL_RTO,
            min_rto,
            max_rto,
        };
        estimator.rto = estimator.clamp(INITIAL_RTO.millis());
        estimator
    }

    /// The timeout to arm the retransmission timer with.
    pub fn rto(&self) -> Duration {
        self.rto
    }

    /// The smoothed round-trip time, once there is one.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt_ms.map(Duration)
    }

    fn clamp(&self, ms: u64) -> Duration {
        Duration(ms.clamp(self.min_rto.millis(), self.max_rto.millis()))
    }

    // ANCHOR: sample
    /// Takes one measurement `r` into account (RFC 6298 §2.2 and §2.3).
    /// The caller follows Karn's rule: never measure a segment that was
    /// retransmitted, because its ACK may answer either copy.
    pub fn sample(&mut self, r: Duration) {
        let r = r.millis();
        match self.srtt_ms {
            None => {
                // §2.2: the first measurement.
                self.srtt_ms = Some(r);
                self.rttvar_ms = r / 2;
            }
            Some(srtt) => {
                // §2.3 with alpha = 1/8 and beta = 1/4. RTTVAR uses the old
                // SRTT, so it is updated first.
                self.rttvar_ms = (3 * self.rttvar_ms + srtt.abs_diff(r)) / 4;
                self.srtt_ms = Some((7 * srtt + r) / 8);
            }
        }
        let srtt = self.srtt_ms.unwrap_or(r);
        // RTO = SRTT + max(G, K*RTTVAR) with K = 4, then the bounds of
        // §2.4 (minimum) and §2.5 (maximum).
        self.rto = self.clamp(srtt + (4 * self.rttvar_ms).max(GRANULARITY_MS));
    }
    // ANCHOR_END: sample

    // ANCHOR: back_off
    /// The retransmission timer expired: RFC 6298 §5.5, "set RTO <- RTO * 2
    /// (back off the timer)", up to the maximum. The backed-off value stays
    /// until a new measurement (Karn's algorithm, second half).
    pub fn back_off(&mut self) {
        self.rto = self.clamp(self.rto.millis().saturating_mul(2));
    }
    // ANCHOR_END: back_off

    /// RFC 6298 §5.7: the SYN (or SYN+ACK) had to be retransmitted and no
    /// measurement was possible, so start the data phase with 3 s.
    pub fn after_syn_loss(&mut self) {
        if self.srtt_ms.is_none() {
            self.rto = self.clamp(RTO_AFTER_SYN_LOSS.millis());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimator() -> RttEstimator {
        RttEstimator::new(Duration(200), Duration(60_000))
    }

    #[test]
    fn rto_starts_at_one_second() {
        assert_eq!(estimator().rto(), Duration(1000));
    }

    #[test]
    fn first_sample_gives_srtt_r_and_rttvar_half_r() {
        let mut e = estimator();
        e.sample(Duration(100));
        assert_eq!(e.srtt(), Some(Duration(100)));
        // 100 + 4 * 50 = 300
        assert_eq!(e.rto(), Duration(300));
    }

    #[test]
    fn later_samples_are_smoothed() {
        let mut e = estimator();
        e.sample(Duration(100));
        e.sample(Duration(200));
        // RTTVAR = (3*50 + 100)/4 = 62, SRTT = (700 + 200)/8 = 112
        assert_eq!(e.srtt(), Some(Duration(112)));
        assert_eq!(e.rto(), Duration(112 + 4 * 62));
    }

    #[test]
    fn rto_never_goes_below_the_minimum() {
        let mut e = estimator();
        e.sample(Duration(1));
        assert_eq!(e.rto(), Duration(200));
    }

    #[test]
    fn back_off_doubles_up_to_the_maximum() {
        let mut e = estimator();
        e.back_off();
        assert_eq!(e.rto(), Duration(2000));
        for _ in 0..10 {
            e.back_off();
        }
        assert_eq!(e.rto(), Duration(60_000));
    }

    #[test]
    fn a_new_sample_cancels_the_back_off() {
        let mut e = estimator();
        e.sample(Duration(100));
        e.back_off();
        e.back_off();
        assert_eq!(e.rto(), Duration(1200));
        e.sample(Duration(100));
        // RTTVAR = (3*50 + 0)/4 = 37, SRTT = 100
        assert_eq!(e.rto(), Duration(100 + 4 * 37));
    }

    #[test]
    fn syn_loss_without_a_sample_means_three_seconds() {
        let mut e = estimator();
        e.after_syn_loss();
        assert_eq!(e.rto(), Duration(3000));
        let mut measured = estimator();
        measured.sample(Duration(100));
        measured.after_syn_loss();
        assert_eq!(measured.rto(), Duration(300));
    }
}
