//! ICMP messages (RFC 792): echo request/reply ("ping"), destination
//! unreachable (with "fragmentation needed", RFC 1191 §4) and time
//! exceeded.
//!
//! Every ICMP message starts with the same 4 bytes, then 4 bytes whose meaning
//! depends on the type, then data:
//!
//! ```text
//!  0       1       2               4               6               8
//! +-------+-------+---------------+---------------+---------------+------
//! | type  | code  |   checksum    |  identifier   |  sequence no  | data
//! +-------+-------+---------------+---------------+---------------+------
//!                                  (echo request/reply; unused for
//!                                   destination unreachable)
//! ```
//!
//! Invariant: an [`IcmpPacket`] holds at least [`HEADER_LEN`] bytes and its
//! checksum, taken over the whole message, verifies. Any type parses; only
//! the ones in [`IcmpRepr`] are understood.

use super::checksum;
use super::ethernet::WireError;

/// Type, code, checksum and the 4 type-specific bytes.
pub const HEADER_LEN: usize = 8;

const TYPE_ECHO_REPLY: u8 = 0;
const TYPE_DST_UNREACHABLE: u8 = 3;
const TYPE_ECHO_REQUEST: u8 = 8;
const TYPE_TIME_EXCEEDED: u8 = 11;

/// Destination unreachable, code 2: "protocol unreachable" (RFC 792, p. 4).
pub const CODE_PROTOCOL_UNREACHABLE: u8 = 2;
/// Destination unreachable, code 3: "port unreachable" (RFC 792, p. 4).
pub const CODE_PORT_UNREACHABLE: u8 = 3;
/// Destination unreachable, code 4: "fragmentation needed and DF set"
/// (RFC 792); RFC 1191 §4 puts the next hop's MTU in bytes 6..8.
pub const CODE_FRAGMENTATION_NEEDED: u8 = 4;
/// Time exceeded, code 1: "fragment reassembly time exceeded" (RFC 792).
pub const CODE_REASSEMBLY_TIME_EXCEEDED: u8 = 1;

/// A received ICMP message, checked.
#[derive(Clone, Copy, Debug)]
pub struct IcmpPacket<'a> {
    buffer: &'a [u8],
}

impl<'a> IcmpPacket<'a> {
    /// `buffer` must be the IPv4 payload exactly: the checksum covers every
    /// byte of it (RFC 792: "the 16-bit one's complement of the one's
    /// complement sum of the ICMP message").
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self, WireError> {
        if buffer.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if checksum::checksum(buffer) != 0 {
            return Err(WireError::BadChecksum);
        }
        Ok(IcmpPacket { buffer })
    }

    pub fn msg_type(&self) -> u8 {
        self.buffer[0]
    }

    pub fn code(&self) -> u8 {
        self.buffer[1]
    }

    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.buffer[2], self.buffer[3]])
    }

    /// Bytes 4..6: the echo identifier (meaningless for other types).
    pub fn echo_ident(&self) -> u16 {
        u16::from_be_bytes([self.buffer[4], self.buffer[5]])
    }

    /// Bytes 6..8: the echo sequence number (meaningless for other types).
    pub fn echo_seq_no(&self) -> u16 {
        u16::from_be_bytes([self.buffer[6], self.buffer[7]])
    }

    /// Everything after the 8-byte header.
    pub fn data(&self) -> &'a [u8] {
        &self.buffer[HEADER_LEN..]
    }
}

/// The ICMP messages this stack understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcmpRepr<'a> {
    /// Type 8. The receiver must send back `ident`, `seq_no` and `data`
    /// unchanged in an echo reply (RFC 792, "Echo or Echo Reply Message").
    EchoRequest {
        ident: u16,
        seq_no: u16,
        data: &'a [u8],
    },
    /// Type 0.
    EchoReply {
        ident: u16,
        seq_no: u16,
        data: &'a [u8],
    },
    /// Type 3. `original` is the IP header plus at least the first 8 bytes of
    /// the datagram that could not be delivered (RFC 792, p. 4), so its sender
    /// can tell which of its flows failed.
    DstUnreachable { code: u8, original: &'a [u8] },
    /// Type 3, code 4: a router could not forward our datagram without
    /// fragmenting it, and DF was set. `next_hop_mtu` is the MTU of the
    /// link it failed on (RFC 1191 §4; 0 from routers older than that).
    FragmentationNeeded {
        next_hop_mtu: u16,
        original: &'a [u8],
    },
    /// Type 11. `original` as for `DstUnreachable`.
    TimeExceeded { code: u8, original: &'a [u8] },
}

impl<'a> IcmpRepr<'a> {
    /// Any other type (or an echo with a nonzero code) is `Unsupported`.
    pub fn parse(packet: &IcmpPacket<'a>) -> Result<IcmpRepr<'a>, WireError> {
        match (packet.msg_type(), packet.code()) {
            (TYPE_ECHO_REQUEST, 0) => Ok(IcmpRepr::EchoRequest {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data: packet.data(),
            }),
            (TYPE_ECHO_REPLY, 0) => Ok(IcmpRepr::EchoReply {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data: packet.data(),
            }),
            (TYPE_DST_UNREACHABLE, CODE_FRAGMENTATION_NEEDED) => {
                Ok(IcmpRepr::FragmentationNeeded {
                    next_hop_mtu: packet.echo_seq_no(),
                    original: packet.data(),
                })
            }
            (TYPE_TIME_EXCEEDED, code) => Ok(IcmpRepr::TimeExceeded {
                code,
                original: packet.data(),
            }),
            (TYPE_DST_UNREACHABLE, code) => Ok(IcmpRepr::DstUnreachable {
                code,
                original: packet.data(),
            }),
            _ => Err(WireError::Unsupported),
        }
    }

    /// Header plus data.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match self {
                IcmpRepr::EchoRequest { data, .. } | IcmpRepr::EchoReply { data, .. } => data.len(),
                IcmpRepr::DstUnreachable { original, .. }
                | IcmpRepr::FragmentationNeeded { original, .. }
                | IcmpRepr::TimeExceeded { original, .. } => original.len(),
            }
    }

    /// Writes the message, checksum included, at the start of `buf`. Returns
    /// the number of bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let out = buf.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        let (msg_type, code, rest, data) = match *self {
            IcmpRepr::EchoRequest {
                ident,
                seq_no,
                data,
            } => (TYPE_ECHO_REQUEST, 0, echo_rest(ident, seq_no), data),
            IcmpRepr::EchoReply {
                ident,
                seq_no,
                data,
            } => (TYPE_ECHO_REPLY, 0, echo_rest(ident, seq_no), data),
            // The 4 bytes after the checksum are "unused" and must be zero.
            IcmpRepr::DstUnreachable { code, original } => {
                (TYPE_DST_UNREACHABLE, code, [0; 4], original)
            }
            IcmpRepr::FragmentationNeeded {
                next_hop_mtu,
                original,
            } => (
                TYPE_DST_UNREACHABLE,
                CODE_FRAGMENTATION_NEEDED,
                echo_rest(0, next_hop_mtu),
                original,
            ),
            IcmpRepr::TimeExceeded { code, original } => {
                (TYPE_TIME_EXCEEDED, code, [0; 4], original)
            }
        };
        out[0] = msg_type;
        out[1] = code;
        out[2..4].copy_from_slice(&[0, 0]); // zero while summing
        out[4..8].copy_from_slice(&rest);
        out[HEADER_LEN..].copy_from_slice(data);
        let sum = checksum::checksum(out);
        out[2..4].copy_from_slice(&sum.to_be_bytes());
        Ok(len)
    }
}

fn echo_rest(ident: u16, seq_no: u16) -> [u8; 4] {
    let [a, b] = ident.to_be_bytes();
    let [c, d] = seq_no.to_be_bytes();
    [a, b, c, d]
}
