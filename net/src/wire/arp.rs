//! ARP packets (RFC 826), for IPv4 over Ethernet only.
//!
//! ARP is generic: it names the hardware and protocol types and their address
//! lengths in every packet. We only speak the one combination that matters
//! here, Ethernet (1) + IPv4 (0x0800) with lengths 6 and 4, which gives a
//! fixed 28-byte packet:
//!
//! ```text
//!  0       2       4   5   6       8            14        18           24        28
//! +-------+-------+---+---+-------+------------+---------+------------+---------+
//! | htype | ptype |hln|pln|  op   | sender MAC | send IP | target MAC | targ IP |
//! +-------+-------+---+---+-------+------------+---------+------------+---------+
//! ```
//!
//! Invariant: an [`ArpPacket`] holds at least [`PACKET_LEN`] bytes, names
//! Ethernet/IPv4 and has operation 1 or 2, so its accessors cannot fail.

use core::net::Ipv4Addr;

use super::ethernet::{EthernetAddress, WireError};

/// Size of an Ethernet/IPv4 ARP packet.
pub const PACKET_LEN: usize = 28;

const HTYPE_ETHERNET: u16 = 1;
const PTYPE_IPV4: u16 = 0x0800;

/// The `op` field (RFC 826, "ar$op").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpOperation {
    /// "Who has `target_ip`? Tell `sender_ip`."
    Request,
    /// "`sender_ip` is at `sender_mac`."
    Reply,
}

/// A received ARP packet, checked.
#[derive(Clone, Copy, Debug)]
pub struct ArpPacket<'a> {
    buffer: &'a [u8],
}

impl<'a> ArpPacket<'a> {
    /// Accepts only Ethernet/IPv4 requests and replies. Bytes after the 28th
    /// (Ethernet padding) are ignored.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self, WireError> {
        if buffer.len() < PACKET_LEN {
            return Err(WireError::Truncated);
        }
        let htype = u16::from_be_bytes([buffer[0], buffer[1]]);
        let ptype = u16::from_be_bytes([buffer[2], buffer[3]]);
        if htype != HTYPE_ETHERNET || ptype != PTYPE_IPV4 || buffer[4] != 6 || buffer[5] != 4 {
            return Err(WireError::Unsupported);
        }
        match u16::from_be_bytes([buffer[6], buffer[7]]) {
            1 | 2 => Ok(ArpPacket { buffer }),
            // RARP and InARP use other codes; we speak neither.
            _ => Err(WireError::Unsupported),
        }
    }

    pub fn operation(&self) -> ArpOperation {
        // new_checked admitted only 1 and 2.
        if self.buffer[7] == 1 {
            ArpOperation::Request
        } else {
            ArpOperation::Reply
        }
    }

    pub fn sender_mac(&self) -> EthernetAddress {
        EthernetAddress(mac_at(self.buffer, 8))
    }

    pub fn sender_ip(&self) -> Ipv4Addr {
        ip_at(self.buffer, 14)
    }

    pub fn target_mac(&self) -> EthernetAddress {
        EthernetAddress(mac_at(self.buffer, 18))
    }

    pub fn target_ip(&self) -> Ipv4Addr {
        ip_at(self.buffer, 24)
    }
}

fn mac_at(buffer: &[u8], at: usize) -> [u8; 6] {
    let mut mac = [0; 6];
    mac.copy_from_slice(&buffer[at..at + 6]);
    mac
}

fn ip_at(buffer: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(buffer[at], buffer[at + 1], buffer[at + 2], buffer[at + 3])
}

/// The fields of an ARP packet, to parse or to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpRepr {
    pub operation: ArpOperation,
    pub sender_mac: EthernetAddress,
    pub sender_ip: Ipv4Addr,
    /// Ignored in a request (RFC 826 leaves it unset; we send zeros).
    pub target_mac: EthernetAddress,
    pub target_ip: Ipv4Addr,
}

impl ArpRepr {
    pub fn parse(packet: &ArpPacket<'_>) -> ArpRepr {
        ArpRepr {
            operation: packet.operation(),
            sender_mac: packet.sender_mac(),
            sender_ip: packet.sender_ip(),
            target_mac: packet.target_mac(),
            target_ip: packet.target_ip(),
        }
    }

    /// Writes the 28-byte packet at the start of `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), WireError> {
        let out = buf.get_mut(..PACKET_LEN).ok_or(WireError::BufferTooSmall)?;
        out[0..2].copy_from_slice(&HTYPE_ETHERNET.to_be_bytes());
        out[2..4].copy_from_slice(&PTYPE_IPV4.to_be_bytes());
        out[4] = 6;
        out[5] = 4;
        let op: u16 = match self.operation {
            ArpOperation::Request => 1,
            ArpOperation::Reply => 2,
        };
        out[6..8].copy_from_slice(&op.to_be_bytes());
        out[8..14].copy_from_slice(&self.sender_mac.0);
        out[14..18].copy_from_slice(&self.sender_ip.octets());
        out[18..24].copy_from_slice(&self.target_mac.0);
        out[24..28].copy_from_slice(&self.target_ip.octets());
        Ok(())
    }
}
