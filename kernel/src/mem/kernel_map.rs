//! The kernel's own address space: built at boot, shared by every process.
//!
//! Why not keep the bootloader's page tables? They map everything
//! read-write-execute, and we want the hardware to catch kernel bugs: code
//! that writes to its own text, or jumps into data, should fault at once.
//!
//! - Kernel image: `.text` read+execute, `.rodata` read-only, `.data` and
//!   `.bss` read+write, no-execute. The page under the boot stack is left
//!   unmapped (a guard page).
//! - Direct map: all RAM, read+write, no-execute, in 2 MiB pages.
//! - Device registers: mapped into the direct map on demand (`map_mmio`),
//!   uncached.
//!
//! Invariant: the kernel half is made of PML4 entries 256 (direct map) and
//! 511 (image), created here, at boot, and never added to afterwards. Each
//! process's PML4 copies them (`PageTable::share_kernel_half`), so a mapping
//! the kernel adds later, below those entries, is seen by every process.

use super::page_table::{MapError, NO_CACHE, NO_EXECUTE, PageTable, WRITABLE, WRITE_THROUGH};
use super::{HUGE_PAGE_SIZE, KERNEL_HALF_START, PAGE_SIZE, align_down, align_up, phys_to_virt};
use crate::boot::{BootInfo, RegionKind};
use crate::sync::SpinLock;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr3};
use x86_64::registers::model_specific::{Efer, EferFlags};

// ANCHOR: kernel_page_table
static KERNEL_PAGE_TABLE: SpinLock<Option<PageTable>> = SpinLock::new("kernel_map", None);
// ANCHOR_END: kernel_page_table

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_end: u8;
    static boot_stack_guard: u8;
}

/// Which RAM goes into the direct map (everything a driver or the kernel
/// may need to read, except device memory, which `map_mmio` adds).
fn is_ram(kind: RegionKind) -> bool {
    !matches!(kind, RegionKind::Reserved | RegionKind::Bad)
}

/// Builds the kernel page table and switches the CPU to it.
pub fn init(boot: &BootInfo) {
    let mut table = PageTable::new().expect("no frame for the kernel PML4");

    // ANCHOR: direct_map
    // The direct map, in 2 MiB pages. Regions are rounded out to 2 MiB, so
    // two regions may share a huge page: the second finds it mapped.
    for region in boot.regions().iter().filter(|r| is_ram(r.kind)) {
        let mut phys = align_down(region.start, HUGE_PAGE_SIZE);
        while phys < region.end() {
            match table.map_huge(phys_to_virt(phys), phys, WRITABLE | NO_EXECUTE) {
                Ok(()) | Err(MapError::AlreadyMapped) => {}
                Err(e) => panic!("direct map at {phys:#x}: {e:?}"),
            }
            phys += HUGE_PAGE_SIZE;
        }
    }
    // ANCHOR_END: direct_map

    // ANCHOR: image_map
    // The kernel image, page by page, with permissions by section.
    let (image_start, image_end) = super::kernel_image_range();
    let text = (&raw const __text_start as u64, &raw const __text_end as u64);
    let rodata_end = &raw const __rodata_end as u64;
    let guard = &raw const boot_stack_guard as u64;
    let mut virt = image_start;
    while virt < image_end {
        let phys = virt - image_start + boot.kernel_phys_base;
        let flags = if virt >= text.0 && virt < text.1 {
            0 // read + execute
        } else if virt < rodata_end {
            NO_EXECUTE // read-only
        } else {
            WRITABLE | NO_EXECUTE
        };
        if virt != guard {
            table
                .map(virt, phys, flags)
                .expect("mapping the kernel image");
        }
        virt += PAGE_SIZE;
    }
    // ANCHOR_END: image_map

    // ANCHOR: switch
    // Make the hardware enforce what we just wrote: no-execute bits need
    // EFER.NXE, and read-only pages bind ring 0 only with CR0.WP.
    // SAFETY: setting NXE and WP only adds protection checks.
    unsafe {
        Efer::update(|flags| *flags |= EferFlags::NO_EXECUTE_ENABLE);
        Cr0::update(|flags| *flags |= Cr0Flags::WRITE_PROTECT);
    }
    let (_, cr3_flags) = Cr3::read();
    let root = x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(
        table.root(),
    ));
    // SAFETY: the new table maps the kernel image at the same addresses,
    // the direct map, and the current stack (the boot stack is in .bss).
    unsafe { Cr3::write(root, cr3_flags) };
    KERNEL_ROOT.store(table.root(), core::sync::atomic::Ordering::Relaxed);
    *KERNEL_PAGE_TABLE.lock() = Some(table);
    // ANCHOR_END: switch
}

// ANCHOR: map_mmio
/// Maps device registers at physical `[phys, phys + len)` into the direct
/// map, uncached, and returns their virtual address. Pages already mapped
/// (for instance by a 2 MiB RAM page) are left as they are.
pub fn map_mmio(phys: u64, len: u64) -> u64 {
    let mut guard = KERNEL_PAGE_TABLE.lock();
    let table = guard.as_mut().expect("map_mmio before kernel_map::init");
    let mut page = align_down(phys, PAGE_SIZE);
    while page < align_up(phys + len, PAGE_SIZE) {
        let flags = WRITABLE | NO_EXECUTE | NO_CACHE | WRITE_THROUGH;
        match table.map(phys_to_virt(page), page, flags) {
            Ok(()) | Err(MapError::AlreadyMapped) | Err(MapError::InsideHugePage) => {}
            Err(e) => panic!("map_mmio({page:#x}): {e:?}"),
        }
        page += PAGE_SIZE;
    }
    assert!(phys_to_virt(phys) >= KERNEL_HALF_START);
    phys_to_virt(phys)
}
// ANCHOR_END: map_mmio

/// Maps fresh zeroed frames over `[start, end)` of the kernel half
/// (read+write, no-execute): kernel stacks. The range must lie under a PML4
/// entry created at boot (see the module invariant).
pub fn map_kernel_range(start: u64, end: u64) {
    let mut guard = KERNEL_PAGE_TABLE.lock();
    let table = guard
        .as_mut()
        .expect("map_kernel_range before kernel_map::init");
    let mut page = start;
    while page < end {
        let frame = super::frame::alloc().expect("out of memory mapping kernel stacks");
        table
            .map(page, frame, WRITABLE | NO_EXECUTE)
            .expect("kernel range already mapped");
        page += PAGE_SIZE;
    }
}

/// Physical address of the kernel's PML4 (read without a lock: it is set
/// once, at boot, before any process exists).
pub fn kernel_root() -> u64 {
    KERNEL_ROOT.load(core::sync::atomic::Ordering::Relaxed)
}

static KERNEL_ROOT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Runs `f` with the kernel page table (to copy its kernel half, or inspect it).
pub fn with_kernel_table<R>(f: impl FnOnce(&PageTable) -> R) -> R {
    let guard = KERNEL_PAGE_TABLE.lock();
    f(guard.as_ref().expect("kernel page table not built yet"))
}
