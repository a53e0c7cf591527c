//! The incremental request reader: one per connection.
//!
//! TCP delivers a byte stream, not messages. One `read` may return half a
//! request line (a slow client, or a slowloris attacker sending a byte a
//! second), or three whole requests at once (a pipelining client). The
//! reader keeps what has arrived, hands out each request as soon as its
//! head is complete, and says "need more" otherwise.
//!
//! Two choices keep it cheap against hostile clients:
//! - the buffer never holds more than `MAX_HEAD` bytes, so a client cannot
//!   make us store more; once it is full the answer is 431;
//! - we only look for the blank line that ends a head in the bytes that
//!   are new since last time, and call the parser once the head is whole.
//!   A head trickling in byte by byte is scanned once, not 8192 times.

use crate::Status;
use crate::request::{self, Head, MAX_HEAD, Rejection, Request};
use alloc::vec;
use alloc::vec::Vec;

/// What the reader has for the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// No complete request yet.
    NeedMore,
    Request(Request),
    /// A request that cannot be served; answer and close.
    Reject(Rejection),
}

pub struct RequestReader {
    /// `buffer[start..end]` holds bytes received and not yet consumed.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    /// `buffer[start..scanned]` is known not to contain the end of a head.
    scanned: usize,
    /// Body bytes of the last request still to be thrown away.
    skip: usize,
}

impl Default for RequestReader {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestReader {
    pub fn new() -> RequestReader {
        RequestReader {
            buffer: vec![0; MAX_HEAD],
            start: 0,
            end: 0,
            scanned: 0,
            skip: 0,
        }
    }

    /// Where to put newly received bytes (call `filled` after). Empty when
    /// the buffer is full: stop reading, `next_request` will answer 431.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            // Slide unconsumed bytes (a pipelined request) to the front so
            // that every request has the whole MAX_HEAD to itself.
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
        }
        &mut self.buffer[self.end..]
    }

    /// Records that `count` bytes were written into `spare()`.
    pub fn filled(&mut self, count: usize) {
        self.end = (self.end + count).min(self.buffer.len());
    }

    /// Copies in as much of `bytes` as fits; returns how much that was.
    pub fn feed(&mut self, bytes: &[u8]) -> usize {
        let spare = self.spare();
        let count = bytes.len().min(spare.len());
        spare[..count].copy_from_slice(&bytes[..count]);
        self.filled(count);
        count
    }

    /// Bytes received and not yet part of an answered request.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    // ANCHOR: next_request
    /// The next complete request, if one has arrived.
    pub fn next_request(&mut self) -> Next {
        // First throw away the body of the previous request, if it had one.
        let dropped = self.skip.min(self.pending());
        self.consume(dropped);
        self.skip -= dropped;
        if self.skip > 0 {
            return Next::NeedMore;
        }
        loop {
            let pending = &self.buffer[self.start..self.end];
            let Some(head_end) = find_head_end(pending, self.scanned - self.start) else {
                self.scanned = self.end;
                if self.pending() < MAX_HEAD {
                    return Next::NeedMore;
                }
                // Full and no blank line: the parser says whether it is
                // garbage (400) or only too long (431).
                return match request::parse(pending) {
                    Err(rejection) => Next::Reject(rejection),
                    Ok(_) => Next::Reject(Rejection {
                        status: Status::HeaderFieldsTooLarge,
                        why: "request head over 8 KiB",
                    }),
                };
            };
            match request::parse(&pending[..head_end]) {
                Ok(Head::Complete(request, length)) => {
                    self.consume(length);
                    self.skip = request.body_length;
                    let dropped = self.skip.min(self.pending());
                    self.consume(dropped);
                    self.skip -= dropped;
                    return Next::Request(request);
                }
                // Only empty lines so far (RFC 9112 §2.2 lets a client send
                // a CRLF before a request): drop them and look again.
                Ok(Head::Partial) => self.consume(head_end),
                Err(rejection) => return Next::Reject(rejection),
            }
        }
    }
    // ANCHOR_END: next_request

    /// What is left once the client has closed its side (a read returned
    /// 0): the requests still buffered, then a 400 for a head cut short.
    pub fn next_at_end(&mut self) -> Next {
        match self.next_request() {
            Next::NeedMore if self.skip == 0 && self.pending() > 0 => Next::Reject(Rejection {
                status: Status::BadRequest,
                why: "connection closed in the middle of a request",
            }),
            next => next,
        }
    }

    fn consume(&mut self, count: usize) {
        self.start += count;
        self.scanned = self.scanned.max(self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            self.scanned = 0;
        }
    }
}

/// The length of the head at the start of `bytes`: up to and including the
/// first empty line (`\n\n` or `\n\r\n`; RFC 9112 §2.2 lets a server accept
/// a bare LF as a line ending). `from`: where earlier scans stopped.
fn find_head_end(bytes: &[u8], from: usize) -> Option<usize> {
    // Back up two bytes: the end may straddle the old and the new data.
    let from = from.saturating_sub(2);
    (from..bytes.len()).find_map(|i| match &bytes[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_with_crlf_and_bare_lf() {
        assert_eq!(find_head_end(b"GET / HTTP/1.0\r\n\r\nrest", 0), Some(18));
        assert_eq!(find_head_end(b"GET / HTTP/1.0\n\nrest", 0), Some(16));
        assert_eq!(find_head_end(b"GET / HTTP/1.0\r\nHost: x\r\n", 0), None);
    }

    #[test]
    fn head_end_straddling_two_reads() {
        let bytes = b"GET / HTTP/1.0\r\n\r\n";
        // Earlier scans saw up to the first "\r\n"; the rest is new.
        assert_eq!(find_head_end(bytes, 16), Some(18));
    }

    #[test]
    fn spare_is_empty_when_full() {
        let mut reader = RequestReader::new();
        assert_eq!(reader.feed(&[b'a'; MAX_HEAD + 10]), MAX_HEAD);
        assert!(reader.spare().is_empty());
        assert_eq!(reader.pending(), MAX_HEAD);
    }
}
