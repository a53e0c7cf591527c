//! The kernel heap: `Box`, `Vec` and friends, from a buddy allocator.
//!
//! The heap is one stretch of RAM set aside at boot (`frame::init_early`)
//! and reached through the direct map. `buddy_system_allocator::Heap` does
//! the bookkeeping; we wrap it in our `SpinLock`, so an allocation is safe
//! even when an interrupt handler allocates too.
//!
//! Out of memory: `alloc` returns null and Rust's allocation-error handler
//! panics. Code that must survive exhaustion (anything a user program can
//! trigger) uses the fallible APIs (`try_reserve`, `Box::try_new` style).

use crate::sync::SpinLock;
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};

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

pub fn stats() -> HeapStats {
    let heap = HEAP.0.lock();
    HeapStats {
        total: heap.stats_total_bytes(),
        requested: heap.stats_alloc_user(),
        allocated: heap.stats_alloc_actual(),
    }
}
