//! The send buffer: bytes the user wrote that the peer has not yet
//! acknowledged.
//!
//! Byte 0 of the buffer is the byte at SND.UNA. Bytes below
//! `SND.NXT - SND.UNA` have been sent at least once and are kept for
//! retransmission; the rest wait for window. The buffer never holds more
//! than `capacity` bytes: when full, `write` accepts less (the kernel then
//! blocks the writer or returns EAGAIN).
//!
//! `VecDeque` grows on demand, so a connection that never sends never
//! allocates.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

#[derive(Debug)]
pub struct SendBuffer {
    data: VecDeque<u8>,
    capacity: usize,
}

impl SendBuffer {
    pub fn new(capacity: usize) -> SendBuffer {
        SendBuffer {
            data: VecDeque::new(),
            capacity,
        }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Room left for `write`.
    pub fn free(&self) -> usize {
        self.capacity - self.data.len()
    }

    /// Appends as much of `bytes` as fits; returns how much that was.
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.free());
        self.data.extend(&bytes[..n]);
        n
    }

    /// The peer acknowledged the first `n` bytes: forget them.
    pub fn ack(&mut self, n: usize) {
        let n = n.min(self.data.len());
        self.data.drain(..n);
    }

    /// Copies `len` bytes starting `offset` bytes after SND.UNA into `out`
    /// (after clearing it), or fewer if the buffer ends first.
    pub fn read_at(&self, offset: usize, len: usize, out: &mut Vec<u8>) {
        out.clear();
        let start = offset.min(self.data.len());
        let end = (offset + len).min(self.data.len());
        out.extend(self.data.range(start..end));
    }

    /// Drops everything (the connection was reset).
    pub fn clear(&mut self) {
        self.data.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_stops_at_capacity() {
        let mut b = SendBuffer::new(4);
        assert_eq!(b.write(b"abc"), 3);
        assert_eq!(b.write(b"def"), 1);
        assert_eq!(b.free(), 0);
        assert_eq!(b.write(b"g"), 0);
    }

    #[test]
    fn ack_frees_the_front() {
        let mut b = SendBuffer::new(8);
        b.write(b"hello");
        b.ack(2);
        let mut out = Vec::new();
        b.read_at(0, 10, &mut out);
        assert_eq!(out, b"llo");
        assert_eq!(b.free(), 5);
    }

    #[test]
    fn read_at_copies_a_middle_slice_and_clips_at_the_end() {
        let mut b = SendBuffer::new(8);
        b.write(b"abcdef");
        let mut out = Vec::new();
        b.read_at(2, 3, &mut out);
        assert_eq!(out, b"cde");
        b.read_at(4, 10, &mut out);
        assert_eq!(out, b"ef");
        b.read_at(9, 1, &mut out);
        assert!(out.is_empty());
    }
}
