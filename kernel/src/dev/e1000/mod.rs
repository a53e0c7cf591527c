//! Driver for the Intel 82540EM gigabit Ethernet card (PCI 8086:100E), the
//! "e1000" that QEMU emulates with `-device e1000`.
//!
//! What the driver owns: the card's registers (BAR 0, mapped uncached), its
//! receive and transmit descriptor rings and their buffers (`rings.rs`), and
//! its counters (`stats.rs`). It implements `net::Device`, the only thing
//! the network stack asks of a card: move whole frames in and out.
//!
//! Bring-up (`probe`): claim the PCI function, enable memory decoding and
//! bus mastering, reset the card, read the MAC address, set up the rings,
//! and turn the receiver and transmitter on. Interrupts come last
//! (`enable_interrupts`), once the I/O APIC routes the card's line.
//!
//! Interrupts: the card raises its line when frames arrive (RXT0), when it
//! ran out of receive descriptors (RXO), when the link changes (LSC), and,
//! only while the transmit ring is full, when a frame has been sent (TXDW).
//! The handler, `acknowledge_interrupt`, reads ICR, which acknowledges the
//! causes and lowers the (level-triggered) line, and records them for the
//! network thread; all the work happens there, under the network lock.
//!
//! Invariants:
//! - the driver hands the stack only complete frames, without error bits,
//!   never longer than the stack's buffer (anything else is counted and
//!   dropped; see `rings::RxOutcome`);
//! - it never panics on what the card does: unexpected states are counted;
//! - the rings' memory is never freed while the card runs: an `E1000`
//!   lives for the rest of the boot once `probe` returns it.

mod regs;
pub mod rings;
mod stats;

use crate::dev::mmio::Mmio;
use crate::dev::pci::{self, Bar, PciDevice};
use ::net::wire::ethernet::EthernetAddress;
use core::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use rings::{BUFFER_SIZE, RX_RING_LEN, RxOutcome, RxRing, TxRing};
use spin::Once;
pub use stats::{DriverCounters, HardwareCounters};

pub const VENDOR_INTEL: u16 = 0x8086;
pub const DEVICE_82540EM: u16 = 0x100E;

/// What the interrupt handler needs, outside the network lock: the
/// registers (to read ICR), and where to leave the causes it read.
static IRQ_REGISTERS: Once<Mmio> = Once::new();
static PENDING_CAUSES: AtomicU32 = AtomicU32::new(0);
/// The card's interrupt vector, or 0 before it has one.
static VECTOR: AtomicU8 = AtomicU8::new(0);
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);
static SPURIOUS_INTERRUPTS: AtomicU64 = AtomicU64::new(0);

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
    counters: DriverCounters,
    hardware: HardwareCounters,
}

/// Waits until `done()` or `ns` nanoseconds have passed; returns `done()`.
fn wait_until(ns: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = crate::time::nanoseconds() + ns;
    while crate::time::nanoseconds() < deadline {
        if done() {
            return true;
        }
        core::hint::spin_loop();
    }
    done()
}

// ANCHOR: probe
/// Finds the first 82540EM on the PCI bus and brings it up.
pub fn probe() -> Result<E1000, ProbeError> {
    let pci = pci::claim(VENDOR_INTEL, DEVICE_82540EM, "e1000").ok_or(ProbeError::NotFound)?;
    let base = match pci::bar(&pci, 0) {
        Some(Bar::Memory { base, size }) if size >= regs::BAR_SIZE => base,
        _ => return Err(ProbeError::BadBar),
    };
    // Memory decoding on (so the registers answer), bus mastering on (so
    // the card may read and write the rings in RAM).
    pci::enable(&pci);
    let regs = Mmio::map(base, regs::BAR_SIZE);
    reset(&regs)?;
    let mac = read_mac(&regs).ok_or(ProbeError::NoMacAddress)?;
    let rx = RxRing::new().ok_or(ProbeError::OutOfMemory)?;
    let tx = TxRing::new().ok_or(ProbeError::OutOfMemory)?;
    let mut card = E1000 {
        regs,
        pci,
        mac,
        rx,
        tx,
        link_up: false,
        irq: None,
        tx_interrupt_armed: false,
        counters: DriverCounters::default(),
        hardware: HardwareCounters::default(),
    };
    card.start_receiver();
    card.start_transmitter();
    card.link_up = card.regs.read(regs::STATUS) & regs::STATUS_LU != 0;
    crate::info!(
        "e1000: {} at {:#x}, MAC {}, link {}",
        pci.address,
        base,
        mac,
        card.link_description()
    );
    Ok(card)
}
// ANCHOR_END: probe

// ANCHOR: reset
/// Resets the card to its power-on state, with every interrupt masked.
fn reset(regs: &Mmio) -> Result<(), ProbeError> {
    regs.write(regs::IMC, u32::MAX);
    regs.write(regs::RCTL, 0);
    regs.write(regs::TCTL, 0);
    regs.write(regs::CTRL, regs.read(regs::CTRL) | regs::CTRL_RST);
    // The SDM asks for 1 µs before the next access; the bit clears itself
    // when the reset is over (QEMU: at once; real cards: microseconds).
    wait_until(1_000, || false);
    if !wait_until(10_000_000, || regs.read(regs::CTRL) & regs::CTRL_RST == 0) {
        return Err(ProbeError::ResetTimeout);
    }
    regs.write(regs::IMC, u32::MAX); // the reset may have unmasked some
    regs.read(regs::ICR); // and left causes pending: clear them
    // Link up, with the speed the PHY negotiated.
    regs.write(
        regs::CTRL,
        regs.read(regs::CTRL) | regs::CTRL_SLU | regs::CTRL_ASDE,
    );
    Ok(())
}
// ANCHOR_END: reset

/// Our MAC address: from the receive-address registers, which the card
/// loads from its EEPROM at reset, or else from the EEPROM itself. Written
/// back to RAL0/RAH0 (valid), which is what the card filters frames on.
fn read_mac(regs: &Mmio) -> Option<EthernetAddress> {
    let (low, high) = (regs.read(regs::RAL0), regs.read(regs::RAH0));
    let mut mac = [0u8; 6];
    if high & regs::RAH_AV != 0 {
        mac[..4].copy_from_slice(&low.to_le_bytes());
        mac[4..].copy_from_slice(&high.to_le_bytes()[..2]);
    }
    if mac == [0; 6] {
        // EEPROM words 0-2 hold the address, low byte first.
        for word in 0..3 {
            let value = read_eeprom(regs, word)?;
            mac[2 * word as usize..][..2].copy_from_slice(&value.to_le_bytes());
        }
    }
    let mac = EthernetAddress(mac);
    if mac == EthernetAddress([0; 6]) || !mac.is_unicast() {
        return None;
    }
    let b = mac.0;
    regs.write(regs::RAL0, u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    regs.write(
        regs::RAH0,
        u32::from_le_bytes([b[4], b[5], 0, 0]) | regs::RAH_AV,
    );
    Some(mac)
}

/// One 16-bit word of the EEPROM, through EERD.
fn read_eeprom(regs: &Mmio, word: u32) -> Option<u16> {
    regs.write(regs::EERD, word << regs::EERD_ADDR_SHIFT | regs::EERD_START);
    let mut value = 0;
    let done = wait_until(10_000_000, || {
        value = regs.read(regs::EERD);
        value & regs::EERD_DONE != 0
    });
    done.then_some((value >> regs::EERD_DATA_SHIFT) as u16)
}

impl E1000 {
    // ANCHOR: start_receiver
    fn start_receiver(&mut self) {
        let r = &self.regs;
        // No multicast groups: an all-zero hash table accepts none.
        for i in 0..regs::MTA_LEN {
            r.write(regs::MTA + 4 * i, 0);
        }
        // No checksum offload: the stack checks every checksum itself.
        r.write(regs::RXCSUM, 0);
        r.write(regs::RDBAL, self.rx.phys() as u32);
        r.write(regs::RDBAH, (self.rx.phys() >> 32) as u32);
        r.write(regs::RDLEN, self.rx.bytes());
        r.write(regs::RDH, 0);
        r.write(regs::RDT, self.rx.initial_tail());
        // Interrupt as soon as a frame is in, without waiting for more.
        r.write(regs::RDTR, 0);
        r.write(
            regs::RCTL,
            regs::RCTL_EN | regs::RCTL_BAM | regs::RCTL_BSIZE_2048 | regs::RCTL_SECRC,
        );
    }
    // ANCHOR_END: start_receiver

    fn start_transmitter(&mut self) {
        let r = &self.regs;
        r.write(regs::TDBAL, self.tx.phys() as u32);
        r.write(regs::TDBAH, (self.tx.phys() >> 32) as u32);
        r.write(regs::TDLEN, self.tx.bytes());
        r.write(regs::TDH, 0);
        r.write(regs::TDT, 0);
        r.write(regs::TIPG, regs::TIPG_COPPER);
        r.write(
            regs::TCTL,
            regs::TCTL_EN
                | regs::TCTL_PSP
                | regs::TCTL_CT << regs::TCTL_CT_SHIFT
                | regs::TCTL_COLD_FULL_DUPLEX << regs::TCTL_COLD_SHIFT,
        );
    }

    // ANCHOR: enable_interrupts
    /// Routes the card's interrupt line to `apic_id` and unmasks the causes
    /// we want. Returns false (and the card stays polled) if the firmware
    /// gave it no usable line.
    pub fn enable_interrupts(&mut self, apic_id: u32) -> bool {
        let Some(line) = pci::interrupt_line(&self.pci).filter(|&l| l < 24) else {
            return false;
        };
        let vector = crate::arch::trap::IRQ_BASE + line;
        IRQ_REGISTERS.call_once(|| self.regs);
        VECTOR.store(vector, Ordering::Relaxed);
        if !crate::dev::ioapic::route_pci_irq(line, vector, apic_id) {
            VECTOR.store(0, Ordering::Relaxed);
            return false;
        }
        self.regs.read(regs::ICR);
        self.regs
            .write(regs::IMS, regs::ICR_RXT0 | regs::ICR_RXO | regs::ICR_LSC);
        self.irq = Some(line);
        true
    }
    // ANCHOR_END: enable_interrupts

    // ANCHOR: service
    /// Acts on the causes the interrupt handler collected. Called by the
    /// network thread before it polls; frames themselves need nothing here
    /// (the poll finds them by their DD bits).
    pub fn service_interrupts(&mut self) {
        let causes = PENDING_CAUSES.swap(0, Ordering::Relaxed);
        if causes & regs::ICR_LSC != 0 {
            self.counters.link_changes += 1;
            let up = self.regs.read(regs::STATUS) & regs::STATUS_LU != 0;
            if up != self.link_up {
                self.link_up = up;
                crate::info!("e1000: link {}", self.link_description());
            }
        }
        if causes & regs::ICR_RXO != 0 {
            self.counters.rx_overruns += 1;
        }
        if self.tx_interrupt_armed {
            self.reclaim();
            if !self.tx.is_full() {
                self.regs.write(regs::IMC, regs::ICR_TXDW);
                self.tx_interrupt_armed = false;
            }
        }
    }
    // ANCHOR_END: service

    fn reclaim(&mut self) {
        let done = self.tx.reclaim();
        self.counters.tx_errors += done.errors;
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
        counters.interrupts = INTERRUPTS.load(Ordering::Relaxed);
        counters.spurious_interrupts = SPURIOUS_INTERRUPTS.load(Ordering::Relaxed);
        (counters, self.hardware.clone())
    }

    /// Every counter with its name.
    pub fn counter_fields(&mut self) -> [(&'static str, u64); 18] {
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
            let (outcome, tail) = self.rx.take(buf)?;
            self.regs.write(regs::RDT, tail);
            match outcome {
                RxOutcome::Frame(len) => {
                    self.counters.rx_packets += 1;
                    self.counters.rx_bytes += len as u64;
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
    /// frame sent would buy nothing).
    fn transmit(&mut self, frame: &[u8]) -> bool {
        if frame.len() > BUFFER_SIZE {
            // Cannot be sent, and must not be retried forever.
            self.counters.tx_dropped += 1;
            return true;
        }
        self.reclaim();
        match self.tx.push(frame) {
            Some(tail) => {
                self.regs.write(regs::TDT, tail);
                self.counters.tx_packets += 1;
                self.counters.tx_bytes += frame.len() as u64;
                true
            }
            None => {
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
}
// ANCHOR_END: device

// ANCHOR: acknowledge
/// The interrupt handler's part, called from `trap` with interrupts off.
/// Reading ICR acknowledges every cause at once and lowers the card's line
/// (it is level-triggered: until then it would interrupt again as soon as
/// we return). The causes are left for the network thread. Returns whether
/// the interrupt was ours.
pub fn acknowledge_interrupt() -> bool {
    let causes = IRQ_REGISTERS.get().map_or(0, |regs| regs.read(regs::ICR));
    if causes == 0 {
        // Not ours: another device on a shared line, or nothing pending.
        SPURIOUS_INTERRUPTS.fetch_add(1, Ordering::Relaxed);
        return false;
    }
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    PENDING_CAUSES.fetch_or(causes, Ordering::Relaxed);
    true
}
// ANCHOR_END: acknowledge

/// The vector the card's interrupt arrives on, once routed.
pub fn irq_vector() -> Option<u8> {
    match VECTOR.load(Ordering::Relaxed) {
        0 => None,
        vector => Some(vector),
    }
}
