//! Offload: work on outgoing TCP segments that the stack leaves to the card.
//!
//! A card such as the e1000 can finish a segment the stack built halfway:
//!
//! - **checksum offload**: the stack leaves the IPv4 header checksum at
//!   zero and puts in TCP's checksum field only the sum of the
//!   pseudo-header; the card sums the rest while it reads the frame;
//! - **segmentation offload** (TSO): the stack hands over one segment of up
//!   to 64 KiB, with the headers of its first frame, and the card cuts it
//!   into frames of at most `mss` payload bytes, each with its own IPv4
//!   length, identification and checksum, its own TCP sequence number and
//!   checksum, and PSH and FIN only on the last one.
//!
//! The stack asks the card what it can do ([`Capabilities`], from
//! [`Device::capabilities`](crate::Device::capabilities)) and marks each
//! frame that needs finishing with a [`TxOffload`]. Without capabilities
//! (tests, loopback, a card that offers none) every frame leaves complete,
//! exactly as if offload did not exist.
//!
//! [`finish_in_software`] does in software what the card does. The
//! interface uses it for the rare frame that cannot go straight to the card
//! (one that waits for ARP); the tests use it as a model of the card, to
//! check that a stack with offload puts the same bytes on the wire as one
//! without.

use alloc::vec::Vec;

use crate::wire::checksum;
use crate::wire::tcp::Flags;

// ANCHOR: capabilities
/// What a card can finish for the stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// It computes the IPv4 header checksum and TCP's checksum.
    pub tx_checksum: bool,
    /// The largest TCP payload it cuts into MSS-sized frames; 0 if it does
    /// not segment. Segmentation implies checksum offload.
    pub tso_max: usize,
}

impl Capabilities {
    pub const NONE: Capabilities = Capabilities {
        tx_checksum: false,
        tso_max: 0,
    };
}
// ANCHOR_END: capabilities

// ANCHOR: tx_offload
/// How to finish one outgoing frame that carries a TCP segment. Offsets
/// count from the start of the frame (the Ethernet header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxOffload {
    /// Where the IPv4 header starts; its checksum field holds zero.
    pub ip_start: usize,
    /// Where the TCP header starts; its checksum field holds the sum of the
    /// pseudo-header: with the TCP length for a checksum-only frame, with a
    /// length of zero when the card segments (each frame has its own
    /// length, which the card adds in).
    pub tcp_start: usize,
    /// `Some` if the card is to cut the frame into several.
    pub segmentation: Option<Segmentation>,
}

/// The TSO part of a [`TxOffload`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segmentation {
    /// The bytes of headers (Ethernet, IPv4, TCP) copied in front of each
    /// frame's payload.
    pub header_len: usize,
    /// Payload bytes per frame; the last frame may carry fewer.
    pub mss: usize,
}
// ANCHOR_END: tx_offload

// ANCHOR: segment_offload
/// What TCP left undone in a segment it hands to the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentOffload {
    /// Nothing: the checksum is computed.
    None,
    /// The checksum field holds the pseudo-header seed with the length.
    Checksum,
    /// The payload is longer than `mss` and is to be cut into frames of
    /// `mss` bytes; the checksum field holds the seed without the length.
    Segmentation { mss: usize },
}
// ANCHOR_END: segment_offload

/// Offsets of the fields the card rewrites.
const IP_TOTAL_LEN: usize = 2;
const IP_IDENT: usize = 4;
const IP_CHECKSUM: usize = 10;
const TCP_SEQ: usize = 4;
const TCP_FLAGS: usize = 13;
const TCP_CHECKSUM: usize = 16;

// ANCHOR: seed
/// The value TCP puts in its checksum field for the card: the pseudo-header
/// summed and folded, not complemented (what Linux writes for
/// `CHECKSUM_PARTIAL`). `tcp_len` is the segment's length for a
/// checksum-only frame and 0 when the card segments.
pub fn pseudo_header_seed(src: core::net::Ipv4Addr, dst: core::net::Ipv4Addr, tcp_len: u16) -> u16 {
    !checksum::finish(checksum::pseudo_header(
        src,
        dst,
        crate::wire::tcp::PROTOCOL,
        tcp_len,
    ))
}
// ANCHOR_END: seed

// ANCHOR: finish_in_software
/// Does what the card would do with `frame`, calling `out` with each
/// finished frame. A frame too short for the offsets it claims comes out
/// unchanged (the card would send garbage too; it cannot be a frame the
/// stack built).
pub fn finish_in_software(frame: &[u8], offload: &TxOffload, out: &mut dyn FnMut(Vec<u8>)) {
    let (ip, tcp) = (offload.ip_start, offload.tcp_start);
    let header_len = offload.segmentation.map_or(tcp + 20, |s| s.header_len);
    if ip + 20 > tcp || header_len < tcp + 20 || header_len > frame.len() {
        out(frame.to_vec());
        return;
    }
    let Some(Segmentation { mss, .. }) = offload.segmentation.filter(|s| s.mss > 0) else {
        let mut single = frame.to_vec();
        fill_checksums(&mut single, ip, tcp, None);
        out(single);
        return;
    };
    let (headers, payload) = frame.split_at(header_len);
    let pieces = payload.len().div_ceil(mss).max(1);
    for index in 0..pieces {
        let piece =
            &payload[(index * mss).min(payload.len())..((index + 1) * mss).min(payload.len())];
        let mut f = Vec::with_capacity(header_len + piece.len());
        f.extend_from_slice(headers);
        f.extend_from_slice(piece);
        let total_len = (f.len() - ip) as u16;
        f[ip + IP_TOTAL_LEN..][..2].copy_from_slice(&total_len.to_be_bytes());
        let ident = u16::from_be_bytes([f[ip + IP_IDENT], f[ip + IP_IDENT + 1]]);
        f[ip + IP_IDENT..][..2].copy_from_slice(&ident.wrapping_add(index as u16).to_be_bytes());
        let seq = u32::from_be_bytes(f[tcp + TCP_SEQ..][..4].try_into().unwrap_or([0; 4]));
        let seq = seq.wrapping_add((index * mss) as u32);
        f[tcp + TCP_SEQ..][..4].copy_from_slice(&seq.to_be_bytes());
        if index + 1 < pieces {
            f[tcp + TCP_FLAGS] &= !(Flags::PSH.bits() | Flags::FIN.bits());
        }
        let tcp_len = (f.len() - tcp) as u16;
        fill_checksums(&mut f, ip, tcp, Some(tcp_len));
        out(f);
    }
}

/// Computes the IPv4 header checksum and TCP's checksum of one frame, as
/// the card does: over the fields as they are, so the IPv4 checksum field
/// must hold zero and TCP's the pseudo-header seed; `add_len` is the TCP
/// length the card adds to a seed that lacks it (segmentation).
fn fill_checksums(f: &mut [u8], ip: usize, tcp: usize, add_len: Option<u16>) {
    let sum = checksum::checksum(&f[ip..tcp]);
    f[ip + IP_CHECKSUM..][..2].copy_from_slice(&sum.to_be_bytes());
    let sum = checksum::finish(checksum::accumulate(
        u32::from(add_len.unwrap_or(0)),
        &f[tcp..],
    ));
    f[tcp + TCP_CHECKSUM..][..2].copy_from_slice(&sum.to_be_bytes());
}
// ANCHOR_END: finish_in_software
