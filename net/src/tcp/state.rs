//! The connection states of RFC 9293 §3.3.2, and nothing else.
//!
//! The transitions live where the events are handled: user calls in
//! `connection.rs`, arriving segments in `input.rs`, timers in `output.rs`.
//! `docs/src/tcp.md` draws the whole diagram.

use core::fmt;

// ANCHOR: state
/// Where a connection is in its life (RFC 9293 §3.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// No connection: never opened, or finished (reset, timed out, done).
    Closed,
    /// Waiting for a SYN from any remote (a listening socket).
    Listen,
    /// We sent a SYN and wait for the peer's SYN and ACK (active open).
    SynSent,
    /// We received a SYN and sent our SYN+ACK; waiting for its ACK.
    SynReceived,
    /// Open: data flows both ways.
    Established,
    /// We sent our FIN; the peer has not acknowledged it yet.
    FinWait1,
    /// Our FIN is acknowledged; waiting for the peer's FIN.
    FinWait2,
    /// Both sides sent FIN at once; waiting for the ACK of ours.
    Closing,
    /// Both FINs are acknowledged; lingering so that a lost last ACK can be
    /// sent again and old duplicates die out (2 MSL).
    TimeWait,
    /// The peer sent FIN; we may still send until our user closes.
    CloseWait,
    /// The peer closed first, then we sent our FIN; waiting for its ACK.
    LastAck,
}
// ANCHOR_END: state

impl State {
    /// Has the three-way handshake completed in both directions? These are
    /// RFC 9293's "synchronized states", minus SYN-RECEIVED whose SYN is
    /// still unacknowledged.
    pub fn is_established_or_later(self) -> bool {
        matches!(
            self,
            State::Established
                | State::FinWait1
                | State::FinWait2
                | State::Closing
                | State::TimeWait
                | State::CloseWait
                | State::LastAck
        )
    }

    /// May the peer still send us data in this state (RFC 9293 §3.10.7.4,
    /// "seventh, process the segment text")?
    pub fn receives_data(self) -> bool {
        matches!(self, State::Established | State::FinWait1 | State::FinWait2)
    }

    /// May we still send data (or retransmit our FIN) in this state?
    pub fn sends_data(self) -> bool {
        matches!(
            self,
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::Closing
                | State::LastAck
        )
    }
}

impl fmt::Display for State {
    /// The names RFC 9293 and `netstat` use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN-SENT",
            State::SynReceived => "SYN-RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN-WAIT-1",
            State::FinWait2 => "FIN-WAIT-2",
            State::Closing => "CLOSING",
            State::TimeWait => "TIME-WAIT",
            State::CloseWait => "CLOSE-WAIT",
            State::LastAck => "LAST-ACK",
        })
    }
}
