//! Ethernet II frames (IEEE 802.3 with the DIX "type" field), and the error
//! type shared by every parser in [`crate::wire`].
//!
//! A frame as the NIC hands it to us (no preamble, no FCS: the hardware
//! strips and checks those):
//!
//! ```text
//!  0                   6                  12      14                  ≤1514
//! +-------------------+-------------------+-------+---------------------+
//! | destination MAC   | source MAC        | type  | payload (46..1500)  |
//! +-------------------+-------------------+-------+---------------------+
//! ```
//!
//! Invariant: an [`EthernetFrame`] always holds at least [`HEADER_LEN`] bytes,
//! so its accessors cannot fail.

use core::fmt;

/// Why a sequence of bytes is not a packet we accept. Shared by every parser
/// in `wire`; the interface turns each kind into a drop counter.
///
/// It lives here, in the lowest layer, because every other layer sits on top
/// of Ethernet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The buffer ends before the header (or the length the header claims).
    Truncated,
    /// IPv4 version field is not 4.
    BadVersion,
    /// A length field contradicts itself or the buffer (IHL < 5, IPv4 total
    /// length shorter than its header, UDP length < 8, ...).
    BadLength,
    /// The Internet checksum does not verify.
    BadChecksum,
    /// Well formed, but something this stack does not implement (an ARP for a
    /// non-Ethernet network, an ICMP type we do not build, ...).
    Unsupported,
    /// `emit` was given a buffer too small for what it must write.
    BufferTooSmall,
}

// ANCHOR: constants
/// Destination (6) + source (6) + EtherType (2).
pub const HEADER_LEN: usize = 14;
/// The largest payload a standard Ethernet frame carries: the MTU that IPv4
/// sees (RFC 894).
pub const MTU: usize = 1500;
/// The largest frame we send or accept, without the 4-byte FCS.
pub const MAX_FRAME_LEN: usize = HEADER_LEN + MTU;
/// IEEE 802.3 requires 64 bytes on the wire including the 4-byte FCS, so
/// shorter frames are padded with zeros up to 60 bytes before the FCS.
pub const MIN_FRAME_LEN: usize = 60;
// ANCHOR_END: constants

/// A 48-bit MAC address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    /// All ones: every station on the link accepts it.
    pub const BROADCAST: EthernetAddress = EthernetAddress([0xff; 6]);

    pub fn is_broadcast(&self) -> bool {
        *self == Self::BROADCAST
    }

    /// The Individual/Group bit of IEEE 802, the lowest bit of the first
    /// octet, marks group addresses. Broadcast is a group address too.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    pub fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }
}

impl fmt::Display for EthernetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// What the payload is: the 16-bit type field (IANA "ETHER TYPES" registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtherType {
    Ipv4,
    Arp,
    /// Anything else (IPv6, VLAN tags, ...): counted and dropped.
    Unknown(u16),
}

impl From<u16> for EtherType {
    fn from(value: u16) -> Self {
        match value {
            0x0800 => EtherType::Ipv4,
            0x0806 => EtherType::Arp,
            other => EtherType::Unknown(other),
        }
    }
}

impl From<EtherType> for u16 {
    fn from(value: EtherType) -> u16 {
        match value {
            EtherType::Ipv4 => 0x0800,
            EtherType::Arp => 0x0806,
            EtherType::Unknown(other) => other,
        }
    }
}

/// A received frame whose header is known to be present.
#[derive(Clone, Copy, Debug)]
pub struct EthernetFrame<'a> {
    buffer: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Checks that `buffer` holds a whole header. Frames longer than
    /// [`MAX_FRAME_LEN`] are accepted here; the interface never reads more
    /// than that from its device.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self, WireError> {
        if buffer.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        Ok(EthernetFrame { buffer })
    }

    pub fn dst(&self) -> EthernetAddress {
        EthernetAddress(read_mac(&self.buffer[0..6]))
    }

    pub fn src(&self) -> EthernetAddress {
        EthernetAddress(read_mac(&self.buffer[6..12]))
    }

    pub fn ethertype(&self) -> EtherType {
        EtherType::from(u16::from_be_bytes([self.buffer[12], self.buffer[13]]))
    }

    /// Everything after the header. It may end with padding (frames are at
    /// least 60 bytes long): the next layer's own length field says where
    /// its data really stops.
    pub fn payload(&self) -> &'a [u8] {
        &self.buffer[HEADER_LEN..]
    }
}

fn read_mac(bytes: &[u8]) -> [u8; 6] {
    let mut mac = [0; 6];
    mac.copy_from_slice(bytes);
    mac
}

/// The fields of an Ethernet header, to parse or to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthernetRepr {
    pub dst: EthernetAddress,
    pub src: EthernetAddress,
    pub ethertype: EtherType,
}

impl EthernetRepr {
    pub fn parse(frame: &EthernetFrame<'_>) -> EthernetRepr {
        EthernetRepr {
            dst: frame.dst(),
            src: frame.src(),
            ethertype: frame.ethertype(),
        }
    }

    /// Writes the 14-byte header at the start of `buf`; the caller writes the
    /// payload after it.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), WireError> {
        let header = buf.get_mut(..HEADER_LEN).ok_or(WireError::BufferTooSmall)?;
        header[0..6].copy_from_slice(&self.dst.0);
        header[6..12].copy_from_slice(&self.src.0);
        header[12..14].copy_from_slice(&u16::from(self.ethertype).to_be_bytes());
        Ok(())
    }
}
