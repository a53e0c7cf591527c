//! Where sockets live, and how they are found without a scan.
//!
//! Sockets sit in a slot array; a freed slot goes on a free list, so
//! `insert` takes one without looking. The array is as long as the most
//! sockets ever open at once; connections in TIME-WAIT are not among them
//! once the user has let go (they become records in `time_wait`).
//!
//! Three maps keep every lookup independent of how many connections the
//! host has seen:
//! - `by_tuple`: four-tuple → handle, for every connection not CLOSED
//!   (a CLOSED one a user still holds leaves its four-tuple free);
//! - `listeners`: port → the listeners on it (one per local address, so a
//!   handful at most);
//! - `port_users`: local port → how many connections and TIME-WAIT
//!   records use it, for `bind` and the choice of an ephemeral port.
//!
//! Each must change with the sockets: `insert` and `free` keep them, and
//! `settle` is called on a connection after anything that may have changed
//! its state (a segment, a timer, a user call).

use alloc::boxed::Box;

use super::{Slot, Socket, SocketHandle, TcpTable};
use crate::tcp::connection::{Connection, Owner};
use crate::tcp::listener::Listener;
use crate::tcp::state::State;
use crate::time::Instant;
use alloc::collections::BTreeMap;
use core::net::SocketAddrV4;

impl TcpTable {
    fn insert(&mut self, socket: Socket) -> SocketHandle {
        let index = match self.free_slots.pop() {
            Some(index) => index as usize,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    socket: None,
                });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        slot.socket = Some(socket);
        SocketHandle {
            index: index as u32,
            generation: slot.generation,
        }
    }

    /// A new connection (never CLOSED at birth), now findable.
    pub(super) fn insert_connection(&mut self, conn: Connection) -> SocketHandle {
        let key = (conn.local, conn.remote);
        self.hold_port(conn.local.port());
        let h = self.insert(Socket::Connection(Box::new(conn)));
        self.by_tuple.insert(key, h);
        h
    }

    pub(super) fn insert_listener(&mut self, listener: Listener) -> SocketHandle {
        let port = listener.local.port();
        let h = self.insert(Socket::Listener(listener));
        self.listeners.entry(port).or_default().push(h);
        h
    }

    /// Frees a socket and forgets it in every map.
    pub(super) fn free(&mut self, h: SocketHandle) {
        let Some(slot) = self.slots.get_mut(h.index as usize) else {
            return;
        };
        if slot.generation != h.generation {
            return;
        }
        let Some(socket) = slot.socket.take() else {
            return;
        };
        slot.generation = slot.generation.wrapping_add(1);
        self.free_slots.push(h.index);
        match socket {
            Socket::Connection(c) => {
                self.unmap(&c, h);
                release_port(&mut self.port_users, c.local.port());
            }
            Socket::Listener(l) => {
                let port = l.local.port();
                if let Some(on_port) = self.listeners.get_mut(&port) {
                    on_port.retain(|&other| other != h);
                    if on_port.is_empty() {
                        self.listeners.remove(&port);
                    }
                }
            }
        }
    }

    /// Removes `c`'s four-tuple from `by_tuple` if it names `h`.
    fn unmap(&mut self, c: &Connection, h: SocketHandle) {
        let key = (c.local, c.remote);
        if self.by_tuple.get(&key) == Some(&h) {
            self.by_tuple.remove(&key);
        }
    }

    // ANCHOR: settle
    /// Brings the maps up to date after connection `h` may have changed
    /// state: a CLOSED connection leaves `by_tuple`, and is freed if nobody
    /// holds it and it has nothing left to send; an orphan in TIME-WAIT
    /// with nothing left to send becomes a `TimeWait` record.
    pub(super) fn settle(&mut self, h: SocketHandle) {
        let Some(Socket::Connection(c)) = self.get(h) else {
            return;
        };
        if c.state == State::Closed {
            let finished = c.owner != Owner::User && c.is_finished();
            let c = (c.local, c.remote);
            if self.by_tuple.get(&c) == Some(&h) {
                self.by_tuple.remove(&c);
            }
            if finished {
                self.free(h);
            }
        } else if c.owner == Owner::Orphan
            && c.poll_at() != Some(Instant::ZERO)
            && let Some(record) = c.time_wait_record()
        {
            self.free(h);
            self.hold_port(record.local.port());
            self.time_wait.insert(record);
        }
    }
    // ANCHOR_END: settle

    fn hold_port(&mut self, port: u16) {
        *self.port_users.entry(port).or_default() += 1;
    }

    /// The connection with this four-tuple that is not CLOSED.
    pub(super) fn find_connection(
        &self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) -> Option<SocketHandle> {
        self.by_tuple.get(&(local, remote)).copied()
    }

    /// The listener for a segment to `local`: one on exactly this address
    /// wins over one on 0.0.0.0.
    pub(super) fn find_listener(&self, local: SocketAddrV4) -> Option<SocketHandle> {
        let on_port = self.listeners.get(&local.port())?;
        let listening = |h: &&SocketHandle, exact: bool| match self.get(**h) {
            Some(Socket::Listener(l)) => l.matches(local) && (l.local.ip() == local.ip()) == exact,
            _ => false,
        };
        on_port
            .iter()
            .find(|h| listening(h, true))
            .or_else(|| on_port.iter().find(|h| listening(h, false)))
            .copied()
    }
}

/// A connection or TIME-WAIT record no longer uses local port `port`.
/// (A function of the map alone, so that it can be called while another
/// part of the table is borrowed.)
pub(super) fn release_port(port_users: &mut BTreeMap<u16, u32>, port: u16) {
    if let Some(count) = port_users.get_mut(&port) {
        *count -= 1;
        if *count == 0 {
            port_users.remove(&port);
        }
    }
}
