//! nc: read and write a TCP connection from the terminal.
//!
//! - `nc HOST PORT`: connect to HOST (an IPv4 address) and PORT.
//! - `nc -l PORT`: wait for one connection on PORT.
//!
//! Then everything typed (standard input) goes to the other side, and
//! everything that comes back goes to standard output, until both sides are
//! done. One `poll` over the two descriptors does it all.
#![no_std]
#![no_main]

use libsys::abi::{POLLERR, POLLHUP, POLLIN, PollFd, SHUT_WR, SOCK_STREAM, SocketAddr};
use libsys::io::write_all;
use libsys::{Args, eprintln};

pub fn parse_ip(text: &str) -> Option<[u8; 4]> {
    let mut ip = [0u8; 4];
    let mut parts = text.split('.');
    for byte in ip.iter_mut() {
        *byte = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(ip)
}

fn open(args: &Args) -> Result<usize, &'static str> {
    let socket = libsys::socket(SOCK_STREAM, 0).map_err(|_| "socket failed")?;
    if args.get(1) == Some("-l") {
        let port = args
            .get(2)
            .and_then(|p| p.parse().ok())
            .ok_or("usage: nc -l PORT")?;
        libsys::setsockopt(socket, libsys::abi::SO_REUSEADDR, 1)
            .map_err(|_| "setsockopt failed")?;
        libsys::bind(socket, &SocketAddr::new([0, 0, 0, 0], port)).map_err(|_| "bind failed")?;
        libsys::listen(socket, 1).map_err(|_| "listen failed")?;
        let (connection, _) = libsys::accept(socket).map_err(|_| "accept failed")?;
        let _ = libsys::close(socket);
        Ok(connection)
    } else {
        let ip = args
            .get(1)
            .and_then(parse_ip)
            .ok_or("usage: nc HOST PORT  or  nc -l PORT")?;
        let port = args
            .get(2)
            .and_then(|p| p.parse().ok())
            .ok_or("usage: nc HOST PORT")?;
        libsys::connect(socket, &SocketAddr::new(ip, port)).map_err(|e| e.description())?;
        Ok(socket)
    }
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let socket = match open(&args) {
        Ok(fd) => fd,
        Err(message) => {
            eprintln!("nc: {}", message);
            return 1;
        }
    };
    let mut buffer = [0u8; 4096];
    let mut input_open = true;
    loop {
        let mut fds = [
            PollFd {
                fd: socket as i32,
                events: POLLIN,
                revents: 0,
            },
            PollFd {
                fd: if input_open { 0 } else { -1 },
                events: POLLIN,
                revents: 0,
            },
        ];
        if libsys::poll(&mut fds, -1).is_err() {
            return 1;
        }
        if fds[0].revents & (POLLIN | POLLHUP | POLLERR) != 0 {
            match libsys::read(socket, &mut buffer) {
                Ok(0) | Err(_) => return 0, // the other side is done
                Ok(n) => {
                    if write_all(1, &buffer[..n]).is_err() {
                        return 1;
                    }
                }
            }
        }
        if input_open && fds[1].revents & (POLLIN | POLLHUP) != 0 {
            match libsys::read(0, &mut buffer) {
                Ok(0) | Err(_) => {
                    // End of our input: tell the peer, keep reading its answer.
                    input_open = false;
                    let _ = libsys::shutdown(socket, SHUT_WR);
                }
                Ok(n) => {
                    if write_all(socket, &buffer[..n]).is_err() {
                        return 1;
                    }
                }
            }
        }
    }
}
