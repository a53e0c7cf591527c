//! httpd: the web server. `httpd [PORT]` (80 by default) serves the files
//! under /www and live pages about the system (/proc, /sched, /mem, /net,
//! and the same as JSON under /api/).
//!
//! One process, one thread, many connections: every socket is
//! non-blocking, and one `poll` waits for whichever can move on next (the
//! design of lwan, nginx and every event-driven server). This file owns the
//! event loop: the listening socket, accepting, the poll set, timeouts and
//! the connection limit. What a connection does on an event is in
//! `connection.rs`; HTTP itself is the `http` crate.
#![no_std]
#![no_main]

extern crate alloc;

mod connection;
mod files;
mod pages;
mod router;
mod site;

use alloc::vec::Vec;
use connection::{Connection, Progress};
use libsys::abi::{
    F_SETFL, MAX_FDS, O_NONBLOCK, POLLIN, PollFd, SO_REUSEADDR, SOCK_STREAM, SocketAddr,
};
use libsys::{Args, Errno, SysResult, eprintln, println};
use site::Site;

const DEFAULT_PORT: u16 = 80;

// ANCHOR: capacity
/// The most connections we serve at once; one more gets a 503.
const MAX_CONNECTIONS: usize = 128;
/// Descriptors that are not connections: standard input, output and
/// error, the listening socket, and one for reading a file.
const OTHER_FDS: usize = 5;
/// Connections beyond capacity that we accept only to answer 503; when
/// these are taken too, new clients wait in the kernel's accept queue.
const REFUSAL_SLOTS: usize = 2;
/// Every connection is a descriptor, and a process has `MAX_FDS`.
const CAPACITY: usize = min(MAX_CONNECTIONS, MAX_FDS - OTHER_FDS - REFUSAL_SLOTS);
// ANCHOR_END: capacity

const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

/// How many connections the kernel may hold for us before we accept them.
const BACKLOG: usize = 16;

struct Server {
    listener: usize,
    connections: Vec<Connection>,
    site: Site,
}

/// Closed once listening: init's "ready" signal (see init.rs).
const READY_FD: usize = 3;
/// Where the ready pipe is kept until then, out of the way of the
/// descriptors the server opens (the lowest free one would be 3 again).
const READY_KEPT_FD: usize = libsys::abi::MAX_FDS - 1;

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let port = match args.get(1).map(str::parse::<u16>) {
        None => DEFAULT_PORT,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: httpd [PORT]");
            return 2;
        }
    };
    // Started by init, descriptor 3 is the ready pipe; started from the
    // shell, it is free and the listener will take it. Tell them apart
    // before opening anything.
    let started_by_init = libsys::fstat(READY_FD)
        .is_ok_and(|stat| stat.kind == libsys::abi::FileKind::Pipe as u8)
        && libsys::dup2(READY_FD, READY_KEPT_FD).is_ok()
        && libsys::close(READY_FD).is_ok();
    let listener = match listen_on(port) {
        Ok(fd) => fd,
        Err(error) => {
            eprintln!("httpd: cannot listen on port {port}: {error}");
            return 1;
        }
    };
    println!("httpd: serving /www on port {port}, up to {CAPACITY} connections");
    // Tell init we are ready (it waits, so that this line comes before the
    // shell's first prompt).
    if started_by_init {
        let _ = libsys::close(READY_KEPT_FD);
    }
    let mut server = Server {
        listener,
        connections: Vec::new(),
        site: Site::default(),
    };
    server.site.stats.capacity = CAPACITY;
    server.run()
}

// ANCHOR: listen
/// socket, bind, listen: a TCP socket accepting connections on `port`.
fn listen_on(port: u16) -> SysResult<usize> {
    let fd = libsys::socket(SOCK_STREAM, O_NONBLOCK)?;
    // Restarting the server must not wait for old connections to leave
    // TIME-WAIT before the port can be bound again.
    libsys::setsockopt(fd, SO_REUSEADDR, 1)?;
    libsys::bind(fd, &SocketAddr::new([0, 0, 0, 0], port))?;
    libsys::listen(fd, BACKLOG)?;
    Ok(fd)
}
// ANCHOR_END: listen

impl Server {
    // ANCHOR: run
    fn run(&mut self) -> ! {
        let mut fds: Vec<PollFd> = Vec::new();
        loop {
            self.expire(libsys::uptime_ms());
            // The poll set: the listener first, then each connection with
            // the events its state waits for.
            fds.clear();
            fds.push(PollFd {
                fd: self.listener as i32,
                events: if self.accepting() { POLLIN } else { 0 },
                revents: 0,
            });
            fds.extend(self.connections.iter().map(|c| PollFd {
                fd: c.fd as i32,
                events: c.events(),
                revents: 0,
            }));
            let timeout = self.next_deadline().map_or(-1, |deadline| {
                deadline.saturating_sub(libsys::uptime_ms()) as i64
            });
            if let Err(error) = libsys::poll(&mut fds, timeout) {
                eprintln!("httpd: poll: {error}");
                let _ = libsys::sleep_ms(100);
                continue;
            }
            let now = libsys::uptime_ms();
            // fds[i + 1] is connection i: handle them before accepting
            // changes the list.
            let site = &mut self.site;
            let mut polled = fds[1..].iter();
            self.connections.retain_mut(|connection| {
                let revents = polled.next().map_or(0, |p| p.revents);
                revents == 0 || connection.on_event(revents, now, site) == Progress::Open
            });
            if fds[0].revents != 0 {
                self.accept(now);
            }
            self.site.stats.open = self.connections.len();
        }
    }
    // ANCHOR_END: run

    /// Whether to ask poll about new connections: only while there is a
    /// slot to put one in (then they wait in the kernel's queue).
    fn accepting(&self) -> bool {
        self.connections.len() < CAPACITY + REFUSAL_SLOTS
    }

    /// Takes the connections waiting on the listener.
    fn accept(&mut self, now: u64) {
        while self.accepting() {
            let fd = match libsys::accept(self.listener) {
                Ok((fd, _peer)) => fd,
                Err(Errno::EAGAIN) => return,
                Err(error) => {
                    eprintln!("httpd: accept: {error}");
                    return;
                }
            };
            if set_nonblocking(fd).is_err() {
                let _ = libsys::close(fd);
                continue;
            }
            let serving = self.connections.iter().filter(|c| !c.refused).count();
            let connection = if serving < CAPACITY {
                self.site.stats.accepted += 1;
                Connection::new(fd, now)
            } else {
                self.site.stats.refused += 1;
                Connection::refused(fd, now)
            };
            self.connections.push(connection);
            // A refused connection has its 503 to send at once.
            let last = self.connections.len() - 1;
            if self.connections[last].advance(now, &mut self.site) == Progress::Closed {
                self.connections.pop();
            }
        }
    }

    /// Handles every connection whose deadline has passed.
    fn expire(&mut self, now: u64) {
        let site = &mut self.site;
        self.connections
            .retain_mut(|c| now < c.deadline || c.on_timeout(now, site) == Progress::Open);
    }

    fn next_deadline(&self) -> Option<u64> {
        self.connections.iter().map(|c| c.deadline).min()
    }
}

/// Accepted sockets start blocking; a blocked read would stop the server.
/// (`F_SETFL` changes only `O_NONBLOCK` on oxv6, so there are no other
/// flags to read first with `F_GETFL` and keep.)
fn set_nonblocking(fd: usize) -> SysResult<()> {
    libsys::fcntl(fd, F_SETFL, O_NONBLOCK).map(drop)
}
