//! tcpecho [PORT]: a TCP echo server for many clients at once, in one
//! process, with `poll`.
//!
//! The listening socket and every connection are non-blocking and all sit
//! in one `poll` list. When the listener is readable, a client is waiting:
//! accept it. When a connection is readable, read what came and write it
//! back. A real server would also wait for POLLOUT when a client reads
//! slowly; an echo server can simply write back before reading more.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::abi::{O_NONBLOCK, POLLERR, POLLHUP, POLLIN, PollFd, SOCK_STREAM, SocketAddr};
use libsys::{Args, Errno, eprintln, println};

const MAX_CLIENTS: usize = 250;

fn write_all(fd: usize, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        match libsys::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EAGAIN) => {
                // The client reads slowly: wait until it can take more.
                let mut one = [PollFd {
                    fd: fd as i32,
                    events: libsys::abi::POLLOUT,
                    revents: 0,
                }];
                libsys::poll(&mut one, 1000)?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(7);
    let listener = match libsys::socket(SOCK_STREAM, O_NONBLOCK) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("tcpecho: socket: {}", e);
            return 1;
        }
    };
    let setup = libsys::setsockopt(listener, libsys::abi::SO_REUSEADDR, 1)
        .and_then(|()| libsys::bind(listener, &SocketAddr::new([0, 0, 0, 0], port)))
        .and_then(|()| libsys::listen(listener, 128));
    if let Err(e) = setup {
        eprintln!("tcpecho: cannot listen on port {}: {}", port, e);
        return 1;
    }
    println!("tcpecho: listening on TCP port {}", port);
    // ANCHOR: event_loop
    let mut clients: Vec<usize> = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let mut fds: Vec<PollFd> = Vec::with_capacity(clients.len() + 1);
        fds.push(PollFd {
            fd: listener as i32,
            events: POLLIN,
            revents: 0,
        });
        fds.extend(clients.iter().map(|&c| PollFd {
            fd: c as i32,
            events: POLLIN,
            revents: 0,
        }));
        if let Err(e) = libsys::poll(&mut fds, -1) {
            eprintln!("tcpecho: poll: {}", e);
            return 1;
        }
        if fds[0].revents & POLLIN != 0 {
            while let Ok((client, _peer)) = libsys::accept(listener) {
                if clients.len() == MAX_CLIENTS {
                    let _ = libsys::close(client);
                } else {
                    let _ = libsys::fcntl(client, libsys::abi::F_SETFL, O_NONBLOCK);
                    clients.push(client);
                }
            }
        }
        let mut finished = Vec::new();
        for entry in &fds[1..] {
            if entry.revents & (POLLIN | POLLHUP | POLLERR) == 0 {
                continue;
            }
            let fd = entry.fd as usize;
            match libsys::read(fd, &mut buffer) {
                Ok(0) => finished.push(fd),
                Ok(n) => {
                    if write_all(fd, &buffer[..n]).is_err() {
                        finished.push(fd);
                    }
                }
                Err(Errno::EAGAIN) => {}
                Err(e) => {
                    eprintln!("tcpecho: a client's connection failed: {}", e);
                    finished.push(fd);
                }
            }
        }
        for fd in finished {
            let _ = libsys::close(fd);
            clients.retain(|&c| c != fd);
        }
    }
    // ANCHOR_END: event_loop
}
