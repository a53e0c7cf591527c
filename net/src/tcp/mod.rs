//! TCP (RFC 9293): reliable, ordered byte streams over an unreliable
//! network.
//!
//! This module never touches IP. [`TcpTable::input`] takes the source and
//! destination addresses and the bytes of one segment (the payload of an
//! IPv4 packet with protocol 6); [`TcpTable::poll_output`] hands back
//! segments with the addresses to send them between. The interface does the
//! IP part. Time is passed in as `now` everywhere; [`TcpTable::poll_at`]
//! says when the next timer is due.
//!
//! Files, one concept each:
//! - `seq`: sequence numbers with wraparound comparisons;
//! - `state`: the eleven states of the state diagram;
//! - `segment`: an arriving segment as the state machine sees it;
//! - `connection`: one connection's variables, its open and its end;
//!   - `connection/user`: the user calls (send, receive, close, abort);
//!   - `connection/input`: what an arriving segment does (RFC 9293 §3.10.7);
//!   - `connection/output`: what to send, and the timers (RFC 6298);
//! - `send_buffer`, `recv_buffer`: the byte queues, reassembly included;
//! - `rtt`: the retransmission timeout estimator (RFC 6298);
//! - `congestion`: slow start, fast recovery (RFC 5681, RFC 6582);
//! - `isn`: initial sequence numbers (RFC 6528) with SipHash;
//! - `listener`: listening sockets, the accept queue and SYN-flood limits;
//! - `syn_cookie`: answering SYNs without state when the queue is full
//!   (RFC 4987);
//! - `time_wait`: what is left of a closed connection in TIME-WAIT;
//! - `table`: all sockets of a host: handles, ports, user calls;
//!   - `table/slots`: where sockets live and the maps that find them;
//!   - `table/demux`: which socket an arriving segment is for;
//!   - `table/info`: the `netstat` view;
//! - `config`, `counters`: settings and statistics.
//!
//! `docs/src/tcp.md` is the guided tour.

mod config;
mod congestion;
mod connection;
mod counters;
pub mod isn;
mod listener;
mod recv_buffer;
pub mod rtt;
mod segment;
mod send_buffer;
pub mod seq;
mod state;
pub mod syn_cookie;
mod table;
mod time_wait;

pub use config::TcpConfig;
pub use congestion::{AckOutcome, Congestion};
pub use counters::TcpCounters;
pub use seq::SeqNumber;
pub use state::State;
pub use table::{EmitOffloaded, SocketHandle, SocketInfo, TcpTable};

/// Why a socket call failed. The kernel maps each to an errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpError {
    /// Nothing to read, no room to write, no connection to accept (EAGAIN).
    WouldBlock,
    /// The local address is taken (EADDRINUSE).
    AddrInUse,
    /// No ephemeral port is free, or the address cannot be used
    /// (EADDRNOTAVAIL).
    AddrNotAvailable,
    /// The peer answered our SYN with a reset (ECONNREFUSED).
    Refused,
    /// The peer reset the connection (ECONNRESET).
    Reset,
    /// Retransmissions went unanswered too long (ETIMEDOUT).
    TimedOut,
    /// Writing after shutdown or close of our sending side (EPIPE).
    Pipe,
    /// The socket is not connected, or no longer (ENOTCONN).
    NotConnected,
    /// The handle names no socket we own (EBADF).
    InvalidHandle,
    /// The call makes no sense for this socket or these arguments, like
    /// `accept` on a connection or port 0 for `listen` (EINVAL).
    InvalidArgument,
}

/// What the kernel's `poll()` reports for a socket, and what tells it whom
/// to wake up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    /// `recv` would not block: data, end of stream, or an error (for a
    /// listener: `accept` would not block).
    pub readable: bool,
    /// `send` would not block: there is room, or an error to report.
    pub writable: bool,
    /// Neither side can send any more (POLLHUP).
    pub hangup: bool,
    /// The connection failed; `recv`/`send` return the error (POLLERR).
    pub error: bool,
}
