//! Sockets, as far as they can be tested from inside the guest: creation
//! and address errors, listening, non-blocking calls, a refused connection
//! (QEMU's user network answers for 10.0.2.2), bad pointers. Traffic with
//! real peers is tested from the host (tools/net_test.py).

use crate::syscall;
use crate::{TestResult, check, in_child};
use libsys::Errno;
use libsys::abi::{
    FileKind, O_NONBLOCK, O_RDONLY, POLLIN, PollFd, SEEK_CUR, SOCK_DGRAM, SOCK_STREAM, SocketAddr,
};
use libsys::syscalls::nr;

fn err(e: Errno) -> alloc::string::String {
    alloc::format!("{e}")
}

const ANY: [u8; 4] = [0, 0, 0, 0];
const HOST: [u8; 4] = [10, 0, 2, 2];

pub fn creation_errors() -> TestResult {
    check!(syscall(nr::socket, &[99, SOCK_STREAM as usize, 0]) == Errno::EAFNOSUPPORT.as_return());
    check!(syscall(nr::socket, &[2, 77, 0]) == Errno::EPROTONOSUPPORT.as_return());
    let fd = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    check!(libsys::fstat(fd).map_err(err)?.kind == FileKind::Socket as u8);
    libsys::close(fd).map_err(err)?;
    let (r, w) = libsys::pipe().map_err(err)?;
    check!(libsys::listen(r, 1) == Err(Errno::ENOTSOCK));
    check!(libsys::bind(w, &SocketAddr::new(ANY, 1)) == Err(Errno::ENOTSOCK));
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    Ok(())
}

pub fn listen_rules() -> TestResult {
    let a = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    check!(
        libsys::listen(a, 4) == Err(Errno::EINVAL),
        "listen before bind"
    );
    libsys::bind(a, &SocketAddr::new(ANY, 5555)).map_err(err)?;
    libsys::listen(a, 4).map_err(err)?;
    let b = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    check!(libsys::bind(b, &SocketAddr::new(ANY, 5555)) == Err(Errno::EADDRINUSE));
    check!(libsys::recvfrom(a, &mut [0u8; 4]).map(|(n, _)| n) == Err(Errno::ENOTCONN));
    check!(libsys::write(b, b"x") == Err(Errno::ENOTCONN));
    libsys::close(a).map_err(err)?;
    libsys::close(b).map_err(err)?;
    Ok(())
}

pub fn nonblocking_accept() -> TestResult {
    let fd = libsys::socket(SOCK_STREAM, O_NONBLOCK).map_err(err)?;
    libsys::bind(fd, &SocketAddr::new(ANY, 5556)).map_err(err)?;
    libsys::listen(fd, 4).map_err(err)?;
    check!(libsys::accept(fd).map(|(fd, _)| fd) == Err(Errno::EAGAIN));
    let mut fds = [PollFd {
        fd: fd as i32,
        events: POLLIN,
        revents: 0,
    }];
    check!(
        libsys::poll(&mut fds, 20) == Ok(0),
        "an idle listener is readable"
    );
    libsys::close(fd).map_err(err)?;
    Ok(())
}

/// Nothing listens on the host's port 1: QEMU answers our SYN with a reset.
pub fn connection_refused() -> TestResult {
    let fd = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    let result = libsys::connect(fd, &SocketAddr::new(HOST, 1));
    libsys::close(fd).map_err(err)?;
    check!(
        result == Err(Errno::ECONNREFUSED),
        "connect gave {result:?}"
    );
    Ok(())
}

pub fn udp_basics() -> TestResult {
    let fd = libsys::socket(SOCK_DGRAM, O_NONBLOCK).map_err(err)?;
    check!(
        libsys::sendto(fd, b"x", None) == Err(Errno::ENOTCONN),
        "sendto without an address"
    );
    check!(libsys::sendto(fd, b"hello", Some(&SocketAddr::new(HOST, 9))) == Ok(5));
    check!(libsys::recvfrom(fd, &mut [0u8; 16]).map(|(n, _)| n) == Err(Errno::EAGAIN));
    let other = libsys::socket(SOCK_DGRAM, 0).map_err(err)?;
    libsys::bind(other, &SocketAddr::new(ANY, 5557)).map_err(err)?;
    check!(
        libsys::bind(fd, &SocketAddr::new(ANY, 5557)) == Err(Errno::EINVAL),
        "rebinding a bound socket"
    );
    let third = libsys::socket(SOCK_DGRAM, 0).map_err(err)?;
    check!(libsys::bind(third, &SocketAddr::new(ANY, 5557)) == Err(Errno::EADDRINUSE));
    for f in [fd, other, third] {
        libsys::close(f).map_err(err)?;
    }
    Ok(())
}

pub fn bad_address_pointers() -> TestResult {
    let fd = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    for bad in [0usize, 0xffff_8000_0000_0000] {
        check!(
            syscall(nr::bind, &[fd, bad]) == Errno::EFAULT.as_return(),
            "bind at {bad:#x}"
        );
        check!(
            syscall(nr::connect, &[fd, bad]) == Errno::EFAULT.as_return(),
            "connect at {bad:#x}"
        );
    }
    // accept checks where the peer's address goes before taking a
    // connection, so a bad pointer is refused even with an empty queue.
    let listener = libsys::socket(SOCK_STREAM, O_NONBLOCK).map_err(err)?;
    libsys::bind(listener, &SocketAddr::new(ANY, 5559)).map_err(err)?;
    libsys::listen(listener, 1).map_err(err)?;
    check!(
        syscall(nr::accept, &[listener, 0xffff_8000_0000_0000]) == Errno::EFAULT.as_return(),
        "accept into the kernel"
    );
    check!(
        syscall(nr::accept, &[listener, 0]) == Errno::EAGAIN.as_return(),
        "accept without an address"
    );
    libsys::close(listener).map_err(err)?;
    let udp = libsys::socket(SOCK_DGRAM, 0).map_err(err)?;
    let ret = syscall(
        nr::sendto,
        &[udp, b"x".as_ptr() as usize, 1, 0xffff_8000_0000_0000],
    );
    check!(
        ret == Errno::EFAULT.as_return(),
        "sendto with a kernel address"
    );
    libsys::close(fd).map_err(err)?;
    libsys::close(udp).map_err(err)?;
    Ok(())
}

/// `sendfile` puts a file's bytes on a TCP socket: here one connected to
/// ourselves over 127.0.0.1, the bytes compared with what `read` returns;
/// then its errors.
pub fn sendfile_to_a_socket() -> TestResult {
    const LOCALHOST: [u8; 4] = [127, 0, 0, 1];
    let listener = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    libsys::bind(listener, &SocketAddr::new(LOCALHOST, 5561)).map_err(err)?;
    libsys::listen(listener, 1).map_err(err)?;
    let client = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    libsys::connect(client, &SocketAddr::new(LOCALHOST, 5561)).map_err(err)?;
    let (server, _) = libsys::accept(listener).map_err(err)?;

    let mut expected = alloc::vec![0u8; 8192];
    let reader = libsys::open("/bin/hello", O_RDONLY).map_err(err)?;
    let size = libsys::read(reader, &mut expected).map_err(err)?;
    libsys::close(reader).map_err(err)?;
    check!(size > 3100, "/bin/hello has only {size} bytes");
    let file = libsys::open("/bin/hello", O_RDONLY).map_err(err)?;
    check!(libsys::sendfile(server, file, 100, 3000) == Ok(3000));
    let mut got = alloc::vec::Vec::new();
    let mut buffer = [0u8; 1024];
    while got.len() < 3000 {
        let (n, _) = libsys::recvfrom(client, &mut buffer).map_err(err)?;
        check!(n > 0, "the stream ended after {} bytes", got.len());
        got.extend_from_slice(&buffer[..n]);
    }
    check!(got[..] == expected[100..3100], "the bytes differ");
    check!(
        libsys::lseek(file, 0, SEEK_CUR) == Ok(0),
        "the file's offset moved"
    );
    let end = libsys::fstat(file).map_err(err)?.size;
    check!(
        libsys::sendfile(server, file, end, 10) == Ok(0),
        "past the end"
    );
    check!(
        libsys::sendfile(server, file, u64::MAX, usize::MAX) == Ok(0),
        "the largest offset is past the end"
    );

    check!(libsys::sendfile(file, file, 0, 10) == Err(Errno::ENOTSOCK));
    check!(libsys::sendfile(server, 99, 0, 10) == Err(Errno::EBADF));
    let directory = libsys::open("/bin", O_RDONLY).map_err(err)?;
    check!(libsys::sendfile(server, directory, 0, 10) == Err(Errno::EISDIR));
    let udp = libsys::socket(SOCK_DGRAM, 0).map_err(err)?;
    check!(libsys::sendfile(udp, file, 0, 10) == Err(Errno::EINVAL));
    for fd in [udp, directory, file, server, client, listener] {
        libsys::close(fd).map_err(err)?;
    }
    Ok(())
}

/// A process that exits with a listening socket releases its port.
pub fn exit_closes_sockets() -> TestResult {
    fn child() -> i32 {
        let Ok(fd) = libsys::socket(SOCK_STREAM, 0) else {
            return 1;
        };
        if libsys::bind(fd, &SocketAddr::new(ANY, 5558)).is_err() || libsys::listen(fd, 1).is_err()
        {
            return 2;
        }
        0 // exit without closing
    }
    check!(in_child(child)? == 0);
    let fd = libsys::socket(SOCK_STREAM, 0).map_err(err)?;
    libsys::bind(fd, &SocketAddr::new(ANY, 5558)).map_err(err)?;
    libsys::listen(fd, 1).map_err(err)?;
    libsys::close(fd).map_err(err)?;
    Ok(())
}
