//! The Interrupt Descriptor Table: for each of the 256 vectors, the address
//! of its entry stub and how to enter it.
//!
//! All entries are *interrupt gates*: the CPU clears the interrupt flag on
//! entry, so `trap()` starts with interrupts off, like xv6. The double fault
//! and NMI gates also name an IST stack (see `gdt.rs`). The table is the
//! same for every CPU; each CPU loads it with `lidt`.

use super::gdt::{DOUBLE_FAULT_IST, KERNEL_CODE, NMI_IST};
use super::trap_entry::{STUB_SIZE, trap_vectors};
use core::cell::UnsafeCell;
use x86_64::VirtAddr;
use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;

// ANCHOR: gate
/// One 16-byte IDT entry (Intel SDM vol. 3, figure 6-8).
#[derive(Clone, Copy)]
#[repr(C)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    /// Present (bit 7), privilege level allowed to `int` here (bits 5-6),
    /// gate type (0xE: interrupt gate).
    attributes: u8,
    offset_middle: u16,
    offset_high: u32,
    reserved: u32,
}
// ANCHOR_END: gate

impl Gate {
    const MISSING: Gate = Gate {
        offset_low: 0,
        selector: 0,
        ist: 0,
        attributes: 0,
        offset_middle: 0,
        offset_high: 0,
        reserved: 0,
    };

    fn interrupt(handler: u64, ist: u16) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector: KERNEL_CODE.0,
            ist: ist as u8,
            attributes: 0x8E, // present, ring 0, interrupt gate
            offset_middle: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt(UnsafeCell<[Gate; 256]>);

// SAFETY: written once by the first CPU in `init`, before any other CPU
// starts or any interrupt is enabled; read-only afterwards.
unsafe impl Sync for Idt {}

static IDT: Idt = Idt(UnsafeCell::new([Gate::MISSING; 256]));

pub const DOUBLE_FAULT: usize = 8;
pub const NMI: usize = 2;

/// Fills the IDT. Call once, on the first CPU.
pub fn init() {
    let base = &raw const trap_vectors as u64;
    // SAFETY: see `Idt`: nobody reads the table yet.
    let gates = unsafe { &mut *IDT.0.get() };
    for (vector, gate) in gates.iter_mut().enumerate() {
        let ist = match vector {
            DOUBLE_FAULT => DOUBLE_FAULT_IST,
            NMI => NMI_IST,
            _ => 0,
        };
        *gate = Gate::interrupt(base + (vector * STUB_SIZE) as u64, ist);
    }
}

/// Loads the IDT on the calling CPU.
pub fn load() {
    let pointer = DescriptorTablePointer {
        limit: (core::mem::size_of::<[Gate; 256]>() - 1) as u16,
        base: VirtAddr::from_ptr(IDT.0.get()),
    };
    // SAFETY: the IDT is static and every gate points at a valid stub.
    unsafe { lidt(&pointer) };
}
