//! The e1000's descriptor rings: how frames cross between the driver and
//! the card without either waiting for the other.
//!
//! A ring is an array of 16-byte descriptors in RAM, each pointing at a
//! 2 KiB buffer. The card reads and writes both by DMA. Two registers per
//! ring, *head* and *tail*, split it between the two owners:
//!
//! ```text
// ANCHOR: ring_picture
//!   receive ring: the card owns [RDH, RDT), the driver the rest
//!
//!              RDH                                RDT
//!               │                                  │
//!   ┌────┬────┬─▼──┬────┬────┬────┬────┬────┬────┬─▼──┬────┬────┐
//!   │ DD │ DD │    │    │    │    │    │    │    │gap │ DD │ DD │
//!   └────┴────┴────┴────┴────┴────┴────┴────┴────┴────┴─▲──┴────┘
//!    filled    empty buffers, waiting for frames           │  filled
//!    (driver)  (card: fills at RDH, sets DD, moves RDH) `next` (driver)
//!
//!   transmit ring: the card owns [clean, TDT), the driver the rest
//!
//!             `clean`             TDH                TDT = `tail`
//!               │                  │                  │
//!   ┌────┬────┬─▼──┬────┬────┬────┬─▼──┬────┬────┬────┬─▼──┬────┐
//!   │free│free│ DD │ DD │ DD │ DD │ to │ be │sent│    │free│free│
//!   └────┴────┴────┴────┴────┴────┴────┴────┴────┴────┴────┴────┘
//!               sent, waiting for   queued, the card
//!               reclaim (driver)    sends from TDH
// ANCHOR_END: ring_picture
//! ```
//!
//! Receive: the card owns the descriptors from head up to (not including)
//! tail; it fills the buffer at head, writes the frame's length and sets the
//! descriptor's DD ("descriptor done") bit, and moves head on. The driver
//! looks at `next`: DD set means a frame is there. It copies the frame out,
//! clears the descriptor and moves the tail onto it, which hands the
//! *previous* tail back to the card. The descriptor at the tail is always
//! the driver's: that gap is what tells "ring full" (head would reach tail)
//! from "ring empty" (head equals tail).
//!
//! Transmit: the driver fills the buffer at the tail and its descriptor,
//! and moves the tail on; the card sends from head up to tail, setting DD
//! in each descriptor it is done with (we ask for that with the RS bit).
//! Before reusing a descriptor, the driver *reclaims* it: it walks `clean`
//! forward over descriptors with DD set. One descriptor always stays free,
//! so `clean == tail` means "nothing in flight", never "all in flight".
//!
//! Memory ordering: the card does not see our writes in program order
//! unless we say so. Before moving a tail (an uncached register write), every
//! write to descriptors and buffers must be done: a `Release` fence (Linux's
//! `dma_wmb`). After seeing DD, the rest of the descriptor is read only after
//! an `Acquire` fence (Linux's `dma_rmb`), or we could read a length from
//! before the card wrote it. On x86 both are compiler barriers; the CPU
//! keeps stores in order.

use crate::mem::{PAGE_SIZE, frame, phys_to_virt};
use alloc::vec::Vec;
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{Ordering, fence};

// ANCHOR: ring_sizes
/// Descriptors per ring. 64 × 16 bytes is 1 KiB: one page holds a ring
/// (the card wants a multiple of 128 bytes, 16-byte aligned). The
/// transmit ring is a full page of 256: one 64 KiB TSO segment takes 34
/// of them (`offload.rs`), and several must fit to keep the card busy.
pub const RX_RING_LEN: usize = 64;
pub const TX_RING_LEN: usize = 256;
/// Bytes per buffer: the smallest size the card offers that holds a
/// whole Ethernet frame (1514 bytes, or 1518 with a VLAN tag), so a frame
/// never spans two descriptors. Two buffers per page.
pub const BUFFER_SIZE: usize = 2048;
// ANCHOR_END: ring_sizes
const BUFFERS_PER_PAGE: usize = PAGE_SIZE as usize / BUFFER_SIZE;

// ANCHOR: descriptors
/// A receive descriptor (8254x SDM 3.2.3). The card writes all but `addr`.
#[repr(C)]
struct RxDesc {
    addr: u64,
    length: u16,
    checksum: u16,
    status: u8,
    errors: u8,
    special: u16,
}

/// A legacy transmit descriptor (8254x SDM 3.3.3). The card writes `status`.
#[repr(C)]
struct TxDesc {
    addr: u64,
    length: u16,
    cso: u8,
    cmd: u8,
    status: u8,
    css: u8,
    special: u16,
}

const RX_DD: u8 = 1 << 0; // descriptor done: a frame is in the buffer
const RX_EOP: u8 = 1 << 1; // end of packet: the frame's last descriptor
const TX_CMD_EOP: u8 = 1 << 0; // this descriptor ends the frame
const TX_CMD_IFCS: u8 = 1 << 1; // card appends the Ethernet CRC
const TX_CMD_RS: u8 = 1 << 3; // report status: set DD when sent
const TX_DD: u8 = 1 << 0;
const TX_ERRORS: u8 = 0b1110; // excess collisions, late collision, underrun
// ANCHOR_END: descriptors

const _: () = assert!(size_of::<RxDesc>() == 16 && size_of::<TxDesc>() == 16);
const _: () = assert!(RX_RING_LEN * 16 <= PAGE_SIZE as usize);
const _: () = assert!(TX_RING_LEN * 16 <= PAGE_SIZE as usize);

/// One 4 KiB frame of RAM for the card to read or write. Its physical
/// address (what `frame::alloc` returned) is what the card is told; the
/// CPU reaches it through the direct map. It is freed when dropped, so a
/// `DmaPage` must outlive the card's use of it: the driver keeps its rings
/// for as long as the card runs.
pub struct DmaPage {
    phys: u64,
}

impl DmaPage {
    pub fn alloc() -> Option<DmaPage> {
        frame::alloc().map(|phys| DmaPage { phys })
    }

    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// A pointer to a `T` at `offset`, checked to lie inside the page.
    fn at<T>(&self, offset: usize) -> *mut T {
        assert!(
            offset + size_of::<T>() <= PAGE_SIZE as usize && offset.is_multiple_of(align_of::<T>())
        );
        (phys_to_virt(self.phys) + offset as u64) as *mut T
    }
}

impl Drop for DmaPage {
    fn drop(&mut self) {
        frame::free(self.phys);
    }
}

/// `count` buffers of BUFFER_SIZE, two per page.
fn alloc_buffers(count: usize) -> Option<Vec<DmaPage>> {
    (0..count.div_ceil(BUFFERS_PER_PAGE))
        .map(|_| DmaPage::alloc())
        .collect()
}

/// Physical address of buffer `i`.
fn buffer_phys(pages: &[DmaPage], i: usize) -> u64 {
    pages[i / BUFFERS_PER_PAGE].phys + ((i % BUFFERS_PER_PAGE) * BUFFER_SIZE) as u64
}

/// Pointer to the start of buffer `i`.
fn buffer_ptr(pages: &[DmaPage], i: usize) -> *mut u8 {
    pages[i / BUFFERS_PER_PAGE].at::<u8>((i % BUFFERS_PER_PAGE) * BUFFER_SIZE)
}

/// What one filled receive descriptor held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxOutcome {
    /// A good frame of this many bytes, copied into the caller's buffer.
    Frame(usize),
    /// The card flagged an error (CRC, symbol, sequence...): these bits.
    Errors(u8),
    /// A frame longer than the caller's buffer (or the card's), or empty.
    BadLength(usize),
    /// Part of a frame that spanned descriptors, which we never ask for.
    Fragment,
}

/// The receive ring. See the module docs for who owns which descriptor.
pub struct RxRing {
    descriptors: DmaPage,
    buffers: Vec<DmaPage>,
    /// The next descriptor the card will fill: the first to look at.
    next: usize,
    /// Inside a frame spread over several descriptors: drop up to its end.
    discarding: bool,
}

impl RxRing {
    /// A ring whose every descriptor points at its own empty buffer.
    pub fn new() -> Option<RxRing> {
        let ring = RxRing {
            descriptors: DmaPage::alloc()?,
            buffers: alloc_buffers(RX_RING_LEN)?,
            next: 0,
            discarding: false,
        };
        for i in 0..RX_RING_LEN {
            let d = ring.descriptor(i);
            // SAFETY: `d` points into our descriptor page (checked by `at`);
            // the card does not know this ring yet.
            unsafe { write_volatile(&raw mut (*d).addr, buffer_phys(&ring.buffers, i)) };
        }
        Some(ring)
    }

    fn descriptor(&self, i: usize) -> *mut RxDesc {
        self.descriptors.at(i * size_of::<RxDesc>())
    }

    /// For RDBAL/RDBAH and RDLEN.
    pub fn phys(&self) -> u64 {
        self.descriptors.phys()
    }

    pub fn bytes(&self) -> u32 {
        (RX_RING_LEN * size_of::<RxDesc>()) as u32
    }

    /// The tail to start with: every descriptor but the last is the card's.
    pub fn initial_tail(&self) -> u32 {
        (RX_RING_LEN - 1) as u32
    }

    /// The descriptor the driver looks at next (for tests).
    pub fn next(&self) -> usize {
        self.next
    }

    /// Has the card filled the next descriptor? (A peek: nothing changes.)
    pub fn has_frame(&self) -> bool {
        let d = self.descriptor(self.next);
        // SAFETY: inside our descriptor page; volatile, the card writes it.
        unsafe { read_volatile(&raw const (*d).status) & RX_DD != 0 }
    }

    // ANCHOR: rx_take
    /// Takes the next descriptor the card has filled, if any: copies a good
    /// frame into `buf`, clears the descriptor, and returns what it held
    /// with the new tail, which the caller writes to RDT to hand the
    /// descriptor before it back to the card.
    pub fn take(&mut self, buf: &mut [u8]) -> Option<(RxOutcome, u32)> {
        let i = self.next;
        let d = self.descriptor(i);
        // SAFETY: `d` is inside our descriptor page; volatile, because the
        // card writes it behind the compiler's back.
        let status = unsafe { read_volatile(&raw const (*d).status) };
        if status & RX_DD == 0 {
            return None; // still the card's
        }
        fence(Ordering::Acquire); // read the rest only after DD (dma_rmb)
        // SAFETY: as above; with DD set the card has finished writing.
        let (length, errors) = unsafe {
            (
                read_volatile(&raw const (*d).length) as usize,
                read_volatile(&raw const (*d).errors),
            )
        };
        let outcome = if status & RX_EOP == 0 {
            self.discarding = true;
            RxOutcome::Fragment
        } else if self.discarding {
            // The last piece of a spread-out frame.
            self.discarding = false;
            RxOutcome::Fragment
        } else if errors != 0 {
            RxOutcome::Errors(errors)
        } else if length == 0 || length > buf.len() || length > BUFFER_SIZE {
            RxOutcome::BadLength(length)
        } else {
            // SAFETY: buffer `i` is BUFFER_SIZE bytes inside our pages and
            // the card is done with it (DD); `length` fits both sides.
            let frame =
                unsafe { core::slice::from_raw_parts(buffer_ptr(&self.buffers, i), length) };
            buf[..length].copy_from_slice(frame);
            RxOutcome::Frame(length)
        };
        // Clear DD, so that this descriptor reads as the card's until the
        // card fills it again, one lap from now.
        // SAFETY: as above; the descriptor is ours until the tail moves.
        unsafe { write_volatile(&raw mut (*d).status, 0) };
        fence(Ordering::Release); // the clear, before the tail moves (dma_wmb)
        self.next = (i + 1) % RX_RING_LEN;
        Some((outcome, i as u32))
    }
    // ANCHOR_END: rx_take
}

/// What reclaiming sent descriptors found.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reclaimed {
    pub frames: u64,
    /// Frames the card reported it could not send (collisions, underrun).
    pub errors: u64,
}

/// The transmit ring. See the module docs for who owns which descriptor.
pub struct TxRing {
    descriptors: DmaPage,
    buffers: Vec<DmaPage>,
    /// The next descriptor to fill; TDT is always equal to it.
    tail: usize,
    /// The oldest descriptor given to the card and not yet reclaimed.
    clean: usize,
}

impl TxRing {
    pub fn new() -> Option<TxRing> {
        let ring = TxRing {
            descriptors: DmaPage::alloc()?,
            buffers: alloc_buffers(TX_RING_LEN)?,
            tail: 0,
            clean: 0,
        };
        for i in 0..TX_RING_LEN {
            let d = ring.descriptor(i);
            // SAFETY: inside our descriptor page; the card does not know
            // this ring yet. Each descriptor keeps its own buffer for good.
            unsafe { write_volatile(&raw mut (*d).addr, buffer_phys(&ring.buffers, i)) };
        }
        Some(ring)
    }

    fn descriptor(&self, i: usize) -> *mut TxDesc {
        self.descriptors.at(i * size_of::<TxDesc>())
    }

    pub fn phys(&self) -> u64 {
        self.descriptors.phys()
    }

    pub fn bytes(&self) -> u32 {
        (TX_RING_LEN * size_of::<TxDesc>()) as u32
    }

    /// The next descriptor to fill: the value for TDT.
    pub fn tail(&self) -> u32 {
        self.tail as u32
    }

    /// Descriptors given to the card and not yet reclaimed.
    pub fn in_flight(&self) -> usize {
        (self.tail + TX_RING_LEN - self.clean) % TX_RING_LEN
    }

    pub fn is_full(&self) -> bool {
        self.in_flight() == TX_RING_LEN - 1
    }

    // ANCHOR: tx_reclaim
    /// Takes back the descriptors the card has finished with (DD set),
    /// oldest first, stopping at the first it has not.
    pub fn reclaim(&mut self) -> Reclaimed {
        let mut done = Reclaimed::default();
        while self.clean != self.tail {
            let d = self.descriptor(self.clean);
            // SAFETY: inside our descriptor page; volatile, the card writes it.
            let status = unsafe { read_volatile(&raw const (*d).status) };
            if status & TX_DD == 0 {
                break;
            }
            done.frames += 1;
            if status & TX_ERRORS != 0 {
                done.errors += 1;
            }
            self.clean = (self.clean + 1) % TX_RING_LEN;
        }
        done
    }
    // ANCHOR_END: tx_reclaim

    // ANCHOR: tx_push
    /// Copies `frame` into the buffer at the tail and fills its descriptor.
    /// Returns the new tail for TDT, or `None` if the ring is full. The
    /// caller checks that the frame fits in a buffer.
    pub fn push(&mut self, frame: &[u8]) -> Option<u32> {
        if self.is_full() || frame.len() > BUFFER_SIZE {
            return None;
        }
        let i = self.tail;
        let d = self.descriptor(i);
        // SAFETY: descriptor and buffer `i` are outside [clean, tail), so the
        // card is not reading them; the frame fits in the buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(
                frame.as_ptr(),
                buffer_ptr(&self.buffers, i),
                frame.len(),
            );
            write_volatile(&raw mut (*d).length, frame.len() as u16);
            write_volatile(&raw mut (*d).cmd, TX_CMD_EOP | TX_CMD_IFCS | TX_CMD_RS);
            write_volatile(&raw mut (*d).status, 0);
        }
        fence(Ordering::Release); // buffer and descriptor before TDT (dma_wmb)
        self.tail = (i + 1) % TX_RING_LEN;
        Some(self.tail as u32)
    }
    // ANCHOR_END: tx_push
}

// ANCHOR: tx_slots
/// Descriptors in the formats of `offload.rs` (context and extended data
/// descriptors, 8254x SDM 3.3.5-3.3.7) take several slots per frame: the
/// driver fills them past the tail, then hands them over together.
impl TxRing {
    /// Descriptors the driver may fill now (one always stays empty).
    pub fn free(&self) -> usize {
        TX_RING_LEN - 1 - self.in_flight()
    }

    /// The physical address of the buffer of the `ahead`-th descriptor
    /// past the tail, for a data descriptor to point at.
    pub fn buffer_address(&self, ahead: usize) -> u64 {
        buffer_phys(&self.buffers, (self.tail + ahead) % TX_RING_LEN)
    }

    /// Copies `data` into the buffer of the `ahead`-th descriptor past the
    /// tail and writes that descriptor's 16 bytes (`words`, little-endian,
    /// status included, so DD is clear). The caller keeps `ahead` below
    /// `free()` and `data` within a buffer.
    pub fn fill(&mut self, ahead: usize, data: &[u8], words: [u64; 2]) {
        assert!(ahead < self.free() && data.len() <= BUFFER_SIZE);
        let i = (self.tail + ahead) % TX_RING_LEN;
        let d = self.descriptor(i) as *mut u64;
        // SAFETY: descriptor and buffer `i` are past the tail and before
        // `clean` (checked against `free` above), so the card is not reading
        // them; the data fits in the buffer; a descriptor is 16 bytes,
        // 16-byte aligned, so two u64 writes cover it.
        unsafe {
            core::ptr::copy_nonoverlapping(data.as_ptr(), buffer_ptr(&self.buffers, i), data.len());
            write_volatile(d, words[0]);
            write_volatile(d.add(1), words[1]);
        }
    }

    /// Hands the first `count` descriptors past the tail to the card;
    /// returns the new tail for TDT.
    pub fn publish(&mut self, count: usize) -> u32 {
        fence(Ordering::Release); // buffers and descriptors before TDT (dma_wmb)
        self.tail = (self.tail + count) % TX_RING_LEN;
        self.tail as u32
    }

    /// Points the descriptor at the tail at its own buffer again: a
    /// context descriptor that used the slot overwrote the address, and
    /// `push` writes only the length and command.
    pub fn restore_tail_address(&mut self) {
        let d = self.descriptor(self.tail);
        // SAFETY: the descriptor at the tail is the driver's (module docs).
        unsafe { write_volatile(&raw mut (*d).addr, buffer_phys(&self.buffers, self.tail)) };
    }
}
// ANCHOR_END: tx_slots
