//! tcpblast: bulk transfers for the network benchmarks (tools/net_bench.py).
//!
//! - `tcpblast send IP PORT MIB`: connect to IP:PORT, send MIB MiB, close;
//! - `tcpblast recv PORT [COUNT]`: accept connections on PORT one after
//!   another (COUNT of them, or forever), read each to its end, close it;
//! - `tcpblast udprecv PORT`: read UDP datagrams on PORT forever, and after
//!   each second without one, say how many came since the last report.
//!
//! Each transfer ends with one line, `tcpblast: sent|received N bytes in
//! T ms (R MB/s)`, MB being 10^6 bytes, timed from the connection (or the
//! first byte) to the end.
#![no_std]
#![no_main]

use libsys::abi::{O_NONBLOCK, POLLIN, PollFd, SOCK_DGRAM, SOCK_STREAM, SocketAddr};
use libsys::{Args, Errno, eprintln, println};

const CHUNK: usize = 16 * 1024;

fn parse_ip(text: &str) -> Option<[u8; 4]> {
    let mut ip = [0u8; 4];
    let mut parts = text.split('.');
    for byte in ip.iter_mut() {
        *byte = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(ip)
}

fn report(verb: &str, bytes: u64, started_ns: u64) {
    let ns = libsys::time_ns().saturating_sub(started_ns).max(1);
    let mb_s = bytes as f64 * 1000.0 / ns as f64;
    println!(
        "tcpblast: {} {} bytes in {} ms ({:.2} MB/s)",
        verb,
        bytes,
        ns / 1_000_000,
        mb_s
    );
}

fn send(ip: [u8; 4], port: u16, mib: u64) -> Result<(), Errno> {
    let fd = libsys::socket(SOCK_STREAM, 0)?;
    let started = libsys::time_ns();
    libsys::connect(fd, &SocketAddr::new(ip, port))?;
    let mut buffer = [0u8; CHUNK];
    for (i, b) in buffer.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    let total = mib << 20;
    let mut sent = 0u64;
    while sent < total {
        let n = (total - sent).min(CHUNK as u64) as usize;
        sent += libsys::write(fd, &buffer[..n])? as u64;
    }
    libsys::close(fd)?;
    report("sent", sent, started);
    Ok(())
}

fn recv(port: u16, count: Option<u64>) -> Result<(), Errno> {
    let listener = libsys::socket(SOCK_STREAM, 0)?;
    libsys::setsockopt(listener, libsys::abi::SO_REUSEADDR, 1)?;
    libsys::bind(listener, &SocketAddr::new([0, 0, 0, 0], port))?;
    libsys::listen(listener, 4)?;
    println!("tcpblast: listening on TCP port {}", port);
    let mut buffer = [0u8; CHUNK];
    let mut served = 0;
    while count.is_none_or(|c| served < c) {
        let (fd, _) = libsys::accept(listener)?;
        let started = libsys::time_ns();
        let mut received = 0u64;
        loop {
            match libsys::read(fd, &mut buffer) {
                Ok(0) => break,
                Ok(n) => received += n as u64,
                Err(e) => {
                    eprintln!("tcpblast: read: {}", e);
                    break;
                }
            }
        }
        let _ = libsys::close(fd);
        report("received", received, started);
        served += 1;
    }
    Ok(())
}

fn udp_recv(port: u16) -> Result<(), Errno> {
    let fd = libsys::socket(SOCK_DGRAM, O_NONBLOCK)?;
    libsys::bind(fd, &SocketAddr::new([0, 0, 0, 0], port))?;
    println!("tcpblast: listening on UDP port {}", port);
    let mut buffer = [0u8; 2048];
    let (mut datagrams, mut bytes) = (0u64, 0u64);
    loop {
        // Drain the queue, then wait: one system call per datagram, and
        // one more per burst.
        match libsys::recvfrom(fd, &mut buffer) {
            Ok((n, _)) => {
                datagrams += 1;
                bytes += n as u64;
                continue;
            }
            Err(Errno::EAGAIN) => {}
            Err(e) => return Err(e),
        }
        let mut fds = [PollFd {
            fd: fd as i32,
            events: POLLIN,
            revents: 0,
        }];
        if libsys::poll(&mut fds, 1000)? == 0 && datagrams > 0 {
            println!(
                "tcpblast: received {} datagrams, {} bytes",
                datagrams, bytes
            );
            (datagrams, bytes) = (0, 0);
        }
    }
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    let port = |i: usize| number(i).and_then(|p| u16::try_from(p).ok());
    let result = match (args.get(1), args.len()) {
        (Some("send"), 5) => match (args.get(2).and_then(parse_ip), port(3), number(4)) {
            (Some(ip), Some(p), Some(mib)) => send(ip, p, mib),
            _ => Err(Errno::EINVAL),
        },
        (Some("recv"), 3 | 4) => match port(2) {
            Some(p) => recv(p, number(3)),
            None => Err(Errno::EINVAL),
        },
        (Some("udprecv"), 3) => match port(2) {
            Some(p) => udp_recv(p),
            None => Err(Errno::EINVAL),
        },
        _ => {
            eprintln!("usage: tcpblast send IP PORT MIB | recv PORT [COUNT] | udprecv PORT");
            return 2;
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tcpblast: {}", e);
            1
        }
    }
}
