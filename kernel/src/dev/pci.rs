//! PCI: finding the devices on the bus, and setting them up for a driver.
//!
//! Every PCI *function* (one device on a card may have up to eight) has 256
//! bytes of **configuration space**: who made it (vendor and device ID),
//! what it is (class code), where its registers are (the BARs), which
//! interrupt line it raises. A PC reaches configuration space through two
//! I/O ports ("configuration mechanism #1"): write the address of a 32-bit
//! configuration register to CONFIG_ADDRESS, then read or write the register
//! through CONFIG_DATA.
//!
//! ```text
// ANCHOR: config_address
//!  CONFIG_ADDRESS (port 0xCF8), then the register itself at CONFIG_DATA (0xCFC)
//!   31      30..24   23..16   15..11    10..8      7..2       1..0
//!  ┌──────┬────────┬────────┬────────┬──────────┬──────────┬────┐
//!  │enable│   0    │  bus   │ device │ function │ register │ 00 │
//!  └──────┴────────┴────────┴────────┴──────────┴──────────┴────┘
// ANCHOR_END: config_address
//! ```
//!
//! Enumeration (`init`) walks the tree: on bus 0, each of the 32 device
//! numbers, function 0, and functions 1-7 when the header type says the
//! device has several. A PCI-to-PCI bridge (class 06, subclass 04) leads to
//! another bus, its *secondary bus*, whose number the firmware wrote into
//! the bridge; we walk that bus too.
//!
//! We trust the firmware (SeaBIOS, OVMF) for everything it already did: it
//! numbered the buses, gave every BAR an address and every function an
//! interrupt line. A driver only has to *enable* its device (`enable`).
//!
//! Invariants:
//! - the device list is built once, by `init`, before any driver runs; after
//!   that only `driver` changes, when a driver `claim`s a device, and a
//!   device is claimed at most once;
//! - the CONFIG_ADDRESS/CONFIG_DATA pair is used only under `CONFIG`, a leaf
//!   lock, so two CPUs never interleave an address and a data access.

use crate::sync::SpinLock;
use alloc::vec::Vec;
use x86_64::instructions::port::Port;

const CONFIG_ADDRESS: u16 = 0xCF8;
const CONFIG_DATA: u16 = 0xCFC;

// Offsets in configuration space (common header, then header type 0 or 1).
const VENDOR_ID: u8 = 0x00;
const DEVICE_ID: u8 = 0x02;
const COMMAND: u8 = 0x04;
const CLASS_REVISION: u8 = 0x08; // revision, prog-if, subclass, class
const HEADER_TYPE: u8 = 0x0E;
const BAR0: u8 = 0x10;
const SECONDARY_BUS: u8 = 0x19; // header type 1 (bridges) only
const INTERRUPT_LINE: u8 = 0x3C;
const INTERRUPT_PIN: u8 = 0x3D;

// Bits of the command register.
const COMMAND_IO_SPACE: u16 = 1 << 0;
const COMMAND_MEMORY_SPACE: u16 = 1 << 1;
const COMMAND_BUS_MASTER: u16 = 1 << 2;
const COMMAND_INTERRUPT_DISABLE: u16 = 1 << 10;

const HEADER_MULTI_FUNCTION: u8 = 0x80;
/// No function answers at this address: reads return all ones.
const NO_DEVICE: u16 = 0xFFFF;

/// Guards the CONFIG_ADDRESS/CONFIG_DATA pair.
static CONFIG: SpinLock<()> = SpinLock::new("pci_config", ());
/// Every function found by `init`.
static DEVICES: SpinLock<Vec<PciDevice>> = SpinLock::new("pci_devices", Vec::new());

/// Where a function sits: bus, device (slot) and function number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciAddress {
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl core::fmt::Display for PciAddress {
    /// As `lspci` writes it: `00:03.0`.
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        write!(f, "{:02x}:{:02x}.{}", self.bus, self.device, self.function)
    }
}

/// One function, as enumeration found it.
#[derive(Clone, Copy, Debug)]
pub struct PciDevice {
    pub address: PciAddress,
    pub vendor: u16,
    pub device: u16,
    pub class: u8,
    pub subclass: u8,
    /// Header type without the multi-function bit: 0 for devices, 1 for
    /// PCI-to-PCI bridges.
    pub header_type: u8,
    /// The driver that claimed it, if any.
    pub driver: Option<&'static str>,
}

/// What a Base Address Register says: where a region of the device's
/// registers is, in memory or in I/O port space, and how big it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    Memory { base: u64, size: u64 },
    Io { port: u16, size: u32 },
}

// ANCHOR: config_access
/// The CONFIG_ADDRESS value for register `offset` (rounded down to its
/// 32-bit register) of the function at `at`.
fn config_address(at: PciAddress, offset: u8) -> u32 {
    1 << 31
        | (at.bus as u32) << 16
        | (at.device as u32) << 11
        | (at.function as u32) << 8
        | (offset as u32 & 0xFC)
}

pub fn read32(at: PciAddress, offset: u8) -> u32 {
    let _guard = CONFIG.lock();
    // SAFETY: configuration mechanism #1 exists on every PC; selecting a
    // register and reading it has no effect on anything but that function.
    unsafe {
        Port::<u32>::new(CONFIG_ADDRESS).write(config_address(at, offset));
        Port::<u32>::new(CONFIG_DATA).read()
    }
}

pub fn write32(at: PciAddress, offset: u8, value: u32) {
    let _guard = CONFIG.lock();
    // SAFETY: as in `read32`; the callers write only registers whose
    // meaning they know (BARs while sizing them, the command register).
    unsafe {
        Port::<u32>::new(CONFIG_ADDRESS).write(config_address(at, offset));
        Port::<u32>::new(CONFIG_DATA).write(value);
    }
}

/// Writes one 16-bit register. Not a read-modify-write of the 32-bit
/// register around it: the status register, next to the command register,
/// has bits that a write of 1 *clears*.
fn write16(at: PciAddress, offset: u8, value: u16) {
    let _guard = CONFIG.lock();
    // SAFETY: as in `write32`; a 16-bit access to CONFIG_DATA + 0 or + 2
    // reaches the low or high half of the selected register.
    unsafe {
        Port::<u32>::new(CONFIG_ADDRESS).write(config_address(at, offset));
        Port::<u16>::new(CONFIG_DATA + (offset as u16 & 2)).write(value);
    }
}
// ANCHOR_END: config_access

pub fn read16(at: PciAddress, offset: u8) -> u16 {
    (read32(at, offset) >> ((offset & 2) * 8)) as u16
}

pub fn read8(at: PciAddress, offset: u8) -> u8 {
    (read32(at, offset) >> ((offset & 3) * 8)) as u8
}

// ANCHOR: enumerate
/// Finds every function on bus 0 and on the buses behind its bridges.
pub fn init() {
    let mut found = Vec::new();
    let mut visited = [false; 256];
    scan_bus(0, &mut visited, &mut found);
    *DEVICES.lock() = found;
}

fn scan_bus(bus: u8, visited: &mut [bool; 256], found: &mut Vec<PciDevice>) {
    // A misprogrammed bridge could point back at a bus we are walking.
    if core::mem::replace(&mut visited[bus as usize], true) {
        return;
    }
    for device in 0..32 {
        let first = PciAddress {
            bus,
            device,
            function: 0,
        };
        if read16(first, VENDOR_ID) == NO_DEVICE {
            continue;
        }
        let functions = if read8(first, HEADER_TYPE) & HEADER_MULTI_FUNCTION != 0 {
            8
        } else {
            1
        };
        for function in 0..functions {
            let at = PciAddress { function, ..first };
            if read16(at, VENDOR_ID) == NO_DEVICE {
                continue;
            }
            let dev = describe(at);
            found.push(dev);
            if dev.class == 0x06 && dev.subclass == 0x04 && dev.header_type == 1 {
                let secondary = read8(at, SECONDARY_BUS);
                // 0 means the firmware did not number the bus behind it.
                if secondary != 0 {
                    scan_bus(secondary, visited, found);
                }
            }
        }
    }
}
// ANCHOR_END: enumerate

fn describe(at: PciAddress) -> PciDevice {
    let class = read32(at, CLASS_REVISION);
    PciDevice {
        address: at,
        vendor: read16(at, VENDOR_ID),
        device: read16(at, DEVICE_ID),
        class: (class >> 24) as u8,
        subclass: (class >> 16) as u8,
        header_type: read8(at, HEADER_TYPE) & !HEADER_MULTI_FUNCTION,
        driver: None,
    }
}

/// Every function found, in bus order.
pub fn devices() -> Vec<PciDevice> {
    DEVICES.lock().clone()
}

/// Gives the first unclaimed `vendor:device` function to `driver`.
pub fn claim(vendor: u16, device: u16, driver: &'static str) -> Option<PciDevice> {
    let mut devices = DEVICES.lock();
    let dev = devices
        .iter_mut()
        .find(|d| d.vendor == vendor && d.device == device && d.driver.is_none())?;
    dev.driver = Some(driver);
    Some(*dev)
}

/// A name for a class code, as `lspci` would print it.
fn class_name(class: u8, subclass: u8) -> &'static str {
    match (class, subclass) {
        (0x01, 0x01) => "IDE controller",
        (0x01, 0x06) => "SATA controller",
        (0x01, _) => "storage controller",
        (0x02, 0x00) => "Ethernet controller",
        (0x02, _) => "network controller",
        (0x03, 0x00) => "VGA controller",
        (0x03, _) => "display controller",
        (0x04, _) => "multimedia controller",
        (0x06, 0x00) => "host bridge",
        (0x06, 0x01) => "ISA bridge",
        (0x06, 0x04) => "PCI bridge",
        (0x06, _) => "bridge",
        (0x0C, 0x03) => "USB controller",
        (0x0C, _) => "serial bus controller",
        _ => "other",
    }
}

/// The boot log's `lspci`: one line per function, with the driver that
/// claimed it. Call after the drivers have probed.
pub fn log_devices() {
    let devices = devices();
    crate::info!("pci: {} functions", devices.len());
    for d in &devices {
        crate::info!(
            "  {} {:04x}:{:04x} [{:02x}{:02x}] {:<20} {}",
            d.address,
            d.vendor,
            d.device,
            d.class,
            d.subclass,
            class_name(d.class, d.subclass),
            d.driver.unwrap_or("-"),
        );
    }
}

// ANCHOR: bar
/// Reads Base Address Register `index` (0-5 for a device, 0-1 for a
/// bridge): where the firmware put that region, and its size. `None` for an
/// unused BAR, or the upper half of a 64-bit one.
///
/// The size is not written anywhere: it is found by writing all ones to the
/// BAR and reading back which address bits stuck (a region of 2^n bytes
/// keeps its low n bits zero), then restoring the BAR. Decoding is switched
/// off meanwhile, so the device never answers at the temporary address.
pub fn bar(dev: &PciDevice, index: u8) -> Option<Bar> {
    let limit = if dev.header_type == 0 { 6 } else { 2 };
    if index >= limit {
        return None;
    }
    let at = dev.address;
    let offset = BAR0 + 4 * index;
    let command = read16(at, COMMAND);
    write16(
        at,
        COMMAND,
        command & !(COMMAND_IO_SPACE | COMMAND_MEMORY_SPACE),
    );
    let size_of = |offset: u8| {
        let original = read32(at, offset);
        write32(at, offset, u32::MAX);
        let mask = read32(at, offset);
        write32(at, offset, original);
        (original, mask)
    };
    let (low, low_mask) = size_of(offset);
    let bar = if low & 1 == 1 {
        // I/O space: bit 0 set, address in bits 2 and up.
        let mask = low_mask & !0b11;
        (mask != 0).then(|| Bar::Io {
            port: (low & !0b11) as u16,
            size: (!mask).wrapping_add(1) & 0xFFFF,
        })
    } else {
        // Memory: bits 1-2 are the type (0b10: 64-bit, using the next BAR
        // for the upper half), bit 3 "prefetchable", address in bits 4 and up.
        let is_64 = (low >> 1) & 0b11 == 0b10;
        // (A 64-bit BAR in the last slot has no upper half: it is broken.)
        let has_high = is_64 && index + 1 < limit;
        let (high, high_mask) = if has_high {
            size_of(offset + 4)
        } else {
            // A 32-bit BAR: as if the upper half were all address bits.
            (0, u32::MAX)
        };
        let base = (high as u64) << 32 | (low & !0xF) as u64;
        let mask = (high_mask as u64) << 32 | (low_mask & !0xF) as u64;
        // No address bit stuck at all: the BAR is not implemented.
        let implemented = if is_64 {
            has_high && mask != 0
        } else {
            low_mask & !0xF != 0
        };
        implemented.then(|| Bar::Memory {
            base,
            size: (!mask).wrapping_add(1),
        })
    };
    write16(at, COMMAND, command);
    bar
}
// ANCHOR_END: bar

/// The legacy interrupt line the firmware assigned (an ISA-style IRQ
/// number the I/O APIC knows), or `None` if the function raises no
/// interrupt (pin 0) or the firmware gave it no line (255).
pub fn interrupt_line(dev: &PciDevice) -> Option<u8> {
    let pin = read8(dev.address, INTERRUPT_PIN);
    let line = read8(dev.address, INTERRUPT_LINE);
    (pin != 0 && line != 0xFF).then_some(line)
}

// ANCHOR: enable
/// Lets the device answer at its memory BARs, and lets it *master* the bus:
/// start memory reads and writes of its own (DMA), which a network card does
/// for every frame. Both are off after reset. Also makes sure its legacy
/// interrupt line is not switched off.
pub fn enable(dev: &PciDevice) {
    let command = read16(dev.address, COMMAND);
    let enabled =
        (command | COMMAND_MEMORY_SPACE | COMMAND_BUS_MASTER) & !COMMAND_INTERRUPT_DISABLE;
    write16(dev.address, COMMAND, enabled);
}
// ANCHOR_END: enable

/// The command register, for tests.
pub fn command(dev: &PciDevice) -> u16 {
    read16(dev.address, COMMAND)
}

/// Command register bits, for tests.
pub const MEMORY_SPACE: u16 = COMMAND_MEMORY_SPACE;
pub const BUS_MASTER: u16 = COMMAND_BUS_MASTER;
