//! An arriving segment as the state machine sees it: the header fields of
//! [`TcpRepr`] turned into [`SeqNumber`]s, with the flags it tests often
//! spelled out, and the ACK number present only when the ACK bit is set.

use super::seq::SeqNumber;
use crate::wire::tcp::{Flags, SackBlocks, TcpRepr};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment<'a> {
    pub seq: SeqNumber,
    /// `Some` exactly when the ACK bit is set.
    pub ack: Option<SeqNumber>,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
    /// The raw window field; scaling depends on the connection.
    pub window: u16,
    pub mss: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    pub payload: &'a [u8],
}

impl<'a> Segment<'a> {
    pub fn new(repr: &TcpRepr, payload: &'a [u8]) -> Segment<'a> {
        let flags = repr.flags;
        Segment {
            seq: SeqNumber(repr.seq_number),
            ack: flags
                .contains(Flags::ACK)
                .then_some(SeqNumber(repr.ack_number)),
            syn: flags.contains(Flags::SYN),
            fin: flags.contains(Flags::FIN),
            rst: flags.contains(Flags::RST),
            window: repr.window,
            mss: repr.max_seg_size,
            window_scale: repr.window_scale,
            sack_permitted: repr.sack_permitted,
            payload,
        }
    }

    /// The same segment without its data (nor the FIN that follows the
    /// data): what is left when there is no memory to store the data.
    pub fn without_data(&self) -> Segment<'a> {
        Segment {
            payload: &[],
            fin: false,
            ..*self
        }
    }

    /// SEG.LEN: the sequence space it occupies. SYN and FIN count as one
    /// each (RFC 9293 §3.4).
    pub fn len(&self) -> usize {
        self.payload.len() + usize::from(self.syn) + usize::from(self.fin)
    }

    // ANCHOR: acceptable
    /// The acceptability test of RFC 9293 §3.10.7.4, for a receiver that
    /// expects `rcv_nxt` next and offers `window` bytes: does any part of
    /// the segment fall inside the window?
    pub fn acceptable(&self, rcv_nxt: SeqNumber, window: usize) -> bool {
        let in_window = |seq: SeqNumber| seq.in_window(rcv_nxt, window);
        match (self.len(), window) {
            (0, 0) => self.seq == rcv_nxt,
            (0, _) => in_window(self.seq),
            (_, 0) => false,
            (len, _) => in_window(self.seq) || in_window(self.seq + (len - 1)),
        }
    }
    // ANCHOR_END: acceptable
}

/// The header of a reset: `<SEQ=seq><CTL=RST>`, or `<SEQ=seq><ACK=ack>
/// <CTL=RST,ACK>` when there is an ACK number to give (RFC 9293
/// §3.10.7.1). A reset offers no window.
pub(crate) fn reset_repr(
    src_port: u16,
    dst_port: u16,
    seq: SeqNumber,
    ack: Option<SeqNumber>,
) -> TcpRepr {
    TcpRepr {
        src_port,
        dst_port,
        seq_number: seq.0,
        ack_number: ack.map_or(0, |a| a.0),
        flags: if ack.is_some() {
            Flags::RST | Flags::ACK
        } else {
            Flags::RST
        },
        window: 0,
        urgent_pointer: 0,
        max_seg_size: None,
        window_scale: None,
        sack_permitted: false,
        sack: SackBlocks::NONE,
    }
}
