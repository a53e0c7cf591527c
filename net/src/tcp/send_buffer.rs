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

    /// The bytes `range` (offsets from SND.UNA, clipped at the end of the
    /// buffer) where they lie: in one piece, or two if they wrap around
    /// the ring. Nothing is copied.
    pub fn slices_at(&self, range: core::ops::Range<usize>) -> [&[u8]; 2] {
        let end = range.end.min(self.data.len());
        let start = range.start.min(end);
        let (first, second) = self.data.as_slices();
        let split = first.len();
        [
            &first[start.min(split)..end.min(split)],
            &second[start.max(split) - split..end.max(split) - split],
        ]
    }

    /// Drops everything (the connection was reset).
    pub fn clear(&mut self) {
        self.data.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The bytes `start..end` one by one: the obvious way, to compare with.
    fn read_at(b: &SendBuffer, start: usize, end: usize) -> Vec<u8> {
        let end = end.min(b.data.len());
        b.data
            .iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .copied()
            .collect()
    }

    #[test]
    fn slices_at_matches_read_at_across_the_wrap() {
        let mut b = SendBuffer::new(8);
        b.write(b"abcdef");
        b.ack(4);
        b.write(b"ghijkl");
        assert!(!b.data.as_slices().1.is_empty(), "the data should wrap");
        for start in 0..9 {
            for end in start..10 {
                let [first, second] = b.slices_at(start..end);
                assert_eq!(
                    [first, second].concat(),
                    read_at(&b, start, end),
                    "{start}..{end}"
                );
            }
        }
    }

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
        assert_eq!(b.slices_at(0..10).concat(), b"llo");
        assert_eq!(b.free(), 5);
    }

    #[test]
    fn slices_at_gives_a_middle_slice_and_clips_at_the_end() {
        let mut b = SendBuffer::new(8);
        b.write(b"abcdef");
        assert_eq!(b.slices_at(2..5).concat(), b"cde");
        assert_eq!(b.slices_at(4..14).concat(), b"ef");
        assert!(b.slices_at(9..10).concat().is_empty());
    }
}
