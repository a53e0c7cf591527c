//! The user heap: `Box`, `Vec` and `String` for user programs.
//!
//! Memory comes from the kernel through `sbrk`, which moves the end of the
//! program's data segment (the "break"). A buddy allocator manages it;
//! when it runs out, we ask `sbrk` for at least 64 KiB more and hand that
//! to the allocator. If `sbrk` fails (`ENOMEM`), the allocation fails, and
//! Rust's allocation-error handler ends the program with a panic message.
//!
//! User programs have one thread, so the lock never waits; it is there
//! because `GlobalAlloc` must be `Sync`.

use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::RefCell;
use core::ptr::{NonNull, null_mut};

const GROW_AT_LEAST: usize = 64 * 1024;

struct UserHeap(RefCell<Heap<32>>);

// SAFETY: user programs are single-threaded, so the RefCell is never
// borrowed from two threads (it is `Sync` only to satisfy `GlobalAlloc`).
unsafe impl Sync for UserHeap {}

#[global_allocator]
static HEAP: UserHeap = UserHeap(RefCell::new(Heap::new()));

// SAFETY: blocks come from memory `sbrk` gave us and nobody else uses; the
// buddy allocator hands out disjoint, aligned blocks.
unsafe impl GlobalAlloc for UserHeap {
    // ANCHOR: grow
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.borrow_mut();
        if let Ok(block) = heap.alloc(layout) {
            return block.as_ptr();
        }
        // Grow. A buddy allocator only makes a block of size 2^k out of
        // memory aligned to 2^k, and sbrk's memory is only page-aligned; a
        // region of twice the block size always contains one aligned block.
        let block = layout
            .size()
            .max(layout.align())
            .next_power_of_two()
            .max(GROW_AT_LEAST);
        let want = 2 * block;
        let Ok(start) = super::sys::sbrk(want as isize) else {
            return null_mut();
        };
        // SAFETY: [start, start + want) was just added to our address space
        // by the kernel and is used by nothing else.
        unsafe { heap.add_to_heap(start, start + want) };
        heap.alloc(layout).map_or(null_mut(), NonNull::as_ptr)
    }
    // ANCHOR_END: grow

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(ptr) = NonNull::new(ptr) {
            self.0.borrow_mut().dealloc(ptr, layout);
        }
    }
}
