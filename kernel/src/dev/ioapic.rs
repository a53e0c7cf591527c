//! The I/O APIC: routes device interrupt lines to CPUs.
//!
//! Each input pin ("global system interrupt", GSI) has a 64-bit redirection
//! entry: which vector to raise, on which CPU (by APIC ID), edge or level
//! triggered, active high or low, masked or not. The registers sit behind a
//! two-register window: write the register number to IOREGSEL, then read or
//! write IOWIN.
//!
//! ISA devices name their IRQ (COM1 is IRQ 4); ACPI's interrupt source
//! overrides say which GSI that really is, and with what polarity and
//! trigger mode; `route_isa_irq` applies them. PCI devices name theirs in
//! configuration space (the firmware wrote it there); `route_pci_irq`
//! routes it with PCI's own defaults, unless an override says otherwise.

use super::acpi::{self, IoApicInfo};
use super::mmio::Mmio;
use crate::sync::SpinLock;

const REGISTER_SELECT: u64 = 0x00;
const REGISTER_WINDOW: u64 = 0x10;
const VERSION: u32 = 0x01;
const REDIRECTION_BASE: u32 = 0x10;

const ACTIVE_LOW: u64 = 1 << 13;
const LEVEL_TRIGGERED: u64 = 1 << 15;
const MASKED: u64 = 1 << 16;

/// The select/window pair must not be used by two CPUs at once.
static WINDOW: SpinLock<()> = SpinLock::new("ioapic", ());

struct IoApic {
    registers: Mmio,
    gsi_base: u32,
}

impl IoApic {
    fn new(info: &IoApicInfo) -> IoApic {
        IoApic {
            registers: Mmio::map(info.phys, 0x20),
            gsi_base: info.gsi_base,
        }
    }

    // ANCHOR: ioapic_window
    fn read(&self, register: u32) -> u32 {
        let _guard = WINDOW.lock();
        self.registers.write(REGISTER_SELECT, register);
        self.registers.read(REGISTER_WINDOW)
    }

    fn write(&self, register: u32, value: u32) {
        let _guard = WINDOW.lock();
        self.registers.write(REGISTER_SELECT, register);
        self.registers.write(REGISTER_WINDOW, value);
    }
    // ANCHOR_END: ioapic_window

    /// Number of pins: "maximum redirection entry" plus one.
    fn pin_count(&self) -> u32 {
        ((self.read(VERSION) >> 16) & 0xFF) + 1
    }

    fn set_entry(&self, pin: u32, entry: u64) {
        self.write(REDIRECTION_BASE + 2 * pin, entry as u32);
        self.write(REDIRECTION_BASE + 2 * pin + 1, (entry >> 32) as u32);
    }
}

/// Finds the I/O APIC that owns `gsi`, and the pin number on it.
fn find(gsi: u32) -> Option<(IoApic, u32)> {
    for info in acpi::machine().io_apics() {
        let io = IoApic::new(info);
        if gsi >= io.gsi_base && gsi < io.gsi_base + io.pin_count() {
            let pin = gsi - io.gsi_base;
            return Some((io, pin));
        }
    }
    None
}

/// Masks every pin of every I/O APIC: nothing arrives until routed.
pub fn init() {
    for info in acpi::machine().io_apics() {
        let io = IoApic::new(info);
        for pin in 0..io.pin_count() {
            io.set_entry(pin, MASKED);
        }
    }
}

// ANCHOR: ioapic_route
/// Programs the pin of `gsi`. Returns false if no I/O APIC serves it.
fn route(gsi: u32, vector: u8, active_low: bool, level: bool, apic_id: u32) -> bool {
    let Some((io, pin)) = find(gsi) else {
        crate::warn!("ioapic: no I/O APIC serves GSI {}", gsi);
        return false;
    };
    let mut entry = vector as u64 | ((apic_id as u64) << 56);
    if active_low {
        entry |= ACTIVE_LOW;
    }
    if level {
        entry |= LEVEL_TRIGGERED;
    }
    io.set_entry(pin, entry);
    true
}
// ANCHOR_END: ioapic_route

// ANCHOR: route_isa
/// Delivers ISA interrupt `irq` as `vector` to the CPU with `apic_id`.
/// ISA lines are edge-triggered and active high unless ACPI overrides it.
pub fn route_isa_irq(irq: u8, vector: u8, apic_id: u32) {
    let mut gsi = irq as u32;
    let (mut active_low, mut level) = (false, false);
    if let Some(o) = acpi::machine().overrides().iter().find(|o| o.irq == irq) {
        gsi = o.gsi;
        // MPS INTI flags: polarity 0b11 = active low; trigger 0b11 = level.
        active_low = o.flags & 0b11 == 0b11;
        level = (o.flags >> 2) & 0b11 == 0b11;
    }
    route(gsi, vector, active_low, level, apic_id);
}
// ANCHOR_END: route_isa

/// Delivers ISA interrupt `irq` to the CPU with `apic_id` as an NMI
/// (delivery mode 0b100), which arrives even while that CPU has interrupts
/// off; or masks it again. For the profiler, on the PIT's IRQ 0.
pub fn route_isa_nmi(irq: u8, apic_id: u32, on: bool) {
    const DELIVERY_NMI: u64 = 0b100 << 8;
    let gsi = acpi::machine()
        .overrides()
        .iter()
        .find(|o| o.irq == irq)
        .map_or(irq as u32, |o| o.gsi);
    if let Some((io, pin)) = find(gsi) {
        let entry = if on { DELIVERY_NMI } else { MASKED };
        io.set_entry(pin, entry | ((apic_id as u64) << 56));
    }
}

// ANCHOR: route_pci
/// Delivers PCI interrupt line `irq` (from the device's configuration
/// space) as `vector` to the CPU with `apic_id`. Returns false if no I/O
/// APIC serves that line.
///
/// PCI lines are level-triggered and active low: several devices may share
/// one line, each holding it low until its driver has served it. But what
/// reaches the I/O APIC pin is up to the chipset, and ACPI says so with an
/// override: QEMU's PIIX chipset inverts its PCI lines on their way to the
/// I/O APIC, so its MADT marks IRQs 5, 9, 10 and 11 "level, active high".
/// The override wins; a field left at "conforms to the bus" means PCI's
/// default.
pub fn route_pci_irq(irq: u8, vector: u8, apic_id: u32) -> bool {
    let mut gsi = irq as u32;
    let (mut active_low, mut level) = (true, true);
    if let Some(o) = acpi::machine().overrides().iter().find(|o| o.irq == irq) {
        gsi = o.gsi;
        // MPS INTI flags: polarity 0b01 = active high, 0b11 = active low;
        // trigger 0b01 = edge, 0b11 = level; 0b00 = the bus's default.
        active_low = o.flags & 0b11 != 0b01;
        level = (o.flags >> 2) & 0b11 != 0b01;
    }
    crate::debug!(
        "ioapic: PCI IRQ {} -> GSI {} ({}, active {}), vector {}",
        irq,
        gsi,
        if level { "level" } else { "edge" },
        if active_low { "low" } else { "high" },
        vector
    );
    route(gsi, vector, active_low, level, apic_id)
}
// ANCHOR_END: route_pci
