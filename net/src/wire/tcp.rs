//! TCP segment format (RFC 9293 §3.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        Sequence Number                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Acknowledgment Number                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Data |       |C|E|U|A|P|R|S|F|                               |
//! | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Checksum            |         Urgent Pointer        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options (0 to 40 bytes)                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                             Data                              |
//! ```
//!
//! [`TcpPacket::new_checked`] validates the data offset and every option
//! once; after that no accessor can fail or read out of bounds. [`TcpRepr`]
//! is the parsed header as plain values, and the way to emit a segment.
//! This file knows nothing of connections: sequence numbers are plain `u32`
//! here; the `tcp` module gives them their wraparound arithmetic.

use alloc::vec::Vec;
use core::fmt;
use core::net::Ipv4Addr;

use super::checksum;

/// The IPv4 protocol number of TCP.
pub const PROTOCOL: u8 = 6;
/// Length of a header without options.
pub const HEADER_LEN: usize = 20;

/// Why bytes are not a valid TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the fixed header, or than the header the data offset
    /// announces.
    Truncated,
    /// Data offset below 5 words: the header would overlap itself.
    BadDataOffset,
    /// An option whose length byte is missing, below 2, runs past the
    /// header, or is wrong for its kind (RFC 9293 §3.1 "Options").
    BadOption,
    /// Longer than the 16-bit length of the pseudo-header can say.
    TooLong,
}

/// The control bits, one byte of the header.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags(u8);

impl Flags {
    pub const FIN: Flags = Flags(0x01);
    pub const SYN: Flags = Flags(0x02);
    pub const RST: Flags = Flags(0x04);
    pub const PSH: Flags = Flags(0x08);
    pub const ACK: Flags = Flags(0x10);
    pub const URG: Flags = Flags(0x20);
    pub const ECE: Flags = Flags(0x40);
    pub const CWR: Flags = Flags(0x80);
    pub const NONE: Flags = Flags(0);

    pub fn from_bits(bits: u8) -> Flags {
        Flags(bits)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    /// Are all the bits of `other` set in `self`?
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

impl fmt::Debug for Flags {
    /// Prints e.g. `SYN|ACK`, the way tcpdump users read them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
        let mut first = true;
        for (bit, name) in NAMES.iter().enumerate() {
            if self.0 & (1 << bit) != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// One option (RFC 9293 §3.1, RFC 7323, RFC 2018).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// Kind 0: the end of the list; what follows is padding.
    EndOfList,
    /// Kind 1: one byte of filler, to align the next option.
    NoOperation,
    /// Kind 2: the largest segment the sender can receive (only in a SYN).
    MaxSegmentSize(u16),
    /// Kind 3: the shift the sender applies to its window field (RFC 7323 §2).
    WindowScale(u8),
    /// Kind 4, only in a SYN: the sender understands SACK blocks (RFC 2018).
    SackPermitted,
    /// Kind 5: selective acknowledgment, the ranges the sender of the ACK
    /// holds beyond a hole (RFC 2018 §3).
    Sack(SackBlocks),
    /// Kind 8: RFC 7323 timestamps. Recognised and ignored.
    Timestamps { value: u32, echo: u32 },
    /// Any other kind, with its data. RFC 9293 §3.1 says unknown options
    /// must be skipped, which their length byte makes possible.
    Unknown { kind: u8, data: &'a [u8] },
}

/// Parses the option at the start of `buf` (which is not empty) and
/// returns it with the number of bytes it occupies.
fn parse_option(buf: &[u8]) -> Result<(TcpOption<'_>, usize), Error> {
    let kind = buf[0];
    match kind {
        // Everything after End-of-List is padding: consume it all.
        0 => return Ok((TcpOption::EndOfList, buf.len())),
        1 => return Ok((TcpOption::NoOperation, 1)),
        _ => {}
    }
    let len = *buf.get(1).ok_or(Error::BadOption)? as usize;
    if len < 2 || len > buf.len() {
        return Err(Error::BadOption);
    }
    let data = &buf[2..len];
    let option = match (kind, data) {
        (2, &[a, b]) => TcpOption::MaxSegmentSize(u16::from_be_bytes([a, b])),
        (3, &[shift]) => TcpOption::WindowScale(shift),
        (4, &[]) => TcpOption::SackPermitted,
        (5, blocks) if SackBlocks::fits(blocks.len()) => {
            let mut sack = SackBlocks::NONE;
            for block in blocks.chunks_exact(8) {
                let edge = |at: usize| {
                    u32::from_be_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]])
                };
                sack.push(edge(0), edge(4));
            }
            TcpOption::Sack(sack)
        }
        (8, &[a, b, c, d, e, f, g, h]) => TcpOption::Timestamps {
            value: u32::from_be_bytes([a, b, c, d]),
            echo: u32::from_be_bytes([e, f, g, h]),
        },
        // A known kind with the wrong length is malformed.
        (2 | 3 | 4 | 5 | 8, _) => return Err(Error::BadOption),
        _ => TcpOption::Unknown { kind, data },
    };
    Ok((option, len))
}

/// Iterator over the options of a checked packet.
#[derive(Clone, Debug)]
pub struct TcpOptions<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = TcpOption<'a>;

    fn next(&mut self) -> Option<TcpOption<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        // `new_checked` parsed every option already, so this cannot fail;
        // stopping on error anyway keeps the iterator total.
        let (option, used) = parse_option(self.rest).ok()?;
        self.rest = &self.rest[used..];
        Some(option)
    }
}

/// A view of a TCP segment whose header and options have been checked.
#[derive(Clone, Copy, Debug)]
pub struct TcpPacket<'a> {
    buf: &'a [u8],
}

impl<'a> TcpPacket<'a> {
    /// Checks that `buf` holds a whole header, that the data offset is
    /// sane, and that every option is well formed.
    pub fn new_checked(buf: &'a [u8]) -> Result<TcpPacket<'a>, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if buf.len() > usize::from(u16::MAX) {
            return Err(Error::TooLong);
        }
        let header_len = usize::from(buf[12] >> 4) * 4;
        if header_len < HEADER_LEN {
            return Err(Error::BadDataOffset);
        }
        if header_len > buf.len() {
            return Err(Error::Truncated);
        }
        let packet = TcpPacket { buf };
        let mut rest = &buf[HEADER_LEN..header_len];
        while !rest.is_empty() {
            let (_, used) = parse_option(rest)?;
            rest = &rest[used..];
        }
        Ok(packet)
    }

    fn u16_at(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.buf[at], self.buf[at + 1]])
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_be_bytes([
            self.buf[at],
            self.buf[at + 1],
            self.buf[at + 2],
            self.buf[at + 3],
        ])
    }

    pub fn src_port(&self) -> u16 {
        self.u16_at(0)
    }

    pub fn dst_port(&self) -> u16 {
        self.u16_at(2)
    }

    pub fn seq_number(&self) -> u32 {
        self.u32_at(4)
    }

    pub fn ack_number(&self) -> u32 {
        self.u32_at(8)
    }

    /// Header length in bytes, options included (the data offset × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buf[12] >> 4) * 4
    }

    pub fn flags(&self) -> Flags {
        Flags(self.buf[13])
    }

    pub fn window(&self) -> u16 {
        self.u16_at(14)
    }

    pub fn checksum(&self) -> u16 {
        self.u16_at(16)
    }

    pub fn urgent_pointer(&self) -> u16 {
        self.u16_at(18)
    }

    pub fn options(&self) -> TcpOptions<'a> {
        TcpOptions {
            rest: &self.buf[HEADER_LEN..self.header_len()],
        }
    }

    pub fn payload(&self) -> &'a [u8] {
        &self.buf[self.header_len()..]
    }

    /// Checks the checksum over the pseudo-header and the whole segment
    /// (RFC 9293 §3.1). A correct segment sums to zero, checksum included.
    pub fn verify_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        // `new_checked` guarantees the length fits in 16 bits.
        let sum = checksum::pseudo_header(src, dst, PROTOCOL, self.buf.len() as u16);
        checksum::finish(checksum::accumulate(sum, self.buf)) == 0
    }
}

// ANCHOR: sack_blocks
/// At most this many SACK blocks in one segment: with no timestamps, four
/// fill the 40 bytes of room for options (2 NOPs + 2 + 4 × 8 = 36).
pub const MAX_SACK_BLOCKS: usize = 4;

/// The SACK blocks of one segment (RFC 2018 §3): each is the `(left,
/// right)` sequence numbers of a run of bytes the receiver holds beyond a
/// hole, `right` one past its last byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SackBlocks {
    count: u8,
    blocks: [(u32, u32); MAX_SACK_BLOCKS],
}
// ANCHOR_END: sack_blocks

impl SackBlocks {
    pub const NONE: SackBlocks = SackBlocks {
        count: 0,
        blocks: [(0, 0); MAX_SACK_BLOCKS],
    };

    /// Whether an option with `len` bytes of data is a whole number of
    /// blocks, one to four.
    fn fits(len: usize) -> bool {
        len.is_multiple_of(8) && (8..=8 * MAX_SACK_BLOCKS).contains(&len)
    }

    /// Adds a block; `false` (and nothing added) when all four are used.
    pub fn push(&mut self, left: u32, right: u32) -> bool {
        let Some(slot) = self.blocks.get_mut(usize::from(self.count)) else {
            return false;
        };
        *slot = (left, right);
        self.count += 1;
        true
    }

    pub fn as_slice(&self) -> &[(u32, u32)] {
        &self.blocks[..usize::from(self.count)]
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of options they take: NOP, NOP, kind, length and 8 per block.
    fn option_len(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            4 + 8 * usize::from(self.count)
        }
    }
}

/// A TCP header as plain values: what [`TcpRepr::parse`] reads and
/// [`TcpRepr::emit`] writes. Only the options this stack uses are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq_number: u32,
    /// Meaningful only when `flags` has ACK; emitted as is.
    pub ack_number: u32,
    pub flags: Flags,
    pub window: u16,
    pub urgent_pointer: u16,
    pub max_seg_size: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// Selective acknowledgments (only meaningful with ACK).
    pub sack: SackBlocks,
}

impl TcpRepr {
    /// Reads the header fields and the options we understand.
    pub fn parse(packet: &TcpPacket<'_>) -> TcpRepr {
        let mut repr = TcpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window: packet.window(),
            urgent_pointer: packet.urgent_pointer(),
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack: SackBlocks::NONE,
        };
        for option in packet.options() {
            match option {
                TcpOption::MaxSegmentSize(mss) => repr.max_seg_size = Some(mss),
                TcpOption::WindowScale(shift) => repr.window_scale = Some(shift),
                TcpOption::SackPermitted => repr.sack_permitted = true,
                TcpOption::Sack(blocks) => repr.sack = blocks,
                _ => {}
            }
        }
        repr
    }

    /// Header length with our options, each padded to a 4-byte word.
    pub fn header_len(&self) -> usize {
        let mut len = HEADER_LEN;
        if self.max_seg_size.is_some() {
            len += 4;
        }
        if self.window_scale.is_some() {
            len += 4; // NOP + 3-byte option
        }
        if self.sack_permitted {
            len += 4; // NOP NOP + 2-byte option
        }
        len + self.sack.option_len()
    }

    /// Replaces the contents of `out` with this header, then `payload`,
    /// with the checksum computed over the pseudo-header for `src` → `dst`.
    pub fn emit(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.seq_number.to_be_bytes());
        out.extend_from_slice(&self.ack_number.to_be_bytes());
        out.push(((self.header_len() / 4) as u8) << 4);
        out.push(self.flags.bits());
        out.extend_from_slice(&self.window.to_be_bytes());
        out.extend_from_slice(&[0, 0]); // checksum, filled in below
        out.extend_from_slice(&self.urgent_pointer.to_be_bytes());
        if let Some(mss) = self.max_seg_size {
            out.extend_from_slice(&[2, 4]);
            out.extend_from_slice(&mss.to_be_bytes());
        }
        if let Some(shift) = self.window_scale {
            out.extend_from_slice(&[1, 3, 3, shift]);
        }
        if self.sack_permitted {
            out.extend_from_slice(&[1, 1, 4, 2]);
        }
        if !self.sack.is_empty() {
            out.extend_from_slice(&[1, 1, 5, (self.sack.option_len() - 2) as u8]);
            for &(left, right) in self.sack.as_slice() {
                out.extend_from_slice(&left.to_be_bytes());
                out.extend_from_slice(&right.to_be_bytes());
            }
        }
        out.extend_from_slice(payload);
        // A segment longer than 65535 bytes cannot be sent over IPv4 anyway;
        // the cast then yields a wrong checksum that the peer will reject.
        let sum = checksum::pseudo_header(src, dst, PROTOCOL, out.len() as u16);
        let sum = checksum::finish(checksum::accumulate(sum, out));
        out[16..18].copy_from_slice(&sum.to_be_bytes());
    }
}

// Tests: net/tests/tcp_wire.rs (everything they need is public).
