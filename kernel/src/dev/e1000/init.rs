//! Bringing the card up: find it, reset it, read its MAC address, give it
//! its rings, and turn the receiver and the transmitter on.
//!
//! Every wait on the card has a deadline: a card that never finishes its
//! reset gets `ProbeError::ResetTimeout`, and the kernel runs without a
//! network instead of hanging at boot.

use super::rings::{RxRing, TxRing};
use super::stats::{DriverCounters, HardwareCounters};
use super::{DEVICE_82540EM, E1000, ProbeError, VENDOR_INTEL, regs};
use crate::dev::mmio::Mmio;
use crate::dev::pci::{self, Bar};
use ::net::wire::ethernet::EthernetAddress;

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
        rx_interrupt_on: true,
        rx_tail_pending: None,
        tx_tail_pending: false,
        tx_context: None,
        offload: true,
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

// ANCHOR: itr
/// Interrupt moderation: the card raises its interrupt at most once per
/// `ITR_GAP` × 256 ns (8254x SDM 13.4.18). Frames that arrive meanwhile
/// wait and are taken by the same poll. 500 (128 µs, 7813 interrupts a
/// second) is the least QEMU's model honours; under load each interrupt
/// then brings several frames, and each costs a trip through the handler,
/// a wakeup and a switch to the network thread.
const ITR_GAP: u32 = 500;
// ANCHOR_END: itr

impl E1000 {
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
        // Interrupt as soon as a frame is in, without waiting for more, but
        // no sooner than ITR_GAP after the last interrupt (see `ITR_GAP`).
        r.write(regs::RDTR, 0);
        r.write(regs::ITR, ITR_GAP);
        r.write(
            regs::RCTL,
            regs::RCTL_EN | regs::RCTL_BAM | regs::RCTL_BSIZE_2048 | regs::RCTL_SECRC,
        );
    }

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
}
