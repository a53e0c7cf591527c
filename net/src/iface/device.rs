//! The one thing the stack needs from a network card: move whole Ethernet
//! frames in and out.
//!
//! The kernel's e1000 driver implements [`Device`]; tests use a mock that
//! keeps frames in queues. Frames carry no preamble and no FCS (the NIC adds
//! and checks those) and are at most [`MAX_FRAME_LEN`](crate::wire::ethernet::MAX_FRAME_LEN) bytes long,
//! except a frame the card is to cut up itself (TSO, see
//! [`crate::offload`]), which only a card that offers it is ever given.

use crate::offload::{Capabilities, TxOffload};
use crate::wire::ethernet::EthernetAddress;

// ANCHOR: device
/// A network card, as the interface sees it. Neither method may block: the
/// interface is driven by `poll` and must return quickly.
pub trait Device {
    /// Copies the next received frame into `buf` and returns its length, or
    /// `None` if no frame is waiting. `buf` is [`MAX_FRAME_LEN`](crate::wire::ethernet::MAX_FRAME_LEN) bytes long; a
    /// driver must drop frames that do not fit rather than cut them.
    fn receive(&mut self, buf: &mut [u8]) -> Option<usize>;

    /// Queues `frame` for sending. Returns `false` if the card has no room
    /// right now (a full transmit ring): the interface keeps the frame and
    /// tries again on its next `poll`. `offload` is `Some` only if
    /// [`Device::capabilities`] offered it: the card must finish the frame
    /// (checksums, and segmentation if asked) as it sends it.
    fn transmit(&mut self, frame: &[u8], offload: Option<&TxOffload>) -> bool;

    /// What the card can finish for the stack. The default is nothing:
    /// every frame arrives at `transmit` complete.
    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
    }

    /// The card's own address, to put in `Config::mac`.
    fn mac(&self) -> EthernetAddress;
}
// ANCHOR_END: device
