//! Four-level x86-64 page tables, walked by hand.
//!
//! A virtual address is split into four 9-bit indexes and a 12-bit offset:
//!
//! ```text
// ANCHOR: index_split
//!  47      39 38      30 29      21 20      12 11          0
//! ┌──────────┬──────────┬──────────┬──────────┬─────────────┐
//! │ PML4 idx │ PDPT idx │  PD idx  │  PT idx  │   offset    │
//! └──────────┴──────────┴──────────┴──────────┴─────────────┘
// ANCHOR_END: index_split
//! ```
//!
//! Each table is one 4 KiB frame of 512 eight-byte entries. An entry holds
//! the physical address of the next table (or of the page, at the last
//! level) and flag bits. A PD entry with the HUGE bit maps a 2 MiB page
//! directly. All tables are reached through the direct map.
//!
//! Invariant: intermediate entries are as permissive as any mapping below
//! them may need (PRESENT | WRITABLE, plus USER for user mappings); the leaf
//! entry alone decides what is allowed.

use super::{PAGE_SIZE, frame, phys_to_virt};

// ANCHOR: flags
pub const PRESENT: u64 = 1 << 0;
pub const WRITABLE: u64 = 1 << 1;
pub const USER: u64 = 1 << 2;
pub const WRITE_THROUGH: u64 = 1 << 3;
pub const NO_CACHE: u64 = 1 << 4;
pub const HUGE: u64 = 1 << 7;
pub const NO_EXECUTE: u64 = 1 << 63;
/// Bits 12..52 of an entry: the physical address it points to.
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;
// ANCHOR_END: flags

#[derive(Debug, PartialEq, Eq)]
pub enum MapError {
    /// No frame was left for a page table.
    OutOfMemory,
    /// Something is mapped at that address already.
    AlreadyMapped,
    /// A 2 MiB page covers the address, so it has no 4 KiB entry.
    InsideHugePage,
    /// Nothing is mapped there (and we were not asked to create tables).
    NotMapped,
}

/// A whole address space: the physical address of its top-level table.
#[derive(Debug)]
pub struct PageTable {
    root: u64,
}

// ANCHOR: index
/// The index into the table at `level` (4 = PML4 ... 1 = PT) for `virt`.
fn index(virt: u64, level: u32) -> usize {
    ((virt >> (12 + 9 * (level - 1))) & 511) as usize
}

/// A pointer to entry `i` of the table in frame `table`.
fn entry(table: u64, i: usize) -> *mut u64 {
    (phys_to_virt(table) + 8 * i as u64) as *mut u64
}
// ANCHOR_END: index

impl PageTable {
    /// A new, empty address space (nothing mapped).
    pub fn new() -> Option<PageTable> {
        Some(PageTable {
            root: frame::alloc()?,
        })
    }

    /// Wraps an existing top-level table.
    ///
    /// # Safety
    /// `root` must be the physical address of a valid PML4 that nobody else
    /// modifies while the returned value is used.
    pub unsafe fn from_root(root: u64) -> PageTable {
        PageTable { root }
    }

    pub fn root(&self) -> u64 {
        self.root
    }

    /// Is this the address space the CPU is using now?
    pub fn is_active(&self) -> bool {
        x86_64::registers::control::Cr3::read_raw()
            .0
            .start_address()
            .as_u64()
            == self.root
    }

    // ANCHOR: walk
    /// Finds the entry for `virt` at `target_level` (1 for a 4 KiB page, 2
    /// for a 2 MiB page), creating missing tables on the way if `create`.
    fn walk(
        &self,
        virt: u64,
        target_level: u32,
        create: Option<u64>,
    ) -> Result<*mut u64, MapError> {
        let mut table = self.root;
        for level in (target_level + 1..=4).rev() {
            let pointer = entry(table, index(virt, level));
            // SAFETY: `table` is a page-table frame of this address space,
            // mapped in the direct map; `pointer` is inside it.
            let value = unsafe { *pointer };
            if value & PRESENT == 0 {
                let Some(intermediate_flags) = create else {
                    return Err(MapError::NotMapped);
                };
                let next = frame::alloc().ok_or(MapError::OutOfMemory)?;
                // SAFETY: as above; the new table is zeroed (all not present).
                unsafe { *pointer = next | intermediate_flags };
                table = next;
            } else if value & HUGE != 0 {
                return Err(MapError::InsideHugePage);
            } else {
                table = value & ADDRESS_MASK;
            }
        }
        Ok(entry(table, index(virt, target_level)))
    }
    // ANCHOR_END: walk

    fn intermediate_flags(flags: u64) -> u64 {
        PRESENT | WRITABLE | (flags & USER)
    }

    // ANCHOR: map
    /// Maps the 4 KiB page at `virt` to the frame at `phys`.
    pub fn map(&mut self, virt: u64, phys: u64, flags: u64) -> Result<(), MapError> {
        debug_assert!(virt.is_multiple_of(PAGE_SIZE) && phys.is_multiple_of(PAGE_SIZE));
        let pte = self.walk(virt, 1, Some(Self::intermediate_flags(flags)))?;
        // SAFETY: `walk` returned a pointer to an entry in a live table.
        unsafe {
            if *pte & PRESENT != 0 {
                return Err(MapError::AlreadyMapped);
            }
            *pte = phys | flags | PRESENT;
        }
        Ok(())
    }
    // ANCHOR_END: map

    /// Maps the 2 MiB page at `virt` to `phys` (both 2 MiB-aligned).
    pub fn map_huge(&mut self, virt: u64, phys: u64, flags: u64) -> Result<(), MapError> {
        let pde = self.walk(virt, 2, Some(Self::intermediate_flags(flags)))?;
        // SAFETY: `walk` returned a pointer to an entry in a live table.
        unsafe {
            if *pde & PRESENT != 0 {
                return Err(MapError::AlreadyMapped);
            }
            *pde = phys | flags | PRESENT | HUGE;
        }
        Ok(())
    }

    // ANCHOR: unmap
    /// Removes the 4 KiB mapping at `virt`, returning the frame it mapped.
    /// The frame itself is not freed: it belongs to whoever mapped it.
    pub fn unmap(&mut self, virt: u64) -> Option<u64> {
        let pte = self.walk(virt, 1, None).ok()?;
        // SAFETY: `walk` returned a pointer to an entry in a live table.
        let value = unsafe { pte.replace(0) };
        if value & PRESENT == 0 {
            return None;
        }
        if self.is_active() {
            x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(virt));
        }
        Some(value & ADDRESS_MASK)
    }
    // ANCHOR_END: unmap

    /// The physical address and flags of the mapping for `virt`, if any.
    pub fn translate(&self, virt: u64) -> Option<(u64, u64)> {
        let mut table = self.root;
        for level in (1..=4).rev() {
            // SAFETY: `table` is a live page-table frame of this space.
            let value = unsafe { *entry(table, index(virt, level)) };
            if value & PRESENT == 0 {
                return None;
            }
            let flags = value & !ADDRESS_MASK;
            if level == 1 || (level == 2 && value & HUGE != 0) {
                let page_size = if level == 1 {
                    PAGE_SIZE
                } else {
                    super::HUGE_PAGE_SIZE
                };
                let phys = (value & ADDRESS_MASK & !(page_size - 1)) + (virt & (page_size - 1));
                return Some((phys, flags));
            }
            table = value & ADDRESS_MASK;
        }
        None
    }

    // ANCHOR: share_kernel_half
    /// Copies the kernel half (PML4 entries 256-511) from `kernel`: every
    /// address space shares the kernel's tables below those entries.
    pub fn share_kernel_half(&mut self, kernel: &PageTable) {
        for i in 256..512 {
            // SAFETY: both roots are live PML4 frames.
            unsafe { *entry(self.root, i) = *entry(kernel.root, i) };
        }
    }
    // ANCHOR_END: share_kernel_half

    // ANCHOR: destroy
    /// Frees every page-table frame of the user half (PML4 entries 0-255),
    /// and, if `free_pages`, every page they map. Leaves the user half empty.
    pub fn free_user_half(&mut self, free_pages: bool) {
        for i in 0..256 {
            let pointer = entry(self.root, i);
            // SAFETY: live PML4 frame; we clear the entry after freeing below.
            let value = unsafe { pointer.replace(0) };
            if value & PRESENT != 0 {
                free_table(value & ADDRESS_MASK, 3, free_pages);
            }
        }
        if self.is_active() {
            x86_64::instructions::tlb::flush_all();
        }
    }

    /// Frees the user half and the top-level table: the end of an address
    /// space. It must not be the active one.
    pub fn destroy(mut self, free_pages: bool) {
        assert!(!self.is_active(), "destroying the active address space");
        self.free_user_half(free_pages);
        frame::free(self.root);
    }
    // ANCHOR_END: destroy
}

impl PageTable {
    /// Calls `visit(virt, phys, flags)` for every 4 KiB page mapped in the
    /// user half, in address order.
    pub fn for_each_user_page(&self, visit: &mut dyn FnMut(u64, u64, u64)) {
        for i in 0..256 {
            // SAFETY: live PML4 frame.
            let value = unsafe { *entry(self.root, i) };
            if value & PRESENT != 0 {
                visit_table(value & ADDRESS_MASK, 3, (i as u64) << 39, visit);
            }
        }
    }
}

/// Visits the leaves below `table` (at `level`), which maps from `base` up.
fn visit_table(table: u64, level: u32, base: u64, visit: &mut dyn FnMut(u64, u64, u64)) {
    for i in 0..512u64 {
        // SAFETY: `table` is a live page-table frame of the space we visit.
        let value = unsafe { *entry(table, i as usize) };
        if value & PRESENT == 0 {
            continue;
        }
        let virt = base + (i << (12 + 9 * (level - 1)));
        if level == 1 {
            visit(virt, value & ADDRESS_MASK, value & !ADDRESS_MASK);
        } else if value & HUGE == 0 {
            visit_table(value & ADDRESS_MASK, level - 1, virt, visit);
        }
    }
}

// ANCHOR: free_table
/// Frees the table at `table` (at `level`) and everything below it.
fn free_table(table: u64, level: u32, free_pages: bool) {
    for i in 0..512 {
        // SAFETY: `table` is a live page-table frame we are tearing down.
        let value = unsafe { *entry(table, i) };
        if value & PRESENT == 0 {
            continue;
        }
        let target = value & ADDRESS_MASK;
        if level == 1 || value & HUGE != 0 {
            if free_pages && value & HUGE == 0 {
                frame::free(target);
            }
        } else {
            free_table(target, level - 1, free_pages);
        }
    }
    frame::free(table);
}
// ANCHOR_END: free_table

/// Reads the aligned 8-byte word at user address `virt` through the page
/// table the CPU is running on, if it is mapped for user access; `None`
/// otherwise. Takes no lock and cannot fault, so the profiler may call it
/// from the timer interrupt to walk a user stack.
pub fn peek_user_u64(virt: u64) -> Option<u64> {
    if !virt.is_multiple_of(8) || virt >= 0x0000_8000_0000_0000 {
        return None;
    }
    let (root, _) = x86_64::registers::control::Cr3::read();
    let active = PageTable {
        root: root.start_address().as_u64(),
    };
    let (phys, flags) = active.translate(virt)?;
    if flags & USER == 0 {
        return None;
    }
    // SAFETY: `phys` is a mapped user page (an 8-aligned word never
    // crosses a page), reached through the direct map.
    Some(unsafe { *(phys_to_virt(phys) as *const u64) })
}
