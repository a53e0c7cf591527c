//! Memory: physical frames, page tables, the kernel's mappings, the heap.
//!
//! The kernel's view of memory (virtual addresses):
//!
//! ```text
// ANCHOR: layout
//! 0xffff_ffff_ffff_ffff ┬─────────────────────────────┐
//!                       │ kernel image (text, rodata, │  KERNEL_VIRT_OFFSET + phys
//! 0xffff_ffff_8000_0000 ┼ data, bss)                  │  (from kernel.ld)
//!                       │            ...              │
//!                       │ direct map: all RAM, and    │  direct_map_offset + phys
//! 0xffff_8000_0000_0000 ┼ device registers on demand  │
//!                       │   (non-canonical hole)      │
//! 0x0000_7fff_ffff_ffff ┼─────────────────────────────┤
//!                       │ user space (one per process)│
//! 0x0000_0000_0000_0000 ┴─────────────────────────────┘
// ANCHOR_END: layout
//! ```
//!
//! Bring-up order (`init`), and why:
//! 1. the frame allocator gets the RAM that the boot page tables already map;
//! 2. the kernel builds its own page tables from frames and switches to them;
//! 3. now every byte of RAM is mapped, so the rest of RAM (memory above
//!    4 GiB) joins the frame allocator; the bootloader's leftovers join
//!    later, once the other CPUs have left them (`kmain`);
//! 4. the heap starts, on a stretch of RAM set aside in step 1.

pub mod address_space;
pub mod frame;
pub mod heap;
pub mod kernel_map;
pub mod page_table;
pub mod user;

use crate::boot::BootInfo;
use core::sync::atomic::{AtomicU64, Ordering};

pub const PAGE_SIZE: u64 = 4096;
pub const HUGE_PAGE_SIZE: u64 = 2 * 1024 * 1024;
/// The kernel image's virtual address minus its link-time physical address.
pub const KERNEL_VIRT_OFFSET: u64 = 0xffff_ffff_8000_0000;
/// Lowest address of the kernel half of every address space.
pub const KERNEL_HALF_START: u64 = 0xffff_8000_0000_0000;

static DIRECT_MAP_OFFSET: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" {
    static __kernel_start: u8;
    static __kernel_end: u8;
}

/// The kernel image's virtual start and end (page-aligned, from kernel.ld).
pub fn kernel_image_range() -> (u64, u64) {
    (
        &raw const __kernel_start as u64,
        &raw const __kernel_end as u64,
    )
}

/// The virtual address at which physical address `phys` can be reached.
pub fn phys_to_virt(phys: u64) -> u64 {
    phys + DIRECT_MAP_OFFSET.load(Ordering::Relaxed)
}

pub fn align_down(x: u64, align: u64) -> u64 {
    x & !(align - 1)
}

pub fn align_up(x: u64, align: u64) -> u64 {
    align_down(x + align - 1, align)
}

// ANCHOR: mem_init
/// Brings up all of memory management; see the module comment for the order.
pub fn init(boot: &BootInfo) {
    DIRECT_MAP_OFFSET.store(boot.direct_map_offset, Ordering::Relaxed);
    let heap_range = frame::init_early(boot);
    kernel_map::init(boot);
    frame::init_late(boot);
    heap::init(phys_to_virt(heap_range.0), heap_range.1 - heap_range.0);
}
// ANCHOR_END: mem_init
