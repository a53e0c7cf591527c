//! Device drivers: one file per device.
pub mod acpi;
pub mod e1000;
pub mod ioapic;
pub mod lapic;
pub mod mmio;
pub mod pci;
pub mod pic;
pub mod pit;
pub mod qemu;
pub mod uart;
