//! Selective acknowledgments, the receiver's half (RFC 2018).
//!
//! A cumulative ACK only says "everything before RCV.NXT arrived". When
//! several segments of one window are lost, a sender that knows no more
//! resends one hole per round trip, or waits for its retransmission timer
//! and resends everything after the first hole. With SACK, each ACK also
//! lists the runs of data we hold beyond the holes, so the sender resends
//! exactly the missing segments, all in one round trip.
//!
//! Both SYNs must carry SACK-permitted (`Connection::synchronize`). The
//! runs come from the reassembly queue (`RecvBuffer::early_ranges`). The
//! first block must be the run that holds the segment that arrived last
//! (RFC 2018 §4), so the sender learns about it even when there are more
//! runs than fit in one ACK; the others follow in sequence order.
//!
//! This stack does not use the SACK blocks it receives: when it sends, it
//! recovers with NewReno (RFC 6582, `congestion.rs`).

use super::Connection;
use crate::tcp::seq::SeqNumber;
use crate::wire::tcp::{MAX_SACK_BLOCKS, SackBlocks};

/// The SACK option's fixed part: two NOPs for alignment, kind and length.
const SACK_OPTION_HEADER: usize = 4;
/// Bytes each block adds: its left and right edge.
const SACK_BLOCK_LEN: usize = 8;

impl Connection {
    // ANCHOR: sack_blocks
    /// The SACK blocks for an ACK carrying `payload` bytes of data: none
    /// unless SACK was agreed and data waits beyond a hole. A segment's
    /// options and data together stay within the peer's MSS, so a full
    /// data segment carries none.
    pub(super) fn sack_blocks(&self, payload: usize) -> SackBlocks {
        let mut blocks = SackBlocks::NONE;
        if !self.sack || !self.rx.has_holes() {
            return blocks;
        }
        let room = self.snd_mss.saturating_sub(payload);
        let fit = (room.saturating_sub(SACK_OPTION_HEADER) / SACK_BLOCK_LEN).min(MAX_SACK_BLOCKS);
        if fit == 0 {
            return blocks;
        }
        let runs = self.rx.early_ranges().map(|(offset, len)| {
            let left = self.rcv_nxt + offset;
            (left, left + len)
        });
        let holds =
            |(left, right): (SeqNumber, SeqNumber), seq: SeqNumber| left <= seq && seq < right;
        let latest = self
            .last_early
            .and_then(|seq| runs.clone().find(|&run| holds(run, seq)));
        let others = runs.filter(|&run| Some(run) != latest);
        for (left, right) in latest.into_iter().chain(others).take(fit) {
            blocks.push(left.0, right.0);
        }
        blocks
    }
    // ANCHOR_END: sack_blocks
}
