//! UDP socket operations: datagrams, each sent and received whole.

use super::Socket;
use super::errors::from_net;
use super::object::UdpSocket;
use crate::fs::file::FileObject;
use crate::netstack::{kick, wait_until, with_interface};
use crate::sync::SpinLock;
use core::net::{Ipv4Addr, SocketAddrV4};
use libsys::Errno;

/// UDP ports one process may hold: a quarter of the system's
/// `net::iface::udp::MAX_SOCKETS`, so no single program can take them all.
pub const MAX_UDP_PER_PROCESS: usize = 16;

/// Binds to `local` (port 0: any free port).
pub fn bind(socket: &SpinLock<UdpSocket>, local: SocketAddrV4) -> Result<(), Errno> {
    let bound_by_me = crate::fs::fd_table::mine().count(|file| match &file.object {
        FileObject::Socket(Socket::Udp(s)) => s.lock().handle.is_some(),
        _ => false,
    });
    if bound_by_me >= MAX_UDP_PER_PROCESS {
        return Err(Errno::EMFILE);
    }
    let mut socket = socket.lock();
    if socket.handle.is_some() {
        return Err(Errno::EINVAL);
    }
    let handle = with_interface(|iface, _| {
        if !local.ip().is_unspecified() && !iface.is_local(*local.ip()) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        iface.udp_bind(local.port()).map_err(from_net)
    })??;
    socket.handle = Some(handle);
    Ok(())
}

pub fn connect(socket: &SpinLock<UdpSocket>, peer: SocketAddrV4) -> Result<(), Errno> {
    socket.lock().peer = Some(peer);
    Ok(())
}

// ANCHOR: datagrams
/// Sends one datagram to `to` (or to the connected peer).
pub fn send(
    socket: &SpinLock<UdpSocket>,
    data: &[u8],
    to: Option<SocketAddrV4>,
) -> Result<usize, Errno> {
    let to = to.or(socket.lock().peer).ok_or(Errno::ENOTCONN)?;
    if socket.lock().handle.is_none() {
        bind(socket, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))?; // an ephemeral port
    }
    let handle = socket.lock().handle.ok_or(Errno::EINVAL)?;
    with_interface(|iface, now| iface.udp_send_to(handle, to, data, now).map_err(from_net))??;
    kick();
    Ok(data.len())
}

/// Receives one datagram into `buffer` (the rest of a longer one is lost,
/// as in UDP everywhere); returns its length and sender.
pub fn receive(
    socket: &SpinLock<UdpSocket>,
    buffer: &mut [u8],
    nonblocking: bool,
) -> Result<(usize, SocketAddrV4), Errno> {
    let handle = socket.lock().handle.ok_or(Errno::EINVAL)?;
    let (from, datagram) = wait_until(nonblocking, |iface, _| iface.udp_recv_from(handle))?;
    let n = datagram.len().min(buffer.len());
    buffer[..n].copy_from_slice(&datagram[..n]);
    Ok((n, from))
}
// ANCHOR_END: datagrams

pub fn readable(socket: &SpinLock<UdpSocket>) -> bool {
    let Some(handle) = socket.lock().handle else {
        return false;
    };
    with_interface(|iface, _| iface.udp_can_recv(handle)).unwrap_or(false)
}

pub fn close(socket: &mut UdpSocket) {
    if let Some(handle) = socket.handle.take() {
        let _ = with_interface(|iface, _| iface.udp_close(handle));
    }
}
