//! The kernel heap: `Box`, `Vec` and friends, from a buddy allocator.
//!
//! The heap is one stretch of RAM set aside at boot (`frame::init_early`)
//! and reached through the direct map. `buddy_system_allocator::Heap` does
//! the bookkeeping; we wrap it in our `SpinLock`, so an allocation is safe
//! even when an interrupt handler allocates too.
//!
//! Out of memory: `alloc` returns null and Rust's allocation-error handler
//! panics. So the kernel keeps a *reserve*: a large allocation that a user
//! program can cause (a pipe's buffer, a file in /tmp growing) is refused
//! with an error unless `RESERVE` bytes stay free after it
//! (`has_room_for`). The kernel's own small allocations (an open file, a
//! socket's state) then always find room, and no user program, however
//! many pipes or files it makes, can make the kernel's allocator fail.

use crate::sync::SpinLock;
use alloc::vec::Vec;
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use libsys::Errno;

// ANCHOR: global_alloc
/// Orders up to 32: blocks up to 2^31 bytes.
struct KernelHeap(SpinLock<Heap<32>>);

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(SpinLock::new("heap", Heap::new()));

// SAFETY: `Heap` hands out disjoint, correctly aligned blocks from memory we
// gave it, and the lock serializes every access to its bookkeeping.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0
            .lock()
            .alloc(layout)
            .map_or(null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY (of `new_unchecked`): the caller passes a pointer that
        // `alloc` returned, so it is not null.
        self.0
            .lock()
            .dealloc(unsafe { NonNull::new_unchecked(ptr) }, layout);
    }
}
// ANCHOR_END: global_alloc

// ANCHOR: heap_init
/// Hands the heap its memory: `size` bytes at virtual address `start`.
pub fn init(start: u64, size: u64) {
    // SAFETY: `frame::init_early` reserved this range for the heap alone and
    // the direct map covers it.
    unsafe { HEAP.0.lock().init(start as usize, size as usize) };
}
// ANCHOR_END: heap_init

/// Heap usage in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapStats {
    pub total: usize,
    /// What callers asked for.
    pub requested: usize,
    /// What the buddy allocator handed out (requests rounded up to powers of two).
    pub allocated: usize,
}

// ANCHOR: reserve
/// Heap kept free for the kernel's own small allocations.
pub const RESERVE: usize = 1 << 20;

/// May a user-caused allocation of `bytes` go ahead without eating into
/// the reserve?
pub fn has_room_for(bytes: usize) -> bool {
    let stats = stats();
    stats.total.saturating_sub(stats.allocated) >= bytes.saturating_add(RESERVE)
}

/// The check every allocation a system call makes on a user's behalf goes
/// through first: `ENOMEM` instead of eating into the reserve.
pub fn charge(bytes: usize) -> Result<(), Errno> {
    if has_room_for(bytes) {
        Ok(())
    } else {
        Err(Errno::ENOMEM)
    }
}

/// A copy of `data` on the heap, or `ENOMEM` (never an allocation panic).
pub fn try_copy(data: &[u8]) -> Result<Vec<u8>, Errno> {
    charge(data.len())?;
    let mut copy = Vec::new();
    copy.try_reserve_exact(data.len())
        .map_err(|_| Errno::ENOMEM)?;
    copy.extend_from_slice(data);
    Ok(copy)
}
// ANCHOR_END: reserve

pub fn stats() -> HeapStats {
    let heap = HEAP.0.lock();
    HeapStats {
        total: heap.stats_total_bytes(),
        requested: heap.stats_alloc_user(),
        allocated: heap.stats_alloc_actual(),
    }
}
