//! ACPI: which CPUs and interrupt controllers this machine has.
//!
//! The firmware describes the interrupt hardware in the MADT ("APIC"
//! table), found from the RSDP the bootloader gave us. We read three kinds
//! of entry from it, with the `acpi` crate doing the table parsing:
//! - one Local APIC per CPU (its APIC ID, and whether it is usable);
//! - the I/O APICs (register address, first global interrupt number);
//! - interrupt source overrides: "ISA IRQ 0 is really GSI 2, edge, high".
//!   Without them a driver would program the wrong I/O APIC pin.

use crate::mem::kernel_map;
use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};
use core::ptr::NonNull;
use spin::Once;

pub const MAX_IO_APICS: usize = 4;
pub const MAX_OVERRIDES: usize = 16;

#[derive(Clone, Copy, Debug, Default)]
pub struct IoApicInfo {
    pub phys: u64,
    pub gsi_base: u32,
}

/// "ISA IRQ `irq` arrives on global system interrupt `gsi`", with the MPS
/// INTI flags: polarity in bits 0-1, trigger mode in bits 2-3.
#[derive(Clone, Copy, Debug, Default)]
pub struct Override {
    pub irq: u8,
    pub gsi: u32,
    pub flags: u16,
}

#[derive(Debug, Default)]
pub struct Machine {
    pub local_apic_phys: u64,
    pub cpu_apic_ids: [u32; crate::arch::cpu::MAX_CPUS],
    pub cpu_count: usize,
    pub io_apics: [IoApicInfo; MAX_IO_APICS],
    pub io_apic_count: usize,
    pub overrides: [Override; MAX_OVERRIDES],
    pub override_count: usize,
}

impl Machine {
    pub fn io_apics(&self) -> &[IoApicInfo] {
        &self.io_apics[..self.io_apic_count]
    }

    pub fn overrides(&self) -> &[Override] {
        &self.overrides[..self.override_count]
    }
}

static MACHINE: Once<Machine> = Once::new();

// ANCHOR: acpi_handler
/// Gives the `acpi` crate access to physical memory through the direct map.
#[derive(Clone, Copy)]
struct DirectMap;

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(&self, phys: usize, size: usize) -> PhysicalMapping<Self, T> {
        // ACPI tables may sit in memory the firmware marked "reserved",
        // which the direct map leaves out; map it (harmless if mapped).
        let virt = kernel_map::map_mmio(phys as u64, size as u64);
        let pointer = NonNull::new(virt as *mut T).expect("direct map address is never null");
        // SAFETY: the region [phys, phys + size) is now mapped at `virt`.
        unsafe { PhysicalMapping::new(phys, pointer, size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {
        // The direct map stays: nothing to undo.
    }
}
// ANCHOR_END: acpi_handler

// ANCHOR: madt
/// Reads the MADT. Panics if the machine has no ACPI or no I/O APIC: the
/// kernel needs both to take interrupts.
pub fn init(rsdp: Option<u64>) {
    // SAFETY: the bootloader's RSDP address, or the BIOS search area, which
    // the crate reads through our handler.
    let tables = match rsdp {
        Some(address) => unsafe { AcpiTables::from_rsdp(DirectMap, address as usize) },
        None => unsafe { AcpiTables::search_for_rsdp_bios(DirectMap) },
    }
    .expect("ACPI: no valid RSDP");
    let madt = tables.find_table::<Madt>().expect("ACPI: no MADT");

    let mut machine = Machine {
        local_apic_phys: madt.get().local_apic_address as u64,
        ..Default::default()
    };
    for entry in madt.get().entries() {
        match entry {
            MadtEntry::LocalApic(cpu) => {
                // Bit 0: enabled; bit 1: can be enabled later. Either is a CPU.
                let usable = cpu.flags & 0b11 != 0;
                if usable && machine.cpu_count < machine.cpu_apic_ids.len() {
                    machine.cpu_apic_ids[machine.cpu_count] = cpu.apic_id as u32;
                    machine.cpu_count += 1;
                }
            }
            MadtEntry::IoApic(io) if machine.io_apic_count < MAX_IO_APICS => {
                machine.io_apics[machine.io_apic_count] = IoApicInfo {
                    phys: io.io_apic_address as u64,
                    gsi_base: io.global_system_interrupt_base,
                };
                machine.io_apic_count += 1;
            }
            MadtEntry::InterruptSourceOverride(o) if machine.override_count < MAX_OVERRIDES => {
                machine.overrides[machine.override_count] = Override {
                    irq: o.irq,
                    gsi: o.global_system_interrupt,
                    flags: o.flags,
                };
                machine.override_count += 1;
            }
            MadtEntry::LocalApicAddressOverride(o) => {
                machine.local_apic_phys = o.local_apic_address
            }
            _ => {}
        }
    }
    assert!(machine.io_apic_count > 0, "ACPI: no I/O APIC in the MADT");
    MACHINE.call_once(|| machine);
}
// ANCHOR_END: madt

/// The machine description read by `init`.
pub fn machine() -> &'static Machine {
    MACHINE.get().expect("acpi::machine() before acpi::init()")
}
