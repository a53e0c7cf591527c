//! Driver for the Intel 82540EM gigabit Ethernet card (PCI 8086:100E), the
//! "e1000" that QEMU emulates with `-device e1000`.
//!
//! What the driver owns: the card's registers (BAR 0, mapped uncached), its
//! receive and transmit descriptor rings and their buffers (`rings.rs`), and
//! its counters (`stats.rs`). It implements `net::Device`, the only thing
//! the network stack asks of a card: move whole frames in and out.
//!
//! Bring-up (`init.rs`, `probe`): claim the PCI function, enable memory
//! decoding and bus mastering, reset the card, read the MAC address, set up
//! the rings, and turn the receiver and transmitter on. Interrupts come last
//! (`interrupts.rs`, `enable_interrupts`), once the I/O APIC can route the
//! card's line.
//!
//! Interrupts: the card raises its line when frames arrive (RXT0), when it
//! ran out of receive descriptors (RXO), when the link changes (LSC), and,
//! only while the transmit ring is full, when a frame has been sent (TXDW).
//! The handler, `acknowledge_interrupt`, reads ICR, which acknowledges the
//! causes and lowers the (level-triggered) line, and records them for the
//! network thread; all the work happens there, under the network lock.
//!
//! Files: `init` (bring-up), `interrupts`, `rings` (descriptors and DMA
//! memory), `regs` (register names), `stats` (counters); here, the driver
//! itself and its `net::Device` implementation.
//!
//! Invariants:
//! - the driver hands the stack only complete frames, without error bits,
//!   never longer than the stack's buffer (anything else is counted and
//!   dropped; see `rings::RxOutcome`);
//! - it never panics on what the card does: unexpected states are counted;
//! - the rings' memory is never freed while the card runs: an `E1000`
//!   lives for the rest of the boot once `probe` returns it.

mod init;
mod interrupts;
mod offload;
mod regs;
pub mod rings;
mod stats;

use crate::dev::mmio::Mmio;
use crate::dev::pci::PciDevice;
use ::net::offload::{Capabilities, TxOffload};
use ::net::wire::ethernet::EthernetAddress;
pub use init::probe;
pub use interrupts::{acknowledge_interrupt, irq_vector};
use rings::{BUFFER_SIZE, RX_RING_LEN, RxOutcome, RxRing, TX_RING_LEN, TxRing};
pub use stats::{DriverCounters, HardwareCounters};

pub const VENDOR_INTEL: u16 = 0x8086;
pub const DEVICE_82540EM: u16 = 0x100E;

/// Why `probe` found no usable card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeError {
    NotFound,
    /// BAR 0 is not a memory BAR of at least 128 KiB.
    BadBar,
    /// The reset bit did not clear.
    ResetTimeout,
    /// Neither the receive-address registers nor the EEPROM gave a MAC.
    NoMacAddress,
    OutOfMemory,
}

/// One e1000 card, ready to move frames.
pub struct E1000 {
    regs: Mmio,
    pci: PciDevice,
    mac: EthernetAddress,
    rx: RxRing,
    tx: TxRing,
    link_up: bool,
    /// The legacy interrupt line, once routed; `None`: polled only.
    irq: Option<u8>,
    /// TXDW is unmasked while the transmit ring is full (see `transmit`).
    tx_interrupt_armed: bool,
    /// RXT0 is masked while the network thread has a backlog
    /// (`set_rx_interrupt`).
    rx_interrupt_on: bool,
    /// Doorbells not rung yet (see `ring_doorbells`): the receive tail to
    /// give back, and whether frames wait behind the transmit tail.
    rx_tail_pending: Option<u32>,
    tx_tail_pending: bool,
    /// The card's offload context as last written (`offload.rs`).
    tx_context: Option<offload::Context>,
    /// Whether the driver offers offload to the stack (`offload=off` on
    /// the command line turns it off, to measure what it buys).
    offload: bool,
    counters: DriverCounters,
    hardware: HardwareCounters,
}

impl E1000 {
    /// Are received frames waiting in the ring? A poll takes at most
    /// `RX_BATCH` of them, and their interrupt was acknowledged already, so
    /// whoever polls must check this before going to sleep.
    pub fn rx_pending(&self) -> bool {
        self.rx.has_frame()
    }

    // ANCHOR: doorbells
    /// Writes the tails that `receive` and `transmit` left for later: once
    /// per poll, not once per frame. Under emulation each write of RDT or
    /// TDT leaves the translated code for QEMU's model of the card (which,
    /// for TDT, sends every queued frame right there), so one write for a
    /// batch of frames saves the rest. The network thread calls this after
    /// every poll; `transmit` also rings early when the ring fills up.
    pub fn ring_doorbells(&mut self) {
        if let Some(tail) = self.rx_tail_pending.take() {
            self.regs.write(regs::RDT, tail);
        }
        if self.tx_tail_pending {
            self.tx_tail_pending = false;
            self.regs.write(regs::TDT, self.tx.tail());
        }
    }
    // ANCHOR_END: doorbells

    fn reclaim(&mut self) {
        let done = self.tx.reclaim();
        self.counters.tx_errors += done.errors;
    }

    /// Offers checksum and segmentation offload to the stack, or not.
    pub fn set_offload(&mut self, on: bool) {
        self.offload = on;
    }

    pub fn link_up(&self) -> bool {
        self.link_up
    }

    fn link_description(&self) -> &'static str {
        let status = self.regs.read(regs::STATUS);
        if status & regs::STATUS_LU == 0 {
            return "down";
        }
        let full = status & regs::STATUS_FD != 0;
        match ((status >> regs::STATUS_SPEED_SHIFT) & 0b11, full) {
            (0b00, true) => "up, 10 Mb/s full duplex",
            (0b00, false) => "up, 10 Mb/s half duplex",
            (0b01, true) => "up, 100 Mb/s full duplex",
            (0b01, false) => "up, 100 Mb/s half duplex",
            (_, true) => "up, 1000 Mb/s full duplex",
            (_, false) => "up, 1000 Mb/s half duplex",
        }
    }

    /// The legacy interrupt line, if interrupts are on.
    pub fn irq(&self) -> Option<u8> {
        self.irq
    }

    pub fn pci(&self) -> &PciDevice {
        &self.pci
    }

    /// The driver's counters, and the card's (read now, which clears the
    /// card's registers into the running totals).
    pub fn counters(&mut self) -> (DriverCounters, HardwareCounters) {
        self.hardware.update(&self.regs);
        let mut counters = self.counters.clone();
        (counters.interrupts, counters.spurious_interrupts) = interrupts::counts();
        (counters, self.hardware.clone())
    }

    /// Every counter with its name.
    pub fn counter_fields(&mut self) -> [(&'static str, u64); 19] {
        let (driver, hardware) = self.counters();
        stats::fields(&driver, &hardware)
    }

    /// The ring registers as the card sees them, and where the driver is,
    /// for tests: (base, length, head, tail) of receive, then transmit.
    pub fn ring_registers(&self) -> [(u64, u32, u32, u32); 2] {
        let r = &self.regs;
        let base = |low, high| (r.read(high) as u64) << 32 | r.read(low) as u64;
        [
            (
                base(regs::RDBAL, regs::RDBAH),
                r.read(regs::RDLEN),
                r.read(regs::RDH),
                r.read(regs::RDT),
            ),
            (
                base(regs::TDBAL, regs::TDBAH),
                r.read(regs::TDLEN),
                r.read(regs::TDH),
                r.read(regs::TDT),
            ),
        ]
    }

    /// Physical addresses of the two rings, and the next receive
    /// descriptor the driver will look at, for tests.
    pub fn ring_layout(&self) -> (u64, u64, usize) {
        (self.rx.phys(), self.tx.phys(), self.rx.next())
    }
}

// ANCHOR: device
impl ::net::Device for E1000 {
    /// The next good frame, skipping (and counting) bad descriptors.
    fn receive(&mut self, buf: &mut [u8]) -> Option<usize> {
        for _ in 0..RX_RING_LEN {
            let Some((outcome, tail)) = self.rx.take(buf) else {
                self.ring_doorbells();
                return None;
            };
            self.rx_tail_pending = Some(tail);
            match outcome {
                RxOutcome::Frame(len) => {
                    self.counters.rx_packets += 1;
                    self.counters.rx_bytes += len as u64;
                    crate::trace::record(crate::trace::Kind::PacketIn, len as u32, 0);
                    return Some(len);
                }
                RxOutcome::Errors(_) => self.counters.rx_errors += 1,
                RxOutcome::BadLength(_) | RxOutcome::Fragment => {
                    self.counters.rx_length_errors += 1
                }
            }
        }
        None
    }

    /// Queues `frame`; false if the ring is full. While it is full, TXDW is
    /// unmasked, so that the card's next write-back wakes the network
    /// thread to try again (TXDW stays masked otherwise: an interrupt per
    /// frame sent would buy nothing). A frame with `offload` goes out
    /// through context and data descriptors (`offload.rs`).
    fn transmit(&mut self, frame: &[u8], offload: Option<&TxOffload>) -> bool {
        // Descriptors the frame takes: one (legacy), or a context and one
        // per buffer it fills.
        let needed = match offload {
            None => 1,
            Some(_) => 1 + frame.len().div_ceil(BUFFER_SIZE),
        };
        if (offload.is_none() && frame.len() > BUFFER_SIZE) || needed >= TX_RING_LEN {
            // Cannot be sent, and must not be retried forever.
            self.counters.tx_dropped += 1;
            return true;
        }
        self.reclaim();
        if self.tx.free() < needed {
            self.ring_doorbells(); // let the card drain what we queued
            self.reclaim();
        }
        let queued = match offload {
            Some(offload) => self.transmit_offloaded(frame, offload),
            None => {
                // A context descriptor may have used this slot last.
                self.tx.restore_tail_address();
                self.tx.push(frame).is_some()
            }
        };
        match queued {
            true => {
                self.tx_tail_pending = true;
                self.counters.tx_packets += 1;
                self.counters.tx_bytes += frame.len() as u64;
                crate::trace::record(crate::trace::Kind::PacketOut, frame.len() as u32, 0);
                true
            }
            false => {
                self.counters.tx_ring_full += 1;
                if !self.tx_interrupt_armed {
                    self.tx_interrupt_armed = true;
                    self.regs.write(regs::IMS, regs::ICR_TXDW);
                }
                false
            }
        }
    }

    fn mac(&self) -> EthernetAddress {
        self.mac
    }

    fn capabilities(&self) -> Capabilities {
        if self.offload {
            offload::CAPABILITIES
        } else {
            Capabilities::NONE
        }
    }
}
// ANCHOR_END: device
