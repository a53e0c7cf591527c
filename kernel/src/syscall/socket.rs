//! System calls about sockets (the BSD socket interface, IPv4 only).
//!
//! A socket is a file descriptor (`FileObject::Socket`), so `read`, `write`,
//! `close` and `poll` come from `file.rs`; this file has the calls that only
//! sockets have. Addresses cross the boundary as `libsys::abi::SocketAddr`.

use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table::{install, my_file};
use crate::fs::file::{File, FileObject};
use crate::proc::with_my_space;
use crate::socket::{Socket, tcp, udp};
use alloc::sync::Arc;
use core::net::{Ipv4Addr, SocketAddrV4};
use libsys::Errno;
use libsys::abi::{
    AF_INET, O_NONBLOCK, SHUT_RD, SHUT_RDWR, SHUT_WR, SO_REUSEADDR, SOCK_DGRAM, SOCK_STREAM,
    SocketAddr, TcpSocketInfo,
};

// ANCHOR: addresses
fn read_address(user: u64) -> Result<SocketAddrV4, Errno> {
    let address: SocketAddr = with_my_space(|space| space.read_value(user))?;
    if address.family as u32 != AF_INET {
        return Err(Errno::EAFNOSUPPORT);
    }
    Ok(SocketAddrV4::new(
        Ipv4Addr::from(address.addr),
        address.port,
    ))
}

fn write_address(user: u64, address: SocketAddrV4) -> Result<(), Errno> {
    if user == 0 {
        return Ok(());
    }
    let value = SocketAddr::new(address.ip().octets(), address.port());
    // SAFETY: `SocketAddr` is plain `repr(C)` data.
    let bytes = unsafe {
        core::slice::from_raw_parts(&value as *const _ as *const u8, size_of::<SocketAddr>())
    };
    with_my_space(|space| space.copy_out(user, bytes))
}
// ANCHOR_END: addresses

/// The socket behind descriptor `fd` (ENOTSOCK if it is something else).
fn socket_of(file: &File) -> Result<&Socket, Errno> {
    match &file.object {
        FileObject::Socket(socket) => Ok(socket),
        _ => Err(Errno::ENOTSOCK),
    }
}

pub fn socket(frame: &mut TrapFrame) -> SysResult {
    let (domain, kind, flags) = (
        frame.arg(0) as u32,
        frame.arg(1) as u32,
        frame.arg(2) as u32,
    );
    if domain != AF_INET {
        return Err(Errno::EAFNOSUPPORT);
    }
    let socket = match kind {
        SOCK_STREAM => Socket::new_tcp(),
        SOCK_DGRAM => Socket::new_udp(),
        _ => return Err(Errno::EPROTONOSUPPORT),
    };
    let file = File::new(FileObject::Socket(socket), true, true);
    file.set_nonblocking(flags & O_NONBLOCK != 0);
    Ok(install(Arc::new(file))? as u64)
}

pub fn bind(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let local = read_address(frame.arg(1))?;
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::bind(s, local)?,
        Socket::Udp(s) => udp::bind(s, local)?,
    }
    Ok(0)
}

pub fn listen(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::listen(s, frame.arg(1) as usize)?,
        Socket::Udp(_) => return Err(Errno::EOPNOTSUPP),
    }
    Ok(0)
}

// ANCHOR: accept
pub fn accept(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let Socket::Tcp(listener) = socket_of(&file)? else {
        return Err(Errno::EOPNOTSUPP);
    };
    // Check where the peer's address goes *before* taking a connection off
    // the queue: afterwards, a bad pointer would leave the program with an
    // open connection it was never told about.
    let peer_out = frame.arg(1);
    if peer_out != 0 {
        with_my_space(|space| space.check_range(peer_out, size_of::<SocketAddr>() as u64, true))?;
    }
    let (socket, peer) = tcp::accept(listener, file.is_nonblocking())?;
    let new_file = Arc::new(File::new(FileObject::Socket(socket), true, true));
    let fd = install(new_file)?;
    write_address(frame.arg(1), peer)?;
    Ok(fd as u64)
}
// ANCHOR_END: accept

pub fn connect(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let remote = read_address(frame.arg(1))?;
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::connect(s, remote, file.is_nonblocking())?,
        Socket::Udp(s) => udp::connect(s, remote)?,
    }
    Ok(0)
}

pub fn sendto(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let (buffer, length, to) = (frame.arg(1), frame.arg(2) as usize, frame.arg(3));
    let mut data = alloc::vec::Vec::new();
    data.try_reserve_exact(length.min(64 * 1024))
        .map_err(|_| Errno::ENOMEM)?;
    data.resize(length.min(64 * 1024), 0);
    with_my_space(|space| space.copy_in(&mut data, buffer))?;
    let sent = match socket_of(&file)? {
        Socket::Udp(s) => {
            let to = if to == 0 {
                None
            } else {
                Some(read_address(to)?)
            };
            udp::send(s, &data, to)?
        }
        Socket::Tcp(s) => tcp::send(s, &data, file.is_nonblocking())?,
    };
    Ok(sent as u64)
}

pub fn recvfrom(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let (buffer, length, from) = (frame.arg(1), frame.arg(2) as usize, frame.arg(3));
    with_my_space(|space| space.check_range(buffer, length as u64, true))?;
    let mut data = alloc::vec![0u8; length.min(64 * 1024)];
    let (n, sender) = match socket_of(&file)? {
        Socket::Udp(s) => udp::receive(s, &mut data, file.is_nonblocking())?,
        Socket::Tcp(s) => {
            let n = tcp::receive(s, &mut data, file.is_nonblocking())?;
            (n, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
        }
    };
    with_my_space(|space| space.copy_out(buffer, &data[..n]))?;
    write_address(from, sender)?;
    Ok(n as u64)
}

pub fn shutdown(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let (read, write) = match frame.arg(1) as u32 {
        SHUT_RD => (true, false),
        SHUT_WR => (false, true),
        SHUT_RDWR => (true, true),
        _ => return Err(Errno::EINVAL),
    };
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::shutdown(s, read, write)?,
        Socket::Udp(_) => return Err(Errno::EOPNOTSUPP),
    }
    Ok(0)
}

pub fn setsockopt(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    match (socket_of(&file)?, frame.arg(1) as u32) {
        (Socket::Tcp(s), SO_REUSEADDR) => tcp::set_reuse_address(s, frame.arg(2) != 0)?,
        (Socket::Udp(_), SO_REUSEADDR) => {}
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// Every TCP socket of the system, for `netstat` and the web pages.
pub fn tcpinfo(frame: &mut TrapFrame) -> SysResult {
    let capacity = (frame.arg(1) as usize).min(1024);
    let infos = crate::socket::stack::with_interface(|iface, _| {
        let Some(tcp) = iface.tcp() else {
            return alloc::vec::Vec::new();
        };
        tcp.sockets()
            .take(capacity)
            .map(|s| to_abi(&s))
            .collect::<alloc::vec::Vec<_>>()
    })?;
    // SAFETY: `TcpSocketInfo` is plain `repr(C)` data.
    let bytes = unsafe {
        core::slice::from_raw_parts(
            infos.as_ptr() as *const u8,
            infos.len() * size_of::<TcpSocketInfo>(),
        )
    };
    with_my_space(|space| space.copy_out(frame.arg(0), bytes))?;
    Ok(infos.len() as u64)
}

fn to_abi(s: &net::tcp::SocketInfo) -> TcpSocketInfo {
    let address = |a: SocketAddrV4| SocketAddr::new(a.ip().octets(), a.port());
    let mut state = [0u8; 12];
    let name = alloc::format!("{}", s.state);
    let len = name.len().min(12);
    state[..len].copy_from_slice(&name.as_bytes()[..len]);
    TcpSocketInfo {
        local: address(s.local),
        remote: s.remote.map(address).unwrap_or_default(),
        state,
        send_queue: s.send_queue as u32,
        receive_queue: s.recv_queue as u32,
        rto_ms: s.rto.millis() as u32,
        srtt_ms: s.srtt.map_or(0, |d| d.millis()) as u32,
        cwnd: s.cwnd as u32,
        _pad: 0,
    }
}
