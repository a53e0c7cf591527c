//! The receive buffer: in-order bytes waiting for the user, plus bounded
//! reassembly of segments that arrived out of order.
//!
//! Positions are *stream offsets*: byte `k` of everything the peer ever
//! sent. A `u64` never wraps, which keeps this file free of sequence-number
//! arithmetic; the connection converts `SEG.SEQ - RCV.NXT` into the offset
//! passed to [`RecvBuffer::write_at`].
//!
//! Invariants:
//! - `ready` holds at most `capacity` bytes; `free()` is the receive window.
//! - Out-of-order pieces lie inside the window (the caller trims them), do
//!   not overlap, are sorted, and are at most `max_pieces` — so however the
//!   peer slices its data, reassembly holds at most `capacity` extra bytes.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Data that arrived ahead of a hole, waiting for the hole to be filled.
#[derive(Debug)]
struct Piece {
    start: u64,
    bytes: Vec<u8>,
}

impl Piece {
    fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }
}

#[derive(Debug)]
pub struct RecvBuffer {
    /// In-order bytes the user has not read yet.
    ready: VecDeque<u8>,
    capacity: usize,
    /// Stream offset just after the last in-order byte (RCV.NXT's twin).
    in_order_end: u64,
    pieces: Vec<Piece>,
    max_pieces: usize,
}

impl RecvBuffer {
    pub fn new(capacity: usize, max_pieces: usize) -> RecvBuffer {
        RecvBuffer {
            ready: VecDeque::new(),
            capacity,
            in_order_end: 0,
            pieces: Vec::new(),
            max_pieces,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes ready for the user.
    pub fn len(&self) -> usize {
        self.ready.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ready.is_empty()
    }

    /// Room after the ready bytes: the window we can offer the peer.
    pub fn free(&self) -> usize {
        self.capacity - self.ready.len()
    }

    /// Bytes held: in order and waiting for the user, and early pieces.
    pub fn memory(&self) -> usize {
        self.ready.len() + self.pieces.iter().map(|p| p.bytes.len()).sum::<usize>()
    }

    /// Is any data waiting beyond a hole?
    pub fn has_holes(&self) -> bool {
        !self.pieces.is_empty()
    }

    // ANCHOR: write_at
    /// Stores `bytes` that start `offset` bytes after the in-order end.
    /// The caller guarantees `offset + bytes.len() <= free()`. Returns how
    /// many bytes became in-order (by how much RCV.NXT advances), or `None`
    /// if out-of-order data had to be dropped because too many holes exist.
    pub fn write_at(&mut self, offset: usize, bytes: &[u8]) -> Option<usize> {
        let start = self.in_order_end + offset as u64;
        if offset > 0 {
            return self.store_piece(start, bytes).then_some(0);
        }
        self.ready.extend(bytes);
        self.in_order_end += bytes.len() as u64;
        // The new bytes may reach pieces that were waiting: append what
        // they add beyond the in-order end, and drop what they duplicate.
        let before = self.in_order_end - bytes.len() as u64;
        while let Some(piece) = self.pieces.first() {
            if piece.start > self.in_order_end {
                break;
            }
            let skip = (self.in_order_end - piece.start) as usize;
            let piece = self.pieces.remove(0);
            if let Some(tail) = piece.bytes.get(skip..) {
                self.ready.extend(tail);
                self.in_order_end += tail.len() as u64;
            }
        }
        Some((self.in_order_end - before) as usize)
    }
    // ANCHOR_END: write_at

    /// Keeps the parts of `bytes` (at stream offset `start`) that no piece
    /// holds yet, merging neighbours so that each hole costs one piece.
    fn store_piece(&mut self, start: u64, bytes: &[u8]) -> bool {
        let end = start + bytes.len() as u64;
        let mut new = Vec::new();
        let mut from = start;
        for piece in &self.pieces {
            if piece.end() <= from {
                continue;
            }
            if piece.start >= end {
                break;
            }
            if piece.start > from {
                let slice = &bytes[(from - start) as usize..(piece.start - start) as usize];
                new.push(Piece {
                    start: from,
                    bytes: slice.to_vec(),
                });
            }
            from = from.max(piece.end());
        }
        if from < end {
            new.push(Piece {
                start: from,
                bytes: bytes[(from - start) as usize..].to_vec(),
            });
        }
        self.pieces.append(&mut new);
        self.pieces.sort_by_key(|p| p.start);
        self.merge_neighbours();
        if self.pieces.len() > self.max_pieces {
            // Too fragmented: forget the piece farthest from the hole. The
            // peer will send it again; memory stays bounded.
            self.pieces.pop();
            return false;
        }
        true
    }

    fn merge_neighbours(&mut self) {
        let mut i = 1;
        while i < self.pieces.len() {
            if self.pieces[i - 1].end() == self.pieces[i].start {
                let next = self.pieces.remove(i);
                self.pieces[i - 1].bytes.extend_from_slice(&next.bytes);
            } else {
                i += 1;
            }
        }
    }

    /// The pieces held beyond holes, in order, as (offset after the
    /// in-order end, length): what the SACK blocks of an ACK describe.
    pub fn early_ranges(&self) -> impl Iterator<Item = (usize, usize)> + Clone + '_ {
        self.pieces
            .iter()
            .map(|p| ((p.start - self.in_order_end) as usize, p.bytes.len()))
    }

    /// Moves ready bytes into `buf`; returns how many. The ring holds them
    /// in at most two runs; each is copied whole (a `memcpy`, not a loop
    /// over bytes).
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.ready.len());
        let (first, second) = self.ready.as_slices();
        let from_first = n.min(first.len());
        buf[..from_first].copy_from_slice(&first[..from_first]);
        buf[from_first..n].copy_from_slice(&second[..n - from_first]);
        self.ready.drain(..n);
        n
    }

    /// Drops everything (the connection was reset).
    pub fn clear(&mut self) {
        self.ready.clear();
        self.pieces.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(b: &mut RecvBuffer) -> Vec<u8> {
        let mut out = alloc::vec![0; b.len()];
        b.read(&mut out);
        out
    }

    #[test]
    fn in_order_data_is_ready_at_once() {
        let mut b = RecvBuffer::new(16, 4);
        assert_eq!(b.write_at(0, b"hello"), Some(5));
        assert_eq!(b.free(), 11);
        assert_eq!(read_all(&mut b), b"hello");
        assert_eq!(b.free(), 16);
    }

    #[test]
    fn out_of_order_data_waits_for_the_hole() {
        let mut b = RecvBuffer::new(16, 4);
        assert_eq!(b.write_at(3, b"def"), Some(0));
        assert!(b.is_empty());
        assert!(b.has_holes());
        assert_eq!(b.write_at(0, b"abc"), Some(6));
        assert_eq!(read_all(&mut b), b"abcdef");
        assert!(!b.has_holes());
    }

    #[test]
    fn overlapping_pieces_are_stored_once() {
        let mut b = RecvBuffer::new(32, 4);
        b.write_at(4, b"efgh");
        b.write_at(2, b"cdefghij"); // overlaps both ends
        b.write_at(6, b"gh"); // a pure duplicate
        assert_eq!(b.pieces.len(), 1);
        assert_eq!(b.write_at(0, b"ab"), Some(10));
        assert_eq!(read_all(&mut b), b"abcdefghij");
    }

    #[test]
    fn a_retransmission_covering_a_piece_skips_its_duplicate_part() {
        let mut b = RecvBuffer::new(32, 4);
        b.write_at(2, b"cd");
        assert_eq!(b.write_at(0, b"abcdef"), Some(6));
        assert_eq!(read_all(&mut b), b"abcdef");
    }

    #[test]
    fn too_many_holes_drop_the_farthest_piece() {
        let mut b = RecvBuffer::new(32, 2);
        assert_eq!(b.write_at(2, b"c"), Some(0));
        assert_eq!(b.write_at(4, b"e"), Some(0));
        assert_eq!(b.write_at(6, b"g"), None);
        assert_eq!(b.write_at(0, b"ab"), Some(3));
        b.write_at(0, b"d");
        assert_eq!(read_all(&mut b), b"abcde");
    }

    #[test]
    fn stream_offsets_keep_counting_after_reads() {
        let mut b = RecvBuffer::new(4, 4);
        b.write_at(0, b"abcd");
        read_all(&mut b);
        b.write_at(2, b"gh");
        assert_eq!(b.write_at(0, b"ef"), Some(4));
        assert_eq!(read_all(&mut b), b"efgh");
    }
}
