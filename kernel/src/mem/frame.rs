//! Physical page frames: a free list, as in xv6's `kalloc.c`.
//!
//! Every free 4 KiB frame holds, in its first eight bytes, the physical
//! address of the next free frame; `FrameList::head` is the first. Allocating
//! pops the head, freeing pushes. Both are O(1) and need no memory of their
//! own: the free frames *are* the data structure. The list is reached
//! through the direct map, so a frame can only join once it is mapped there
//! (hence `init_early` and `init_late`, see `mem::init`).
//!
//! Frames come back zeroed from `alloc`, so a new page table or a new user
//! page never shows another process's old data.
//!
//! Not handed out: the first 1 MiB (firmware data, and the future SMP
//! trampoline), the kernel image, the initrd, and the heap.

use super::{PAGE_SIZE, align_down, align_up, phys_to_virt};
use crate::boot::{BootInfo, RegionKind};
use crate::sync::SpinLock;

/// RAM below this is mapped by both doors' boot page tables.
const EARLY_MAP_LIMIT: u64 = 4 << 30;
/// RAM below this is never handed out.
const LOW_MEMORY_END: u64 = 1 << 20;

// ANCHOR: free_list
struct FrameList {
    /// Physical address of the first free frame; 0 when empty (frame 0 is
    /// below LOW_MEMORY_END, so it is never on the list).
    head: u64,
    free: usize,
    total: usize,
}

static FRAMES: SpinLock<FrameList> = SpinLock::new(
    "frames",
    FrameList {
        head: 0,
        free: 0,
        total: 0,
    },
);
// ANCHOR_END: free_list

// ANCHOR: alloc
/// A zeroed 4 KiB frame, or `None` when memory is exhausted.
pub fn alloc() -> Option<u64> {
    let frame = {
        let mut list = FRAMES.lock();
        let frame = list.head;
        if frame == 0 {
            return None;
        }
        // SAFETY: `frame` is on the free list, so it is mapped in the direct
        // map and nobody else uses it; its first word is the next link.
        list.head = unsafe { *(phys_to_virt(frame) as *const u64) };
        list.free -= 1;
        frame
    };
    // SAFETY: we own the frame now; it is 4 KiB, mapped, and 4 KiB-aligned.
    unsafe { core::ptr::write_bytes(phys_to_virt(frame) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(frame)
}

/// Returns a frame from `alloc` to the free list.
pub fn free(frame: u64) {
    assert!(
        frame.is_multiple_of(PAGE_SIZE) && frame >= LOW_MEMORY_END,
        "frame::free: bad frame {frame:#x}"
    );
    let mut list = FRAMES.lock();
    // SAFETY: the caller gives up the frame, which is mapped in the direct map.
    unsafe { *(phys_to_virt(frame) as *mut u64) = list.head };
    list.head = frame;
    list.free += 1;
}
// ANCHOR_END: alloc

/// Free frames right now.
pub fn free_count() -> usize {
    FRAMES.lock().free
}

/// Frames the allocator manages (free or not).
pub fn total_count() -> usize {
    FRAMES.lock().total
}

// ANCHOR: add_range
/// Adds the whole frames inside `[start, end)`, leaving out each range in
/// `holes`, to the free list.
fn add_range(start: u64, end: u64, holes: &[(u64, u64)]) {
    if let Some((&(hole_start, hole_end), rest)) = holes.split_first() {
        if hole_start < end && start < hole_end {
            // The hole cuts the range: keep what lies on either side of it.
            add_range(start, hole_start.min(end), rest);
            add_range(hole_end.max(start), end, rest);
        } else {
            add_range(start, end, rest);
        }
        return;
    }
    let mut frame = align_up(start, PAGE_SIZE);
    while frame + PAGE_SIZE <= end {
        FRAMES.lock().total += 1;
        free(frame);
        frame += PAGE_SIZE;
    }
}
// ANCHOR_END: add_range

// ANCHOR: holes
/// The ranges no frame may come from.
fn holes(boot: &BootInfo, heap: (u64, u64)) -> [(u64, u64); 4] {
    let (image_start, image_end) = super::kernel_image_range();
    let kernel = (
        boot.kernel_phys_base,
        boot.kernel_phys_base + (image_end - image_start),
    );
    let initrd = boot
        .initrd
        .map(|(start, len)| (start, start + len))
        .unwrap_or((0, 0));
    [(0, LOW_MEMORY_END), kernel, initrd, heap]
}
// ANCHOR_END: holes

/// How much heap to set aside: a quarter of RAM, between 4 and 128 MiB.
fn heap_size(boot: &BootInfo) -> u64 {
    let usable: u64 = boot
        .regions()
        .iter()
        .filter(|r| r.kind == RegionKind::Usable)
        .map(|r| r.len)
        .sum();
    align_down((usable / 4).clamp(4 << 20, 128 << 20), PAGE_SIZE)
}

// ANCHOR: init_early
/// Sets aside the heap, then frees every usable frame the boot page tables
/// map. Returns the heap's physical range.
pub fn init_early(boot: &BootInfo) -> (u64, u64) {
    let size = heap_size(boot);
    let mut heap = (0, 0);
    let taken = holes(boot, (0, 0));
    for region in boot
        .regions()
        .iter()
        .filter(|r| r.kind == RegionKind::Usable)
    {
        // Place the heap as low as it fits in this region, stepping past
        // anything it would overlap (low memory, kernel, initrd).
        let mut start = align_up(region.start, PAGE_SIZE);
        while let Some(&(_, end)) = taken.iter().find(|&&(s, e)| s < start + size && start < e) {
            start = align_up(end, PAGE_SIZE);
        }
        if start + size <= region.end().min(EARLY_MAP_LIMIT) {
            heap = (start, start + size);
            break;
        }
    }
    assert!(heap.1 > 0, "no room for a {} MiB kernel heap", size >> 20);

    let holes = holes(boot, heap);
    for region in boot
        .regions()
        .iter()
        .filter(|r| r.kind == RegionKind::Usable)
    {
        add_range(region.start, region.end().min(EARLY_MAP_LIMIT), &holes);
    }
    heap
}
// ANCHOR_END: init_early

// ANCHOR: init_late
/// Frees what `init_early` could not: usable RAM above 4 GiB. Call once
/// the kernel runs on its own page tables.
pub fn init_late(boot: &BootInfo) {
    let holes = holes(boot, (0, 0));
    for region in boot.regions() {
        if region.kind == RegionKind::Usable {
            add_range(region.start.max(EARLY_MAP_LIMIT), region.end(), &holes)
        }
    }
}

/// Frees the bootloader's leftovers (its page tables, stacks and answers).
/// Call once no CPU runs on them: after the other CPUs have started, since
/// Limine parks them on its own page tables and stacks.
pub fn reclaim_bootloader_memory(boot: &BootInfo) {
    let holes = holes(boot, (0, 0));
    for region in boot.regions() {
        if region.kind == RegionKind::BootloaderReclaimable {
            add_range(region.start, region.end(), &holes)
        }
    }
}
// ANCHOR_END: init_late
