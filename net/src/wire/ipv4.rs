//! IPv4 packets (RFC 791).
//!
//! ```text
//!  0               1               2               3
//! +-------+-------+---------------+-------------------------------+
//! |Version|  IHL  |   DSCP/ECN    |          Total Length         |
//! +-------+-------+---------------+-----+-------------------------+
//! |         Identification        |Flags|     Fragment Offset     |
//! +---------------+---------------+-----+-------------------------+
//! |      TTL      |   Protocol    |        Header Checksum        |
//! +---------------+---------------+-------------------------------+
//! |                        Source Address                         |
//! +---------------------------------------------------------------+
//! |                     Destination Address                       |
//! +---------------------------------------------------------------+
//! |              Options (if IHL > 5), then the payload           |
//! ```
//!
//! Invariants of an [`Ipv4Packet`]: version 4, a header of at least 20 bytes
//! that fits in the buffer, a header checksum that verifies, and a total
//! length between the header length and the buffer length. Its payload is cut
//! at the total length, so Ethernet padding never reaches UDP or ICMP.
//!
//! Fragments parse fine (they are valid packets): [`Ipv4Packet::is_fragment`]
//! sends them to the interface's reassembly (`iface/reassembly.rs`), and
//! [`Ipv4Repr::emit_fragment`] writes the pieces of a datagram too big for
//! one frame.

use core::net::Ipv4Addr;

use super::checksum;
use super::ethernet::WireError;

/// A header without options.
pub const HEADER_LEN: usize = 20;
/// RFC 791: every link must carry datagrams of 68 bytes.
pub const MIN_MTU: usize = 68;

/// The protocol field (IANA "Assigned Internet Protocol Numbers").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Icmp,
    Tcp,
    Udp,
    Unknown(u8),
}

impl From<u8> for Protocol {
    fn from(value: u8) -> Self {
        match value {
            1 => Protocol::Icmp,
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            other => Protocol::Unknown(other),
        }
    }
}

impl From<Protocol> for u8 {
    fn from(value: Protocol) -> u8 {
        match value {
            Protocol::Icmp => 1,
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Unknown(other) => other,
        }
    }
}

/// A received IPv4 packet, checked.
#[derive(Clone, Copy, Debug)]
pub struct Ipv4Packet<'a> {
    /// Exactly `total_len` bytes: trailing padding is cut off at construction.
    buffer: &'a [u8],
}

// ANCHOR: ipv4_checks
/// The checks every IPv4 header gets, received or quoted in an ICMP error:
/// a fixed header is present, the version is 4, the header length (IHL,
/// RFC 791 §3.1, in 32-bit words) is at least 5 and fits, and the total
/// length covers the header. Returns (header length, total length).
fn lengths(buffer: &[u8]) -> Result<(usize, usize), WireError> {
    if buffer.len() < HEADER_LEN {
        return Err(WireError::Truncated);
    }
    if buffer[0] >> 4 != 4 {
        return Err(WireError::BadVersion);
    }
    let header_len = usize::from(buffer[0] & 0x0f) * 4;
    if header_len < HEADER_LEN {
        return Err(WireError::BadLength);
    }
    if header_len > buffer.len() {
        return Err(WireError::Truncated);
    }
    let total_len = usize::from(u16::from_be_bytes([buffer[2], buffer[3]]));
    if total_len < header_len {
        return Err(WireError::BadLength);
    }
    Ok((header_len, total_len))
}

impl<'a> Ipv4Packet<'a> {
    /// A received packet: the checks of `lengths`, then that the total
    /// length fits in what arrived and the header checksum verifies.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self, WireError> {
        let (header_len, total_len) = lengths(buffer)?;
        if total_len > buffer.len() {
            return Err(WireError::Truncated);
        }
        // A header that includes its own checksum sums to zero (RFC 1071 §1).
        if checksum::checksum(&buffer[..header_len]) != 0 {
            return Err(WireError::BadChecksum);
        }
        // Anything past total_len is link-layer padding, not ours.
        Ok(Ipv4Packet {
            buffer: &buffer[..total_len],
        })
    }
    // ANCHOR_END: ipv4_checks

    /// The start of a datagram quoted in an ICMP error (RFC 792: its
    /// header and at least 8 bytes of its data). Checks the version and
    /// that the header fits; the rest is usually cut off, so the total
    /// length is not checked against the buffer, and neither is the
    /// checksum (a router quotes the header as it was when it gave up).
    /// `payload()` is whatever follows the header, at most `total_len`.
    pub fn new_quoted(buffer: &'a [u8]) -> Result<Self, WireError> {
        let (_, total_len) = lengths(buffer)?;
        Ok(Ipv4Packet {
            buffer: &buffer[..total_len.min(buffer.len())],
        })
    }

    /// The total length field itself: for a quoted datagram, the size it
    /// had on the wire, though only its start is here.
    pub fn total_len_field(&self) -> usize {
        usize::from(u16::from_be_bytes([self.buffer[2], self.buffer[3]]))
    }

    pub fn header_len(&self) -> usize {
        usize::from(self.buffer[0] & 0x0f) * 4
    }

    pub fn total_len(&self) -> usize {
        self.buffer.len()
    }

    pub fn ident(&self) -> u16 {
        u16::from_be_bytes([self.buffer[4], self.buffer[5]])
    }

    /// DF: "don't fragment" (RFC 791 §3.1, bit 1 of the flags).
    pub fn dont_fragment(&self) -> bool {
        self.buffer[6] & 0x40 != 0
    }

    /// MF: "more fragments follow".
    pub fn more_fragments(&self) -> bool {
        self.buffer[6] & 0x20 != 0
    }

    /// Where this fragment's data sits in the original datagram, in bytes
    /// (the field counts 8-byte units).
    pub fn fragment_offset(&self) -> usize {
        usize::from(u16::from_be_bytes([self.buffer[6] & 0x1f, self.buffer[7]])) * 8
    }

    /// A packet is a whole datagram only if it is the first fragment
    /// (offset 0) and the last one (MF clear).
    pub fn is_fragment(&self) -> bool {
        self.more_fragments() || self.fragment_offset() != 0
    }

    pub fn ttl(&self) -> u8 {
        self.buffer[8]
    }

    pub fn protocol(&self) -> Protocol {
        Protocol::from(self.buffer[9])
    }

    pub fn src(&self) -> Ipv4Addr {
        let b = &self.buffer[12..16];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    pub fn dst(&self) -> Ipv4Addr {
        let b = &self.buffer[16..20];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// The header including options; ICMP errors quote it back.
    pub fn header(&self) -> &'a [u8] {
        &self.buffer[..self.header_len()]
    }

    /// The data after the header (and options), up to the total length.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer[self.header_len()..]
    }

    /// The whole packet, header and payload, without link padding.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buffer
    }
}

/// The fields we set when sending. We never send options and leave
/// DSCP/ECN at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Repr {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: Protocol,
    pub ttl: u8,
    /// Identifies the datagram's fragments; must differ between datagrams
    /// that could be fragmented (RFC 791 §3.2, RFC 6864), so the interface
    /// counts up.
    pub ident: u16,
    /// DF: routers must not fragment it, but answer with ICMP
    /// "fragmentation needed" instead: how path-MTU discovery (RFC 1191)
    /// learns the smallest MTU on the way.
    pub dont_fragment: bool,
}

/// Turns the header at the start of `packet` into that of an unfragmented
/// datagram of `total_len` bytes: MF and the offset cleared, the total
/// length and the checksum rewritten. Reassembly does this to the first
/// fragment's header (RFC 791 §3.2). Does nothing to a buffer shorter than
/// the header it claims.
pub fn mark_unfragmented(packet: &mut [u8], total_len: u16) {
    let header_len = match packet.first() {
        Some(b) => usize::from(b & 0x0f) * 4,
        None => return,
    };
    let Some(header) = packet.get_mut(..header_len.max(HEADER_LEN)) else {
        return;
    };
    header[2..4].copy_from_slice(&total_len.to_be_bytes());
    header[6] &= 0x40; // keep DF only
    header[7] = 0;
    header[10..12].copy_from_slice(&[0, 0]);
    let sum = checksum::checksum(header);
    header[10..12].copy_from_slice(&sum.to_be_bytes());
}

impl Ipv4Repr {
    pub fn parse(packet: &Ipv4Packet<'_>) -> Ipv4Repr {
        Ipv4Repr {
            src: packet.src(),
            dst: packet.dst(),
            protocol: packet.protocol(),
            ttl: packet.ttl(),
            ident: packet.ident(),
            dont_fragment: packet.dont_fragment(),
        }
    }

    /// Writes a 20-byte header with its checksum, then `payload`, at the start
    /// of `buf`. Returns the number of bytes written.
    pub fn emit(&self, buf: &mut [u8], payload: &[u8]) -> Result<usize, WireError> {
        self.emit_fragment(buf, payload, 0, false)
    }

    // ANCHOR: emit_fragment
    /// Like [`Ipv4Repr::emit`], for one piece of a fragmented datagram:
    /// `payload` is the piece, which starts `offset` bytes into the
    /// datagram's payload (a multiple of 8: the field counts 8-byte units),
    /// and `more` says whether pieces follow (MF). Every piece carries the
    /// same identification, which is how the receiver tells whose it is.
    pub fn emit_fragment(
        &self,
        buf: &mut [u8],
        payload: &[u8],
        offset: usize,
        more: bool,
    ) -> Result<usize, WireError> {
        if !offset.is_multiple_of(8) || offset / 8 > 0x1fff {
            return Err(WireError::BadLength);
        }
        let mut flags_offset = (offset / 8) as u16;
        if self.dont_fragment {
            flags_offset |= 0x4000;
        }
        if more {
            flags_offset |= 0x2000;
        }
        let total_len = HEADER_LEN + payload.len();
        let out = buf.get_mut(..total_len).ok_or(WireError::BufferTooSmall)?;
        self.emit_header(out, payload.len(), flags_offset)?;
        out[HEADER_LEN..].copy_from_slice(payload);
        Ok(total_len)
    }
    // ANCHOR_END: emit_fragment

    /// Writes the 20-byte header, with its checksum, of an unfragmented
    /// datagram whose `payload_len` bytes of payload already follow it in
    /// `buf` (they are not touched).
    pub fn emit_header_only(&self, buf: &mut [u8], payload_len: usize) -> Result<(), WireError> {
        let flags_offset = if self.dont_fragment { 0x4000 } else { 0 };
        self.emit_header(buf, payload_len, flags_offset)
    }

    fn emit_header(
        &self,
        buf: &mut [u8],
        payload_len: usize,
        flags_offset: u16,
    ) -> Result<(), WireError> {
        let total_len = HEADER_LEN + payload_len;
        let total_len_field = u16::try_from(total_len).map_err(|_| WireError::BadLength)?;
        let out = buf.get_mut(..HEADER_LEN).ok_or(WireError::BufferTooSmall)?;
        out[0] = 0x45; // version 4, IHL 5 words
        out[1] = 0;
        out[2..4].copy_from_slice(&total_len_field.to_be_bytes());
        out[4..6].copy_from_slice(&self.ident.to_be_bytes());
        out[6..8].copy_from_slice(&flags_offset.to_be_bytes());
        out[8] = self.ttl;
        out[9] = u8::from(self.protocol);
        out[10..12].copy_from_slice(&[0, 0]); // checksum field is zero while summing
        out[12..16].copy_from_slice(&self.src.octets());
        out[16..20].copy_from_slice(&self.dst.octets());
        let sum = checksum::checksum(&out[..HEADER_LEN]);
        out[10..12].copy_from_slice(&sum.to_be_bytes());
        Ok(())
    }
}
