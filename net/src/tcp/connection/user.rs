//! The user calls on a connection (RFC 9293 §3.10.2 – §3.10.6): SEND,
//! RECEIVE, CLOSE (and its half, shutdown of the sending side), ABORT.
//!
//! They only change the connection's variables; whatever must be sent as
//! a result (data, FIN, RST, a window update) goes out with the next
//! `dispatch`.

use super::{Connection, Owner, Reset};
use crate::tcp::TcpError;
use crate::tcp::state::State;
use crate::time::Instant;

impl Connection {
    /// SEND: queues as much of `data` as fits.
    pub fn send(&mut self, data: &[u8]) -> Result<usize, TcpError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        match self.state {
            State::Closed | State::Listen => return Err(TcpError::NotConnected),
            _ if self.fin_queued => return Err(TcpError::Pipe),
            // Data queued in SYN-SENT or SYN-RECEIVED goes out once
            // established (RFC 9293 §3.10.2).
            State::SynSent | State::SynReceived | State::Established | State::CloseWait => {}
            _ => return Err(TcpError::Pipe),
        }
        match self.tx.write(data) {
            0 if !data.is_empty() => Err(TcpError::WouldBlock),
            n => Ok(n),
        }
    }

    /// RECEIVE: data first; then the error, if any; then end of stream.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize, TcpError> {
        if !self.rx.is_empty() {
            let n = self.rx.read(buf);
            self.window_update_if_worth_it();
            return Ok(n);
        }
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.fin_received {
            return Ok(0);
        }
        match self.state {
            State::Closed | State::Listen => Err(TcpError::NotConnected),
            _ => Err(TcpError::WouldBlock),
        }
    }

    /// The user made room in `rx`. Tell the peer if the window grew by a
    /// useful amount: receiver-side silly window syndrome avoidance
    /// (RFC 9293 §3.8.6.2.2) says at least min(buffer / 2, MSS).
    fn window_update_if_worth_it(&mut self) {
        if self.state.receives_data() && self.rx.free() >= self.advertised() + self.sws_threshold()
        {
            self.ack_now = true;
        }
    }

    /// Half-close: a FIN follows the queued data (CLOSE, for the sending
    /// direction only).
    pub fn shutdown_write(&mut self) {
        match self.state {
            // Sent once established (RFC 9293 §3.10.4, SYN-RECEIVED).
            State::SynSent | State::SynReceived => self.fin_queued = true,
            State::Established => {
                self.fin_queued = true;
                self.state = State::FinWait1;
            }
            State::CloseWait => {
                self.fin_queued = true;
                self.state = State::LastAck;
            }
            _ => {}
        }
    }

    /// CLOSE (RFC 9293 §3.10.4). The user lets go of the connection; it
    /// finishes alone. Unread data means data loss, which RFC 1122
    /// §4.2.2.13 says to signal with a reset.
    pub fn close(&mut self, now: Instant) {
        self.owner = Owner::Orphan;
        if !self.rx.is_empty() {
            self.abort();
            return;
        }
        match self.state {
            State::SynSent => self.state = State::Closed,
            State::FinWait2 => self.close_at = Some(now + self.cfg.fin_wait2_timeout),
            _ => self.shutdown_write(),
        }
    }

    /// ABORT (RFC 9293 §3.10.5): drop everything; in a synchronized state
    /// tell the peer with `<SEQ=SND.NXT><CTL=RST>`.
    pub fn abort(&mut self) {
        if matches!(
            self.state,
            State::SynReceived
                | State::Established
                | State::FinWait1
                | State::FinWait2
                | State::CloseWait
        ) {
            self.pending_reset = Some(Reset {
                seq: self.snd_max,
                ack: None,
            });
        }
        self.enter_closed(None);
    }
}
