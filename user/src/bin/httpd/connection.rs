//! One client connection: its state machine and what it does on each event.
//!
//! ```text
//!            request complete              response sent, keep-alive
//!   Reading ------------------> Writing --------------------------> Reading
//!     |  ^                         |                                (next request,
//!     |  +-- need more             | response sent, close            maybe already
//!     |                            v                                 buffered)
//!     +-- timeout (408) ------> Lingering --- client closed / 2 s ---> closed
//! ```
//!
//! Every socket is non-blocking, so no handler here ever waits: it does
//! what can be done now, records where it got to, and returns. `poll` in
//! the event loop says when there is more to do, and the state decides
//! what "more" means: the table `EVENTS` maps each state to the events
//! that can move it on, as lwan's `conn_flags_to_epoll_events` does.

use crate::files::FileBody;
use crate::router::{self, Reply};
use crate::site::Site;
use alloc::vec::Vec;
use http::{Next, RequestReader, Status};
use libsys::Errno;
use libsys::abi::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, SHUT_WR};

/// How long a client has to send a whole request head (from the moment
/// we start waiting for it, not from its last byte: a slowloris client
/// sending one byte every few seconds must not keep the slot forever).
pub const REQUEST_TIMEOUT_MS: u64 = 10_000;
/// How long a client may take to read what we send before we give up.
const SEND_TIMEOUT_MS: u64 = 10_000;
/// How long we keep draining a client after our last response.
const LINGER_MS: u64 = 2_000;
/// Most bytes one connection sends per turn of the loop, so that a fast
/// download does not starve the others.
const WRITE_BUDGET: usize = 64 * 1024;

// ANCHOR: state
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for (the rest of) a request.
    Reading = 0,
    /// Sending a response.
    Writing = 1,
    /// Our last response is sent and our side shut down; reading and
    /// discarding until the client closes, so that unread bytes do not
    /// make the kernel reset the connection under our response.
    Lingering = 2,
}

/// What `poll` must watch for, per state (indexed by `State as usize`).
const EVENTS: [i16; 3] = [
    POLLIN,  // Reading: a request arriving
    POLLOUT, // Writing: room in the send buffer
    POLLIN,  // Lingering: the client's leftovers, or its FIN
];
// ANCHOR_END: state

/// What one step of the state machine did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Got somewhere (maybe a new state): try the next step.
    Moved,
    /// Nothing more to do until poll says so.
    Wait,
    Close,
}

/// Whether the connection lives on after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Open,
    Closed,
}

/// What is being sent: bytes in memory, then maybe the rest of a file.
struct Outgoing {
    bytes: Vec<u8>,
    sent: usize,
    file: Option<FileBody>,
    /// Close (via Lingering) once it is all sent.
    close_after: bool,
}

pub struct Connection {
    pub fd: usize,
    pub state: State,
    reader: RequestReader,
    out: Outgoing,
    /// When the current state times out (milliseconds since boot).
    pub deadline: u64,
    /// The client shut its sending side: answer what it sent, then close.
    peer_closed: bool,
    /// Whether any request was answered yet on this connection.
    answered: bool,
    /// Accepted over capacity, only to be told 503.
    pub refused: bool,
}

impl Connection {
    pub fn new(fd: usize, now: u64) -> Connection {
        Connection {
            fd,
            state: State::Reading,
            reader: RequestReader::new(),
            out: Outgoing {
                bytes: Vec::new(),
                sent: 0,
                file: None,
                close_after: false,
            },
            deadline: now + REQUEST_TIMEOUT_MS,
            peer_closed: false,
            answered: false,
            refused: false,
        }
    }

    /// A connection over capacity: it only gets a 503, then closes.
    pub fn refused(fd: usize, now: u64) -> Connection {
        let mut connection = Connection::new(fd, now);
        connection.refused = true;
        let why = "too many connections; try again";
        let page = http::response::error_page(Status::ServiceUnavailable, why, false, true);
        connection.start_reply(Reply::closing(page), now);
        connection
    }

    pub fn events(&self) -> i16 {
        EVENTS[self.state as usize]
    }

    // ANCHOR: on_event
    /// `poll` reported `revents` for this connection.
    pub fn on_event(&mut self, revents: i16, now: u64, site: &mut Site) -> Progress {
        if revents & POLLNVAL != 0 {
            return Progress::Closed;
        }
        // Hang-up and error are reported whatever we asked for; the read or
        // write then finds out exactly what happened (after a hang-up there
        // may still be a whole request to read).
        if revents & (self.events() | POLLHUP | POLLERR) == 0 {
            return Progress::Open;
        }
        if self.state == State::Reading && self.receive() == Step::Close {
            return Progress::Closed;
        }
        self.advance(now, site)
    }

    /// Moves the connection on as far as it can go without waiting: answer
    /// a request, send the answer, answer the next pipelined request...
    pub fn advance(&mut self, now: u64, site: &mut Site) -> Progress {
        let mut budget = WRITE_BUDGET;
        loop {
            let step = match self.state {
                State::Reading => self.answer_next(now, site),
                State::Writing => self.send(now, site, &mut budget),
                State::Lingering => self.drain(),
            };
            match step {
                Step::Moved => {}
                Step::Wait => return Progress::Open,
                Step::Close => return Progress::Closed,
            }
        }
    }
    // ANCHOR_END: on_event

    /// The deadline passed.
    pub fn on_timeout(&mut self, now: u64, site: &mut Site) -> Progress {
        match self.state {
            // A request started, or none ever came: tell the client why we
            // hang up. An idle kept-alive connection is closed silently: a
            // request crossing our 408 would take it for its answer.
            State::Reading if self.reader.pending() > 0 || !self.answered => {
                let why = "request not received in time";
                let page = http::response::error_page(Status::RequestTimeout, why, false, true);
                self.start_reply(Reply::closing(page), now);
                self.advance(now, site)
            }
            _ => Progress::Closed,
        }
    }

    /// Reads what the socket holds, until it is empty or our buffer is
    /// full (then the reader answers 431: a full buffer is as far as a
    /// client gets).
    fn receive(&mut self) -> Step {
        loop {
            let spare = self.reader.spare();
            if spare.is_empty() {
                return Step::Moved;
            }
            let asked = spare.len();
            match libsys::recvfrom(self.fd, spare) {
                Ok((0, _)) => {
                    self.peer_closed = true;
                    return Step::Moved;
                }
                Ok((count, _)) => {
                    self.reader.filled(count);
                    // Less than we asked for: the socket is empty for
                    // now, and poll will say when more comes. Asking
                    // again would only fetch an EAGAIN, one system call
                    // per request for nothing.
                    if count < asked {
                        return Step::Moved;
                    }
                }
                Err(Errno::EAGAIN) => return Step::Moved,
                Err(_) => return Step::Close, // reset by the client
            }
        }
    }

    /// Reading: answers the next buffered request, if a whole one is there.
    fn answer_next(&mut self, now: u64, site: &mut Site) -> Step {
        let next = if self.peer_closed {
            self.reader.next_at_end()
        } else {
            self.reader.next_request()
        };
        let reply = match next {
            Next::NeedMore if self.peer_closed => return Step::Close,
            Next::NeedMore => return Step::Wait,
            Next::Request(request) => router::respond(&request, site),
            Next::Reject(rejection) => {
                site.stats.rejected += 1;
                let page = http::response::error_page(rejection.status, rejection.why, false, true);
                Reply::closing(page)
            }
        };
        site.stats.responses += 1;
        self.answered = true;
        self.start_reply(reply, now);
        Step::Moved
    }

    fn start_reply(&mut self, reply: Reply, now: u64) {
        self.out = Outgoing {
            bytes: reply.bytes,
            sent: 0,
            file: reply.file,
            close_after: reply.close,
        };
        self.state = State::Writing;
        self.deadline = now + SEND_TIMEOUT_MS;
    }

    // ANCHOR: send
    /// Writing: sends as much as the socket takes, within `budget`.
    fn send(&mut self, now: u64, site: &mut Site, budget: &mut usize) -> Step {
        loop {
            if self.out.sent == self.out.bytes.len() {
                // The buffer is sent: the rest of the file, if any, goes
                // from the file to the socket inside the kernel.
                let Some(file) = self.out.file.as_mut().filter(|f| !f.is_done()) else {
                    break;
                };
                if *budget == 0 {
                    return Step::Wait; // poll will say at once that we can go on
                }
                match file.send_to(self.fd, *budget) {
                    Ok(count) => {
                        *budget -= count;
                        site.stats.bytes_sent += count as u64;
                        self.deadline = now + SEND_TIMEOUT_MS;
                        continue;
                    }
                    Err(Errno::EAGAIN) => return Step::Wait,
                    // The file changed under us: the promised Content-Length
                    // can no longer be kept, so the connection must end.
                    Err(_) => return Step::Close,
                }
            }
            if *budget == 0 {
                return Step::Wait;
            }
            let end = self.out.bytes.len().min(self.out.sent + *budget);
            match libsys::sendto(self.fd, &self.out.bytes[self.out.sent..end], None) {
                Ok(count) => {
                    self.out.sent += count;
                    *budget -= count;
                    site.stats.bytes_sent += count as u64;
                    self.deadline = now + SEND_TIMEOUT_MS;
                }
                Err(Errno::EAGAIN) => return Step::Wait,
                Err(_) => return Step::Close,
            }
        }
        // The whole response is on its way.
        self.out.file = None;
        if self.out.close_after {
            return self.linger(now);
        }
        self.state = State::Reading;
        self.deadline = now + REQUEST_TIMEOUT_MS;
        Step::Moved
    }
    // ANCHOR_END: send

    /// Shuts down our sending side (the client sees the end of the
    /// response) and waits for the client to close its own.
    fn linger(&mut self, now: u64) -> Step {
        if self.peer_closed || libsys::shutdown(self.fd, SHUT_WR).is_err() {
            return Step::Close;
        }
        self.state = State::Lingering;
        self.deadline = now + LINGER_MS;
        Step::Moved
    }

    /// Lingering: reads and throws away until the client closes.
    fn drain(&mut self) -> Step {
        let mut sink = [0u8; 512];
        loop {
            match libsys::recvfrom(self.fd, &mut sink) {
                Ok((0, _)) => return Step::Close,
                Ok(_) => {}
                Err(Errno::EAGAIN) => return Step::Wait,
                Err(_) => return Step::Close,
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = libsys::close(self.fd);
    }
}
