//! System calls about sockets (the BSD socket interface, IPv4 only).
//!
//! A socket is a file descriptor (`FileObject::Socket`), so `read`, `write`,
//! `close` and `poll` come from `file.rs`; this file has the calls that only
//! sockets have. Addresses cross the boundary as `libsys::abi::SocketAddr`.

use super::SysResult;
use crate::fs::fd_table::{install, my_file};
use crate::fs::file::{File, FileObject};
use crate::mem::user::UserPtr;
use crate::proc::with_my_space;
use crate::socket::{Socket, tcp, udp};
use core::net::{Ipv4Addr, SocketAddrV4};
use libsys::Errno;
use libsys::abi::{
    AF_INET, O_NONBLOCK, SHUT_RD, SHUT_RDWR, SHUT_WR, SO_REUSEADDR, SOCK_DGRAM, SOCK_STREAM,
    SocketAddr, TcpSocketInfo,
};

// ANCHOR: addresses
fn read_address(user: UserPtr<SocketAddr>) -> Result<SocketAddrV4, Errno> {
    let address = with_my_space(|space| space.read(user))?;
    if address.family as u32 != AF_INET {
        return Err(Errno::EAFNOSUPPORT);
    }
    Ok(SocketAddrV4::new(
        Ipv4Addr::from(address.addr),
        address.port,
    ))
}

fn write_address(user: UserPtr<SocketAddr>, address: SocketAddrV4) -> Result<(), Errno> {
    if user.is_null() {
        return Ok(());
    }
    let value = SocketAddr::new(address.ip().octets(), address.port());
    with_my_space(|space| space.write(user, &value))
}
// ANCHOR_END: addresses

/// The socket behind descriptor `fd` (ENOTSOCK if it is something else).
fn socket_of(file: &File) -> Result<&Socket, Errno> {
    match &file.object {
        FileObject::Socket(socket) => Ok(socket),
        _ => Err(Errno::ENOTSOCK),
    }
}

pub fn socket(domain: u32, kind: u32, flags: u32) -> SysResult {
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
    Ok(install(file.into_shared()?)? as u64)
}

pub fn bind(fd: usize, address: UserPtr<SocketAddr>) -> SysResult {
    let file = my_file(fd)?;
    let local = read_address(address)?;
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::bind(s, local)?,
        Socket::Udp(s) => udp::bind(s, local)?,
    }
    Ok(0)
}

pub fn listen(fd: usize, backlog: usize) -> SysResult {
    let file = my_file(fd)?;
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::listen(s, backlog)?,
        Socket::Udp(_) => return Err(Errno::EOPNOTSUPP),
    }
    Ok(0)
}

// ANCHOR: accept
pub fn accept(fd: usize, address_out: UserPtr<SocketAddr>) -> SysResult {
    let file = my_file(fd)?;
    let Socket::Tcp(listener) = socket_of(&file)? else {
        return Err(Errno::EOPNOTSUPP);
    };
    // Check where the peer's address goes *before* taking a connection off
    // the queue: afterwards, a bad pointer would leave the program with an
    // open connection it was never told about.
    if !address_out.is_null() {
        with_my_space(|space| space.check(address_out.range(1)?, true))?;
    }
    let (socket, peer) = tcp::accept(listener, file.is_nonblocking())?;
    let new_file = File::new(FileObject::Socket(socket), true, true).into_shared()?;
    let fd = install(new_file)?;
    write_address(address_out, peer)?;
    Ok(fd as u64)
}
// ANCHOR_END: accept

pub fn connect(fd: usize, address: UserPtr<SocketAddr>) -> SysResult {
    let file = my_file(fd)?;
    let remote = read_address(address)?;
    match socket_of(&file)? {
        Socket::Tcp(s) => tcp::connect(s, remote, file.is_nonblocking())?,
        Socket::Udp(s) => udp::connect(s, remote)?,
    }
    Ok(0)
}

pub fn sendto(
    fd: usize,
    buffer: UserPtr<u8>,
    length: usize,
    address: UserPtr<SocketAddr>,
) -> SysResult {
    let file = my_file(fd)?;
    let source = buffer.range(length)?;
    let mut data = alloc::vec::Vec::new();
    data.try_reserve_exact(length.min(64 * 1024))
        .map_err(|_| Errno::ENOMEM)?;
    data.resize(length.min(64 * 1024), 0);
    with_my_space(|space| space.copy_in(&mut data, source))?;
    let sent = match socket_of(&file)? {
        Socket::Udp(s) => {
            let to = if address.is_null() {
                None
            } else {
                Some(read_address(address)?)
            };
            udp::send(s, &data, to)?
        }
        Socket::Tcp(s) => tcp::send(s, &data, file.is_nonblocking())?,
    };
    Ok(sent as u64)
}

// ANCHOR: sendfile
/// `sendfile(socket, file, offset, length)`: up to 64 KiB of a file, from
/// `offset`, on a connected TCP socket. The bytes go from the file (the
/// initrd's memory, for the httpd's pages) straight into the socket's send
/// buffer: one copy, where `read` and then `sendto` make four (file to
/// kernel buffer to program, program to kernel buffer to send buffer).
/// The file's offset is neither used nor moved. Returns what was queued;
/// 0 at the end of the file.
pub fn sendfile(socket: usize, file: usize, offset: u64, length: usize) -> SysResult {
    let out = my_file(socket)?;
    let Socket::Tcp(s) = socket_of(&out)? else {
        return Err(Errno::EINVAL); // a datagram has no stream to append to
    };
    let bytes = my_file(file)?.bytes_at(offset, length.min(64 * 1024))?;
    if bytes.is_empty() {
        return Ok(0);
    }
    Ok(tcp::send(s, &bytes, out.is_nonblocking())? as u64)
}
// ANCHOR_END: sendfile

pub fn recvfrom(
    fd: usize,
    buffer: UserPtr<u8>,
    length: usize,
    address_out: UserPtr<SocketAddr>,
) -> SysResult {
    let file = my_file(fd)?;
    let destination = buffer.range(length)?;
    with_my_space(|space| space.check(destination, true))?;
    let most = length.min(64 * 1024);
    let mut data = alloc::vec::Vec::new();
    data.try_reserve_exact(most).map_err(|_| Errno::ENOMEM)?;
    let (n, sender) = match socket_of(&file)? {
        Socket::Udp(s) => {
            data.resize(most, 0);
            udp::receive(s, &mut data, file.is_nonblocking())?
        }
        Socket::Tcp(s) => {
            let n = tcp::receive_into(s, &mut data, most, file.is_nonblocking())?;
            (n, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
        }
    };
    with_my_space(|space| space.copy_out(destination, &data[..n]))?;
    write_address(address_out, sender)?;
    Ok(n as u64)
}

pub fn shutdown(fd: usize, how: u32) -> SysResult {
    let file = my_file(fd)?;
    let (read, write) = match how {
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

pub fn setsockopt(fd: usize, option: u32, value: usize) -> SysResult {
    let file = my_file(fd)?;
    match (socket_of(&file)?, option) {
        (Socket::Tcp(s), SO_REUSEADDR) => tcp::set_reuse_address(s, value != 0)?,
        (Socket::Udp(_), SO_REUSEADDR) => {}
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// Every TCP socket of the system, for `netstat` and the web pages.
pub fn tcpinfo(buffer: UserPtr<TcpSocketInfo>, capacity: usize) -> SysResult {
    let capacity = capacity.min(1024);
    let infos = crate::netstack::with_interface(|iface, _| {
        let Some(tcp) = iface.tcp() else {
            return alloc::vec::Vec::new();
        };
        tcp.sockets()
            .take(capacity)
            .map(|s| to_abi(&s))
            .collect::<alloc::vec::Vec<_>>()
    })?;
    with_my_space(|space| space.write_slice(buffer, &infos))?;
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
