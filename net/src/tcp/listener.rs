//! A listening socket (LISTEN state): the address it waits on, and its two
//! queues of children.
//!
//! A SYN to a listener creates a child connection in SYN-RECEIVED, kept in
//! `half_open`. When the handshake completes the child moves to `ready`,
//! where `accept` finds it. Two limits bound the memory a listener can
//! make the host spend:
//! - `backlog` caps `ready`: when the user does not accept, further SYNs
//!   are dropped (the clients will retry);
//! - `max_half_open` caps `half_open`: beyond it, SYNs are answered with
//!   SYN cookies and no child at all (`syn_cookie.rs`, RFC 4987 §3.6), so a
//!   SYN flood from forged addresses neither grows the queue nor pushes
//!   real clients out of it; with cookies off, the flood evicts its own
//!   oldest entries instead (RFC 4987 §3.2 discusses both).
//!
//! The children themselves live in the table; the queues hold handles.

use alloc::collections::VecDeque;
use core::net::SocketAddrV4;

use super::state::State;
use super::table::SocketHandle;

#[derive(Debug)]
pub struct Listener {
    pub local: SocketAddrV4,
    backlog: usize,
    half_open: VecDeque<SocketHandle>,
    ready: VecDeque<SocketHandle>,
}

impl Listener {
    pub fn new(local: SocketAddrV4, backlog: usize) -> Listener {
        Listener {
            local,
            backlog: backlog.max(1),
            half_open: VecDeque::new(),
            ready: VecDeque::new(),
        }
    }

    /// Does a segment to `addr` belong to this listener? 0.0.0.0 means
    /// "any of our addresses".
    pub fn matches(&self, addr: SocketAddrV4) -> bool {
        self.local.port() == addr.port()
            && (self.local.ip().is_unspecified() || self.local.ip() == addr.ip())
    }

    /// Would a listener on `local` receive some of the same segments?
    pub fn overlaps(&self, local: SocketAddrV4) -> bool {
        self.matches(local) || (local.ip().is_unspecified() && local.port() == self.local.port())
    }

    pub fn accept_queue_full(&self) -> bool {
        self.ready.len() >= self.backlog
    }

    /// Records a new half-open child. If that makes more than
    /// `max_half_open`, returns the oldest one, which the caller must drop.
    pub fn add_half_open(
        &mut self,
        child: SocketHandle,
        max_half_open: usize,
    ) -> Option<SocketHandle> {
        self.half_open.push_back(child);
        if self.half_open.len() > max_half_open.max(1) {
            return self.half_open.pop_front();
        }
        None
    }

    /// A connection that completed its handshake without ever being
    /// half-open here (a SYN cookie came back).
    pub fn push_ready(&mut self, child: SocketHandle) {
        self.ready.push_back(child);
    }

    /// The oldest completed connection, for `accept`.
    pub fn pop_ready(&mut self) -> Option<SocketHandle> {
        self.ready.pop_front()
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    pub fn half_open_len(&self) -> usize {
        self.half_open.len()
    }

    /// Brings the queues up to date. `state_of` gives a child's state, or
    /// `None` if the child no longer exists. Children that completed the
    /// handshake move to `ready`; children that died are forgotten.
    /// (It runs after every segment and every poll: it allocates nothing.)
    pub fn refresh(&mut self, state_of: impl Fn(SocketHandle) -> Option<State>) {
        let ready = &mut self.ready;
        self.half_open.retain(|&child| match state_of(child) {
            Some(State::SynReceived) => true,
            Some(state) if state.is_established_or_later() => {
                ready.push_back(child);
                false
            }
            _ => false,
        });
        self.ready
            .retain(|&child| state_of(child).is_some_and(|s| s != State::Closed));
    }

    /// Every child, for closing the listener.
    pub fn children(&self) -> impl Iterator<Item = SocketHandle> + '_ {
        self.half_open.iter().chain(self.ready.iter()).copied()
    }
}
