//! Transmit offload: the card computes checksums and cuts large TCP
//! segments into frames (8254x SDM 3.3.5 - 3.3.7, "TCP/IP context
//! descriptors", "TCP segmentation").
//!
//! A frame the stack left unfinished (`net::offload::TxOffload`) goes out
//! as one *context descriptor*, when the context changes, then *extended
//! data descriptors* for its bytes:
//!
//! ```text
// ANCHOR: picture
//!  context descriptor            data descriptors (DTYP=1, DEXT)
//!  ┌──────────────────────────┐  ┌─────────┐┌─────────┐    ┌─────────┐
//!  │ IPCSS IPCSO IPCSE        │  │ 2 KiB   ││ 2 KiB   │ .. │ rest,   │
//!  │ TUCSS TUCSO TUCSE        │  │ headers ││ payload │    │ EOP     │
//!  │ PAYLEN, TUCMD: TSE IP TCP│  │ + data  ││         │    │         │
//!  │ HDRLEN, MSS              │  └─────────┘└─────────┘    └─────────┘
//!  └──────────────────────────┘  POPTS: IXSM (IP sum), TXSM (TCP sum)
// ANCHOR_END: picture
//! ```
//!
//! The context tells the card where the checksums start (`..CSS`), where
//! to store them (`..CSO`) and where they end (`..CSE`, 0: the end of the
//! frame), and for TSO the length of the headers it copies in front of
//! each frame and the MSS. The card keeps one context; it is rewritten only
//! when it changes: for every TSO segment (PAYLEN changes), and when a
//! checksum-only frame follows one.
//!
//! Every descriptor asks for status (RS), so that `TxRing::reclaim` walks
//! over them one by one as it does over legacy descriptors: the DD bit sits
//! in the same byte in all three formats.

use super::E1000;
use super::rings::BUFFER_SIZE;
use ::net::offload::{Capabilities, TxOffload};

// ANCHOR: capabilities
/// What the driver offers the stack: both checksums, and segments of up to
/// 64 KiB, as Linux's e1000 driver does for the 82540EM.
pub const CAPABILITIES: Capabilities = Capabilities {
    tx_checksum: true,
    tso_max: 64 * 1024,
};
// ANCHOR_END: capabilities

// Bits of the descriptors' command byte (bits 24-31 of the second dword).
const CMD_EOP: u64 = 1 << 24; // data: end of packet. Context: TCP (TUCMD.TCP)
const CMD_IFCS: u64 = 1 << 25; // data: insert the Ethernet CRC. Context: IPv4
const CMD_TSE: u64 = 1 << 26; // TCP segmentation enable
const CMD_RS: u64 = 1 << 27; // report status (DD)
const CMD_DEXT: u64 = 1 << 29; // extended descriptor (not legacy)
const DTYP_DATA: u64 = 1 << 20; // descriptor type: 0 context, 1 data
const TUCMD_TCP: u64 = CMD_EOP;
const TUCMD_IP: u64 = CMD_IFCS;
// Packet options of a data descriptor (byte 13).
const POPTS_IXSM: u64 = 1 << 40; // insert the IPv4 checksum
const POPTS_TXSM: u64 = 1 << 41; // insert the TCP/UDP checksum

/// Offsets in the IPv4 and TCP headers of their checksum fields.
const IP_CHECKSUM_AT: usize = 10;
const TCP_CHECKSUM_AT: usize = 16;

/// The card's one offload context, as the driver last wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    offload: TxOffload,
    /// The payload bytes of a TSO segment (PAYLEN); 0 without TSO.
    payload_len: usize,
}

// ANCHOR: context
/// The 16 bytes of a context descriptor for `context`.
fn context_descriptor(context: &Context) -> [u64; 2] {
    let o = &context.offload;
    let ip_end = o.tcp_start - 1; // IPCSE: the last byte of the IPv4 header
    let low = o.ip_start as u64
        | ((o.ip_start + IP_CHECKSUM_AT) as u64) << 8
        | (ip_end as u64) << 16
        | (o.tcp_start as u64) << 32
        | ((o.tcp_start + TCP_CHECKSUM_AT) as u64) << 40; // TUCSE 0: to the end
    let mut high = CMD_DEXT | CMD_RS | TUCMD_IP | TUCMD_TCP;
    if let Some(tso) = o.segmentation {
        high |= CMD_TSE
            | context.payload_len as u64 // PAYLEN, 20 bits
            | (tso.header_len as u64) << 40
            | (tso.mss as u64) << 48;
    }
    [low, high]
}
// ANCHOR_END: context

impl E1000 {
    // ANCHOR: transmit_offloaded
    /// Queues a frame the card is to finish. False if the ring has no room
    /// for all its descriptors (the caller then arms TXDW, as for a full
    /// ring).
    pub(super) fn transmit_offloaded(&mut self, frame: &[u8], offload: &TxOffload) -> bool {
        let header_len = offload.segmentation.map_or(0, |s| s.header_len);
        let context = Context {
            offload: *offload,
            payload_len: offload
                .segmentation
                .map_or(0, |_| frame.len().saturating_sub(header_len)),
        };
        let new_context = self.tx_context != Some(context);
        let needed = usize::from(new_context) + frame.len().div_ceil(BUFFER_SIZE);
        if self.tx.free() < needed {
            return false;
        }
        let mut ahead = 0;
        if new_context {
            self.tx.fill(ahead, &[], context_descriptor(&context));
            self.tx_context = Some(context);
            ahead += 1;
        }
        let chunks = frame.len().div_ceil(BUFFER_SIZE);
        for (n, chunk) in frame.chunks(BUFFER_SIZE).enumerate() {
            let mut command = CMD_DEXT | DTYP_DATA | CMD_IFCS | CMD_RS;
            if offload.segmentation.is_some() {
                command |= CMD_TSE;
            }
            if n + 1 == chunks {
                command |= CMD_EOP;
            }
            let high = command | chunk.len() as u64 | POPTS_IXSM | POPTS_TXSM;
            let address = self.tx.buffer_address(ahead);
            self.tx.fill(ahead, chunk, [address, high]);
            ahead += 1;
        }
        self.tx.publish(ahead);
        self.counters.tx_offloaded += 1;
        true
    }
    // ANCHOR_END: transmit_offloaded
}
