//! All the TCP sockets of one host, and the calls the kernel makes on them.
//!
//! Sockets live in a slot array; a [`SocketHandle`] is a slot index plus a
//! generation number, so a handle kept after its socket was freed (and the
//! slot reused) is recognised as stale instead of reaching someone else's
//! connection.
//!
//! Ownership: a connection belongs to the user (a handle the kernel holds),
//! to a listener (not accepted yet), or to nobody (an orphan: the user
//! closed it and it finishes its FIN handshake alone). `settle` (in
//! `slots`) frees closed connections nobody holds, so no socket leaks.
//!
//! A connection that the user closed and that reached TIME-WAIT becomes a
//! small record in `time_wait` (see `tcp/time_wait.rs`), and leaves its
//! slot: so every poll looks at live sockets only, however many
//! connections the last two seconds have seen.
//!
//! The child module `slots` keeps the slot array and the maps that find a
//! socket without a scan; arriving segments are demultiplexed in `demux`;
//! `output` builds what leaves; `info` describes the sockets for `netstat`.

mod demux;
mod info;
mod output;
mod slots;

pub use info::SocketInfo;
pub use output::EmitOffloaded;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::cell::Cell;
use core::net::{Ipv4Addr, SocketAddrV4};

use super::config::TcpConfig;
use super::connection::{Connection, Owner};
use super::counters::TcpCounters;
use super::isn;
use super::listener::Listener;
use super::state::State;
use super::time_wait::{FourTuple, TimeWaitSet};
use super::{Readiness, TcpError};
use crate::time::Instant;
use crate::wire::tcp::TcpRepr;

/// Names one socket of a [`TcpTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketHandle {
    index: u32,
    generation: u32,
}

#[derive(Debug)]
enum Socket {
    Listener(Listener),
    Connection(Box<Connection>),
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    socket: Option<Socket>,
}

/// The first ephemeral port (RFC 6335 §6: 49152–65535).
const EPHEMERAL_FIRST: u16 = 49152;
const EPHEMERAL_COUNT: u32 = 65536 - EPHEMERAL_FIRST as u32;
/// Resets and SYN-cookie SYN+ACKs waiting for `poll_output`. More are
/// dropped: a flood must not make us queue replies without end.
const MAX_CONTROL_QUEUE: usize = 64;

/// All TCP sockets of one host. See the module docs.
#[derive(Debug)]
pub struct TcpTable {
    config: TcpConfig,
    secret: [u8; 16],
    slots: Vec<Slot>,
    /// Indexes of the empty slots.
    free_slots: Vec<u32>,
    /// The maps of `slots.rs`.
    by_tuple: BTreeMap<FourTuple, SocketHandle>,
    listeners: BTreeMap<u16, Vec<SocketHandle>>,
    port_users: BTreeMap<u16, u32>,
    time_wait: TimeWaitSet,
    counters: TcpCounters,
    next_ephemeral: u32,
    /// Segments not tied to any connection (resets, SYN-cookie SYN+ACKs):
    /// (source, destination, header).
    control: VecDeque<(Ipv4Addr, Ipv4Addr, TcpRepr)>,
    /// The slot `poll_output` serves first (see there).
    next_output: usize,
    /// Sockets and records looked at by the per-poll walks (see `steps`).
    /// A `Cell` because `poll_at` only reads the table.
    steps: Cell<u64>,
}

impl TcpTable {
    /// `isn_secret` keys the ISN and port hashes; draw it at random at boot.
    pub fn new(config: TcpConfig, isn_secret: [u8; 16]) -> TcpTable {
        TcpTable {
            config,
            secret: isn_secret,
            slots: Vec::new(),
            free_slots: Vec::new(),
            by_tuple: BTreeMap::new(),
            listeners: BTreeMap::new(),
            port_users: BTreeMap::new(),
            time_wait: TimeWaitSet::default(),
            counters: TcpCounters::default(),
            next_ephemeral: 0,
            control: VecDeque::new(),
            next_output: 0,
            steps: Cell::new(0),
        }
    }

    pub fn config(&self) -> &TcpConfig {
        &self.config
    }

    pub fn counters(&self) -> &TcpCounters {
        &self.counters
    }

    /// How many slots and TIME-WAIT records `poll_output`, `poll_at` and
    /// the expiry of records have looked at so far: the work a poll does,
    /// counted rather than timed, for tests to check that it does not grow
    /// with the connections the host has seen.
    pub fn steps(&self) -> u64 {
        self.steps.get()
    }

    fn count_steps(&self, n: usize) {
        self.steps.set(self.steps.get() + n as u64);
    }

    fn get(&self, h: SocketHandle) -> Option<&Socket> {
        let slot = self.slots.get(h.index as usize)?;
        (slot.generation == h.generation).then_some(slot.socket.as_ref()?)
    }

    fn get_mut(&mut self, h: SocketHandle) -> Option<&mut Socket> {
        let slot = self.slots.get_mut(h.index as usize)?;
        (slot.generation == h.generation).then_some(slot.socket.as_mut()?)
    }

    /// A connection and the counters, borrowed together.
    fn connection_and_counters(
        &mut self,
        h: SocketHandle,
    ) -> Option<(&mut Connection, &mut TcpCounters)> {
        let slot = self.slots.get_mut(h.index as usize)?;
        match &mut slot.socket {
            Some(Socket::Connection(c)) if slot.generation == h.generation => {
                Some((&mut **c, &mut self.counters))
            }
            _ => None,
        }
    }

    /// The connection behind a handle the user owns.
    fn user_connection(&mut self, h: SocketHandle) -> Result<&mut Connection, TcpError> {
        match self.get_mut(h) {
            Some(Socket::Connection(c)) if c.owner == Owner::User => Ok(c),
            Some(Socket::Listener(_)) => Err(TcpError::InvalidArgument),
            _ => Err(TcpError::InvalidHandle),
        }
    }

    fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.slots.iter().filter_map(|slot| match &slot.socket {
            Some(Socket::Connection(c)) => Some(&**c),
            _ => None,
        })
    }

    /// The listeners on `port`.
    fn listeners_on(&self, port: u16) -> impl Iterator<Item = &Listener> {
        let handles = self.listeners.get(&port).map_or(&[][..], Vec::as_slice);
        handles.iter().filter_map(|&h| match self.get(h) {
            Some(Socket::Listener(l)) => Some(l),
            _ => None,
        })
    }

    /// Bytes held by every connection's receive buffer together (at most
    /// `max_recv_memory`).
    pub fn recv_memory(&self) -> usize {
        self.connections().map(Connection::recv_memory).sum()
    }

    /// Is `local`'s port in use by a socket on an overlapping address? For
    /// the kernel's `bind`.
    pub fn port_in_use(&self, local: SocketAddrV4) -> bool {
        self.listeners_on(local.port()).any(|l| l.overlaps(local))
            || self.port_users.contains_key(&local.port())
    }

    /// The peer of connection `h`, for `accept`.
    pub fn remote_address(&self, h: SocketHandle) -> Option<SocketAddrV4> {
        match self.get(h) {
            Some(Socket::Connection(c)) => Some(c.remote),
            _ => None,
        }
    }

    /// Passive open: a socket in LISTEN on `local` (0.0.0.0 for every
    /// address). `backlog` bounds the connections waiting for `accept`.
    pub fn listen(
        &mut self,
        local: SocketAddrV4,
        backlog: usize,
    ) -> Result<SocketHandle, TcpError> {
        if local.port() == 0 {
            return Err(TcpError::InvalidArgument);
        }
        if self.listeners_on(local.port()).any(|l| l.overlaps(local)) {
            return Err(TcpError::AddrInUse);
        }
        Ok(self.insert_listener(Listener::new(local, backlog)))
    }

    /// The oldest connection that completed its handshake on `listener`.
    pub fn accept(&mut self, listener: SocketHandle) -> Result<SocketHandle, TcpError> {
        let child = match self.get_mut(listener) {
            Some(Socket::Listener(l)) => l.pop_ready().ok_or(TcpError::WouldBlock)?,
            Some(Socket::Connection(_)) => return Err(TcpError::InvalidArgument),
            None => return Err(TcpError::InvalidHandle),
        };
        match self.get_mut(child) {
            Some(Socket::Connection(c)) => c.owner = Owner::User,
            // `refresh` keeps only live children in the queue.
            _ => return Err(TcpError::WouldBlock),
        }
        Ok(child)
    }

    /// Active open from `local` (port 0 picks an ephemeral port) to
    /// `remote`. The SYN leaves with the next `poll_output`; the socket
    /// becomes writable when established, or reports `Refused`/`TimedOut`.
    pub fn connect(
        &mut self,
        now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) -> Result<SocketHandle, TcpError> {
        let unusable =
            |ip: &Ipv4Addr| ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast();
        if unusable(local.ip()) || unusable(remote.ip()) || remote.port() == 0 {
            return Err(TcpError::InvalidArgument);
        }
        let local = if local.port() == 0 {
            SocketAddrV4::new(*local.ip(), self.ephemeral_port(remote)?)
        } else if self.find_connection(local, remote).is_some()
            || self.time_wait.get(&(local, remote)).is_some()
        {
            return Err(TcpError::AddrInUse);
        } else {
            local
        };
        let iss = isn::initial_sequence_number(&self.secret, now, local, remote);
        let conn = Connection::connect(self.config, local, remote, iss);
        self.counters.active_opens += 1;
        Ok(self.insert_connection(conn))
    }

    /// RFC 6056 §3.3.3 (algorithm 3): start the search at a keyed hash of
    /// the destination, so that ports are hard to guess from outside.
    fn ephemeral_port(&mut self, remote: SocketAddrV4) -> Result<u16, TcpError> {
        let mut key = [0u8; 6];
        key[..4].copy_from_slice(&remote.ip().octets());
        key[4..].copy_from_slice(&remote.port().to_be_bytes());
        let offset = isn::siphash24(&self.secret, &key) as u32;
        for _ in 0..EPHEMERAL_COUNT {
            let port = offset.wrapping_add(self.next_ephemeral) % EPHEMERAL_COUNT;
            let port = EPHEMERAL_FIRST + port as u16;
            self.next_ephemeral = self.next_ephemeral.wrapping_add(1);
            if !self.port_in_use(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)) {
                return Ok(port);
            }
        }
        Err(TcpError::AddrNotAvailable)
    }

    /// Queues data; returns how much fit (`WouldBlock` if none did).
    pub fn send(&mut self, h: SocketHandle, data: &[u8]) -> Result<usize, TcpError> {
        self.user_connection(h)?.send(data)
    }

    /// Reads data; `Ok(0)` is the end of the stream.
    pub fn recv(&mut self, h: SocketHandle, buf: &mut [u8]) -> Result<usize, TcpError> {
        self.user_connection(h)?.recv(buf)
    }

    /// `shutdown(SHUT_WR)`: send FIN after the queued data; reading goes on.
    pub fn shutdown_write(&mut self, h: SocketHandle, _now: Instant) -> Result<(), TcpError> {
        self.user_connection(h)?.shutdown_write();
        Ok(())
    }

    /// Gives the socket up. A connection closes gracefully in the
    /// background and frees itself; a listener resets its unaccepted
    /// children. The handle is invalid afterwards.
    pub fn close(&mut self, h: SocketHandle, now: Instant) -> Result<(), TcpError> {
        match self.get_mut(h) {
            Some(Socket::Listener(_)) => self.close_listener(h),
            _ => {
                self.user_connection(h)?.close(now);
                self.settle(h);
            }
        }
        self.refresh_listeners();
        Ok(())
    }

    /// Drops the connection at once, sending a RST to the peer if it was
    /// synchronized. The handle is invalid afterwards.
    pub fn abort(&mut self, h: SocketHandle, _now: Instant) -> Result<(), TcpError> {
        match self.get_mut(h) {
            Some(Socket::Listener(_)) => self.close_listener(h),
            _ => {
                let conn = self.user_connection(h)?;
                conn.abort();
                conn.owner = Owner::Orphan;
                self.settle(h);
            }
        }
        self.refresh_listeners();
        Ok(())
    }

    fn close_listener(&mut self, h: SocketHandle) {
        let children: Vec<SocketHandle> = match self.get(h) {
            Some(Socket::Listener(l)) => l.children().collect(),
            _ => return,
        };
        for child in children {
            if let Some(Socket::Connection(c)) = self.get_mut(child) {
                c.abort();
                c.owner = Owner::Orphan;
                self.settle(child);
            }
        }
        self.free(h);
    }

    /// What `poll()` would report.
    pub fn readiness(&self, h: SocketHandle) -> Readiness {
        match self.get(h) {
            Some(Socket::Connection(c)) => c.readiness(),
            Some(Socket::Listener(l)) => Readiness {
                readable: l.has_ready(),
                ..Readiness::default()
            },
            None => Readiness {
                error: true,
                hangup: true,
                ..Readiness::default()
            },
        }
    }

    /// Bytes that `recv` on `h` would return now (0 for a listener or a
    /// stale handle): the kernel sizes its buffer by it.
    pub fn recv_queue(&self, h: SocketHandle) -> usize {
        match self.get(h) {
            Some(Socket::Connection(c)) => c.recv_queue(),
            _ => 0,
        }
    }

    /// Does connection `h` have a segment to send now (data, a FIN, a
    /// window update, a reset)? After a user call the kernel wakes the
    /// network thread only then.
    pub fn has_output(&self, h: SocketHandle) -> bool {
        match self.get(h) {
            Some(Socket::Connection(c)) => c.poll_at() == Some(Instant::ZERO),
            _ => false,
        }
    }

    /// The state of a socket; `Closed` for a handle that names none.
    pub fn state(&self, h: SocketHandle) -> State {
        match self.get(h) {
            Some(Socket::Connection(c)) => c.state,
            Some(Socket::Listener(_)) => State::Listen,
            None => State::Closed,
        }
    }

    /// When to call `poll_output` next: `Some(Instant::ZERO)` if there is
    /// something to send already, `None` if only input or a user call can
    /// create work.
    pub fn poll_at(&self) -> Option<Instant> {
        if !self.control.is_empty() {
            return Some(Instant::ZERO);
        }
        self.count_steps(self.slots.len() + 1);
        let records = self.time_wait.next_deadline();
        self.connections()
            .filter_map(Connection::poll_at)
            .chain(records)
            .min()
    }

    /// Frees the TIME-WAIT records whose time is up.
    fn expire_time_wait(&mut self, now: Instant) {
        let TcpTable {
            time_wait,
            port_users,
            ..
        } = self;
        let looked = time_wait.expire(now, |record| {
            slots::release_port(port_users, record.local.port());
        });
        self.count_steps(looked);
    }

    /// Brings the listeners' queues up to date: children that completed
    /// the handshake become ready, children that died are forgotten.
    fn refresh_listeners(&mut self) {
        let TcpTable {
            slots, listeners, ..
        } = self;
        for &h in listeners.values().flatten() {
            // Take the listener out so it can look at the other slots.
            let Some(Socket::Listener(mut listener)) = slots[h.index as usize].socket.take() else {
                continue;
            };
            listener.refresh(|child| {
                let slot = slots.get(child.index as usize)?;
                match &slot.socket {
                    Some(Socket::Connection(c)) if slot.generation == child.generation => {
                        Some(c.state)
                    }
                    _ => None,
                }
            });
            slots[h.index as usize].socket = Some(Socket::Listener(listener));
        }
    }
}
