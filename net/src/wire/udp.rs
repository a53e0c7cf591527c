//! UDP datagrams (RFC 768).
//!
//! ```text
//!  0               2               4               6               8
//! +---------------+---------------+---------------+---------------+------
//! |  source port  |   dest port   |    length     |   checksum    | data
//! +---------------+---------------+---------------+---------------+------
//! ```
//!
//! `length` counts header and data. The checksum covers a pseudo-header
//! (source and destination IP, protocol 17, length), the UDP header and the
//! data; a zero checksum means "the sender did not compute one" (RFC 768).
//!
//! Invariant: a [`UdpPacket`] holds exactly `length` bytes (at least 8), and
//! its checksum, if nonzero, verifies for the addresses it was checked with.

use core::net::Ipv4Addr;

use super::checksum;
use super::ethernet::WireError;

pub const HEADER_LEN: usize = 8;

/// The IPv4 protocol number of UDP, used in the pseudo-header.
const PROTOCOL_UDP: u8 = 17;

/// A received UDP datagram, checked.
#[derive(Clone, Copy, Debug)]
pub struct UdpPacket<'a> {
    /// Cut to the length field.
    buffer: &'a [u8],
}

impl<'a> UdpPacket<'a> {
    // ANCHOR: udp_checks
    /// `src` and `dst` are the addresses from the IPv4 header: the checksum
    /// covers them, so that a datagram delivered to the wrong host fails.
    ///
    /// A length field shorter than the buffer is accepted and the extra bytes
    /// ignored (as Linux does); a longer one is `Truncated`.
    pub fn new_checked(buffer: &'a [u8], src: Ipv4Addr, dst: Ipv4Addr) -> Result<Self, WireError> {
        if buffer.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let length = u16::from_be_bytes([buffer[4], buffer[5]]);
        if usize::from(length) < HEADER_LEN {
            return Err(WireError::BadLength);
        }
        if usize::from(length) > buffer.len() {
            return Err(WireError::Truncated);
        }
        let buffer = &buffer[..usize::from(length)];
        let transmitted = u16::from_be_bytes([buffer[6], buffer[7]]);
        if transmitted != 0 {
            let sum = checksum::pseudo_header(src, dst, PROTOCOL_UDP, length);
            if checksum::finish(checksum::accumulate(sum, buffer)) != 0 {
                return Err(WireError::BadChecksum);
            }
        }
        Ok(UdpPacket { buffer })
    }
    // ANCHOR_END: udp_checks

    pub fn src_port(&self) -> u16 {
        u16::from_be_bytes([self.buffer[0], self.buffer[1]])
    }

    pub fn dst_port(&self) -> u16 {
        u16::from_be_bytes([self.buffer[2], self.buffer[3]])
    }

    /// The length field: header plus data.
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    /// Never true: a checked datagram has at least its 8-byte header.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.buffer[6], self.buffer[7]])
    }

    pub fn payload(&self) -> &'a [u8] {
        &self.buffer[HEADER_LEN..]
    }
}

/// The ports of a datagram to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpRepr {
    pub src_port: u16,
    pub dst_port: u16,
}

impl UdpRepr {
    pub fn parse(packet: &UdpPacket<'_>) -> UdpRepr {
        UdpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
        }
    }

    /// Writes header, `payload` and checksum at the start of `buf`. Returns
    /// the number of bytes written.
    pub fn emit(
        &self,
        buf: &mut [u8],
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<usize, WireError> {
        let len = HEADER_LEN + payload.len();
        let length = u16::try_from(len).map_err(|_| WireError::BadLength)?;
        let out = buf.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        out[0..2].copy_from_slice(&self.src_port.to_be_bytes());
        out[2..4].copy_from_slice(&self.dst_port.to_be_bytes());
        out[4..6].copy_from_slice(&length.to_be_bytes());
        out[6..8].copy_from_slice(&[0, 0]);
        out[HEADER_LEN..].copy_from_slice(payload);
        let sum = checksum::pseudo_header(src, dst, PROTOCOL_UDP, length);
        let mut sum = checksum::finish(checksum::accumulate(sum, out));
        // RFC 768: "If the computed checksum is zero, it is transmitted as all
        // ones", because a zero field means "no checksum".
        if sum == 0 {
            sum = 0xffff;
        }
        out[6..8].copy_from_slice(&sum.to_be_bytes());
        Ok(len)
    }
}
