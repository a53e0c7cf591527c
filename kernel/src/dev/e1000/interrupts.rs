//! The card's interrupt: routing it, acknowledging it, acting on it.
//!
//! Two halves. `acknowledge_interrupt` runs in the interrupt handler, with
//! interrupts off and no lock: it reads ICR and leaves the causes in
//! `PENDING_CAUSES`. `service_interrupts` runs in the network thread, under
//! the `NET` lock, and acts on them. The statics below are all the two
//! halves share.

use super::{E1000, regs};
use crate::dev::mmio::Mmio;
use crate::dev::pci;
use core::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use spin::Once;

/// What the interrupt handler needs, outside the network lock: the
/// registers (to read ICR), and where to leave the causes it read.
static IRQ_REGISTERS: Once<Mmio> = Once::new();
static PENDING_CAUSES: AtomicU32 = AtomicU32::new(0);
/// The card's interrupt vector, or 0 before it has one.
static VECTOR: AtomicU8 = AtomicU8::new(0);
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);
static SPURIOUS_INTERRUPTS: AtomicU64 = AtomicU64::new(0);

impl E1000 {
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

    // ANCHOR: rx_interrupts
    /// Turns the receive interrupt (RXT0) off while the network thread is
    /// working through a backlog, and on again once the ring is empty: the
    /// "NAPI" scheme of Linux (Mogul and Ramakrishnan, "Eliminating
    /// receive livelock", 1997). Under a flood one interrupt per frame
    /// would otherwise cost more CPU than the frames themselves. A frame
    /// that arrives while it is off still sets ICR.RXT0, and the card
    /// interrupts as soon as the mask lets it through again, so none is
    /// missed.
    pub fn set_rx_interrupt(&mut self, on: bool) {
        if self.irq.is_none() || on == self.rx_interrupt_on {
            return;
        }
        let register = if on { regs::IMS } else { regs::IMC };
        self.regs.write(register, regs::ICR_RXT0);
        self.rx_interrupt_on = on;
    }
    // ANCHOR_END: rx_interrupts

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
}

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

/// Interrupts that were ours, and ones on our vector that were not.
pub(super) fn counts() -> (u64, u64) {
    (
        INTERRUPTS.load(Ordering::Relaxed),
        SPURIOUS_INTERRUPTS.load(Ordering::Relaxed),
    )
}
