//! TCP socket operations: listen, accept, connect, and byte streams.
//!
//! Every operation follows the pattern of `socket/mod.rs`: try once under
//! the stack's lock; on `WouldBlock`, wait for the network thread and retry
//! (or return `EAGAIN` for a non-blocking socket).

use super::errors::from_tcp;
use super::object::{Socket, TcpSocket};
use crate::fs::poll::Readiness;
use crate::netstack::{kick, wait_until, with_interface};
use crate::sync::SpinLock;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};
use libsys::Errno;
use net::tcp::{SocketHandle, State, TcpError, TcpTable};

/// Runs `f` on the TCP table (with the current time).
fn with_tcp<R>(f: impl FnOnce(&mut TcpTable, net::time::Instant) -> R) -> Result<R, Errno> {
    with_interface(|iface, now| iface.tcp_mut().map(|tcp| f(tcp, now)))?.ok_or(Errno::ENETDOWN)
}

// ANCHOR: blocking
/// Runs `attempt` on the TCP table until it stops saying `WouldBlock`
/// (once, for a non-blocking socket: then `WouldBlock` is `EAGAIN`).
fn blocking<T>(
    nonblocking: bool,
    mut attempt: impl FnMut(&mut TcpTable, net::time::Instant) -> Result<T, TcpError>,
) -> Result<T, Errno> {
    let result = wait_until(nonblocking, |iface, now| match iface.tcp_mut() {
        None => Some(Err(TcpError::InvalidHandle)),
        Some(tcp) => match attempt(tcp, now) {
            Err(TcpError::WouldBlock) => None,
            other => Some(other),
        },
    })?;
    result.map_err(from_tcp)
}
// ANCHOR_END: blocking

fn handle_of(socket: &SpinLock<TcpSocket>) -> Result<SocketHandle, Errno> {
    match *socket.lock() {
        TcpSocket::Stream { handle, .. } => Ok(handle),
        _ => Err(Errno::ENOTCONN),
    }
}

pub fn bind(socket: &SpinLock<TcpSocket>, local: SocketAddrV4) -> Result<(), Errno> {
    let mut socket = socket.lock();
    let TcpSocket::Fresh {
        local: bound @ None,
        reuse_address,
    } = &mut *socket
    else {
        return Err(Errno::EINVAL);
    };
    let in_use = with_tcp(|tcp, _| tcp.port_in_use(local))?;
    if in_use && !*reuse_address {
        return Err(Errno::EADDRINUSE);
    }
    *bound = Some(local);
    Ok(())
}

pub fn set_reuse_address(socket: &SpinLock<TcpSocket>, on: bool) -> Result<(), Errno> {
    match &mut *socket.lock() {
        TcpSocket::Fresh { reuse_address, .. } => {
            *reuse_address = on;
            Ok(())
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn listen(socket: &SpinLock<TcpSocket>, backlog: usize) -> Result<(), Errno> {
    let mut socket = socket.lock();
    let TcpSocket::Fresh {
        local: Some(local), ..
    } = *socket
    else {
        return Err(Errno::EINVAL); // bind first
    };
    let handle = with_tcp(|tcp, _| tcp.listen(local, backlog.clamp(1, 128)))?.map_err(from_tcp)?;
    *socket = TcpSocket::Listening(handle);
    Ok(())
}

// ANCHOR: accept
/// Takes a connection from a listener's queue (waiting for one if none);
/// returns the new socket and the peer's address.
pub fn accept(
    socket: &SpinLock<TcpSocket>,
    nonblocking: bool,
) -> Result<(Socket, SocketAddrV4), Errno> {
    let TcpSocket::Listening(listener) = *socket.lock() else {
        return Err(Errno::EINVAL);
    };
    let (handle, peer) = blocking(nonblocking, |tcp, _| {
        let handle = tcp.accept(listener)?;
        Ok((handle, tcp.remote_address(handle)))
    })?;
    let peer = peer.unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0));
    let stream = TcpSocket::Stream {
        handle,
        read_shut: false,
    };
    Ok((Socket::Tcp(SpinLock::new("tcp_socket", stream)), peer))
}
// ANCHOR_END: accept

// ANCHOR: connect
/// Opens a connection to `remote`, waiting until it is established or
/// refused (`EINPROGRESS` at once for a non-blocking socket).
pub fn connect(
    socket: &SpinLock<TcpSocket>,
    remote: SocketAddrV4,
    nonblocking: bool,
) -> Result<(), Errno> {
    let handle = {
        let mut state = socket.lock();
        let local = match *state {
            TcpSocket::Fresh { local, .. } => {
                local.unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
            }
            TcpSocket::Stream { .. } => return Err(Errno::EISCONN),
            TcpSocket::Listening(_) => return Err(Errno::EINVAL),
        };
        // An unbound socket connects from our address (127.0.0.1 to the
        // loopback network) and any free port.
        let handle = with_interface(|iface, now| {
            let local = if local.ip().is_unspecified() {
                SocketAddrV4::new(iface.source_for(*remote.ip()), local.port())
            } else {
                local
            };
            iface.tcp_mut().map(|tcp| tcp.connect(now, local, remote))
        })?
        .ok_or(Errno::ENETDOWN)?
        .map_err(from_tcp)?;
        *state = TcpSocket::Stream {
            handle,
            read_shut: false,
        };
        handle
    };
    kick();
    if nonblocking {
        return Err(Errno::EINPROGRESS);
    }
    // Wait while the handshake is in progress; a failure shows up as an
    // error from `recv` (refused, timed out).
    blocking(false, |tcp, _| match tcp.state(handle) {
        State::SynSent | State::SynReceived => Err(TcpError::WouldBlock),
        State::Closed => tcp
            .recv(handle, &mut [])
            .map(drop)
            .and(Err(TcpError::Refused)),
        _ => Ok(()),
    })
}
// ANCHOR_END: connect

// ANCHOR: send
/// Sends all of `data` (a non-blocking socket sends what fits).
pub fn send(socket: &SpinLock<TcpSocket>, data: &[u8], nonblocking: bool) -> Result<usize, Errno> {
    let handle = handle_of(socket)?;
    let mut sent = 0;
    while sent < data.len() {
        // Send buffers live in the kernel heap: keep its reserve (see
        // mem/heap.rs), or a program with many sockets to peers that never
        // read could fill it.
        if !crate::mem::heap::has_room_for(data.len() - sent) {
            return if sent > 0 {
                Ok(sent)
            } else {
                Err(Errno::ENOMEM)
            };
        }
        let result = blocking(nonblocking && sent == 0, |tcp, _| {
            tcp.send(handle, &data[sent..])
        });
        match result {
            Ok(n) => {
                sent += n;
                kick();
            }
            Err(Errno::EAGAIN) if sent > 0 => break,
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
        if nonblocking {
            break;
        }
    }
    Ok(sent)
}
// ANCHOR_END: send

// ANCHOR: receive
/// Receives what is there, up to `buffer.len()` bytes; 0 at end of stream.
pub fn receive(
    socket: &SpinLock<TcpSocket>,
    buffer: &mut [u8],
    nonblocking: bool,
) -> Result<usize, Errno> {
    receive_with(socket, nonblocking, |tcp, handle| tcp.recv(handle, buffer))
}

/// What every receive does: end of stream after `shutdown(SHUT_RD)`, the
/// wait for data, and a kick of the network thread when reading opened
/// the window enough to tell the peer (reading a few bytes does not: then
/// the thread would have nothing to do).
fn receive_with(
    socket: &SpinLock<TcpSocket>,
    nonblocking: bool,
    mut recv: impl FnMut(&mut TcpTable, SocketHandle) -> Result<usize, TcpError>,
) -> Result<usize, Errno> {
    if let TcpSocket::Stream {
        read_shut: true, ..
    } = *socket.lock()
    {
        return Ok(0);
    }
    let handle = handle_of(socket)?;
    let (n, window_update) = blocking(nonblocking, |tcp, _| {
        let n = recv(tcp, handle)?;
        Ok((n, tcp.has_output(handle)))
    })?;
    if window_update {
        kick();
    }
    Ok(n)
}
// ANCHOR_END: receive

/// `receive` for `recvfrom`: into `data`, first grown to what the socket
/// holds (at most `most` bytes), so that a 100-byte request does not cost
/// a zeroed 8 KiB buffer. `data` must have room for `most` bytes already:
/// nothing is allocated under the lock.
pub fn receive_into(
    socket: &SpinLock<TcpSocket>,
    data: &mut Vec<u8>,
    most: usize,
    nonblocking: bool,
) -> Result<usize, Errno> {
    receive_with(socket, nonblocking, |tcp, handle| {
        data.resize(tcp.recv_queue(handle).min(most), 0);
        tcp.recv(handle, data)
    })
}

pub fn shutdown(socket: &SpinLock<TcpSocket>, read: bool, write: bool) -> Result<(), Errno> {
    let mut state = socket.lock();
    let TcpSocket::Stream { handle, read_shut } = &mut *state else {
        return Err(Errno::ENOTCONN);
    };
    *read_shut |= read;
    if write {
        let handle = *handle;
        with_tcp(|tcp, now| tcp.shutdown_write(handle, now))?.map_err(from_tcp)?;
        kick();
    }
    Ok(())
}

// ANCHOR: readiness
pub fn readiness(socket: &SpinLock<TcpSocket>) -> Readiness {
    let handle = match *socket.lock() {
        TcpSocket::Stream { handle, .. } | TcpSocket::Listening(handle) => handle,
        TcpSocket::Fresh { .. } => return Readiness::default(),
    };
    with_tcp(|tcp, _| {
        let r = tcp.readiness(handle);
        Readiness {
            readable: r.readable,
            writable: r.writable,
            hangup: r.hangup,
            error: r.error,
        }
    })
    .unwrap_or(Readiness {
        error: true,
        ..Default::default()
    })
}
// ANCHOR_END: readiness

// ANCHOR: close
/// The last descriptor is gone: close gracefully (a stream still sends its
/// queued data and its FIN; the table frees it when the handshake ends).
pub fn close(socket: &mut TcpSocket) {
    let (handle, listening) = match *socket {
        TcpSocket::Stream { handle, .. } => (handle, false),
        TcpSocket::Listening(handle) => (handle, true),
        TcpSocket::Fresh { .. } => return,
    };
    let to_send = with_tcp(|tcp, now| {
        let _ = tcp.close(handle, now);
        // A listener's children get resets; a connection may have its FIN
        // (or a reset) to send, or nothing at all: one that was already in
        // TIME-WAIT has become a record.
        listening || tcp.has_output(handle)
    });
    if to_send.unwrap_or(false) {
        kick();
    }
}
// ANCHOR_END: close
