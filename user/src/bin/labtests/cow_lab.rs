//! The cow lab: copy-on-write `fork`.
//!
//! What the tests can see from user space: how much free memory a `fork`
//! takes (`meminfo`), whether a process bigger than the free memory can
//! fork at all, whether writes stay private on both sides (by the CPU and
//! by the kernel's `copy_out`), and whether every frame comes back.

use crate::{TestResult, check};
use alloc::format;
use alloc::string::String;

const PAGE: usize = 4096;

fn free_bytes() -> Result<u64, String> {
    libsys::meminfo()
        .map(|m| m.frames_free)
        .map_err(|e| format!("meminfo: {e}"))
}

/// Grows the heap by `bytes`, writes a distinct word into every page, and
/// returns the start of the new memory.
fn filled_heap(bytes: usize, seed: u64) -> Result<*mut u64, String> {
    let start =
        libsys::sbrk(bytes as isize).map_err(|e| format!("sbrk({bytes}): {e}"))? as *mut u64;
    for page in 0..bytes / PAGE {
        // SAFETY: the page was just added to our heap by sbrk.
        unsafe {
            start
                .add(page * PAGE / 8)
                .write_volatile(seed + page as u64)
        };
    }
    Ok(start)
}

/// Word `page` of a heap filled by `filled_heap`.
fn word(start: *mut u64, page: usize) -> *mut u64 {
    // SAFETY (of the callers' reads and writes): inside the filled heap.
    unsafe { start.add(page * PAGE / 8) }
}

/// Runs `body` in a child and returns its exit status.
fn child_status(body: impl FnOnce() -> i32) -> Result<i32, String> {
    match libsys::fork() {
        Ok(0) => libsys::exit(body()),
        Ok(_) => libsys::wait()
            .map(|(_, status)| status)
            .map_err(|e| format!("wait: {e}")),
        Err(e) => Err(format!("fork: {e}")),
    }
}

/// Forking a process with 8 MiB of heap costs far less than 8 MiB: the
/// child shares its parent's pages until one of them writes.
pub fn fork_shares_memory() -> TestResult {
    const SIZE: usize = 8 << 20;
    let heap = filled_heap(SIZE, 1)?;
    let before = free_bytes()?;
    // The child reports, in its exit status, how many MiB the fork took.
    let status = child_status(|| {
        let after = free_bytes().unwrap_or(0);
        (before.saturating_sub(after) >> 20).min(100) as i32
    })?;
    let _ = libsys::sbrk(-(SIZE as isize));
    let _ = heap;
    check!(
        status < 2,
        "the fork of a process with 8 MiB of heap took {status} MiB of free memory (pages were copied, not shared)"
    );
    Ok(())
}

/// A process using more than half of the free memory can still fork, and
/// then both can write some pages of their own.
pub fn fork_bigger_than_free_memory() -> TestResult {
    let free = free_bytes()? as usize;
    let size = (free / 10 * 6) & !(PAGE - 1);
    let heap = filled_heap(size, 7)?;
    let pages = size / PAGE;
    let status = child_status(|| {
        for page in (0..pages).step_by(pages / 16) {
            // SAFETY: inside the heap inherited from the parent.
            unsafe {
                if word(heap, page).read_volatile() != 7 + page as u64 {
                    return 1;
                }
                word(heap, page).write_volatile(0xc41d);
            }
        }
        0
    });
    let mut intact = true;
    for page in (0..pages).step_by(pages / 16) {
        // SAFETY: our own heap.
        intact &= unsafe { word(heap, page).read_volatile() } == 7 + page as u64;
    }
    let _ = libsys::sbrk(-(size as isize));
    let status = status?;
    check!(
        status == 0,
        "the child saw wrong data or crashed (status {status})"
    );
    check!(intact, "the child's writes showed up in the parent");
    Ok(())
}

/// Writes on either side stay on that side: the parent's after the fork
/// are not seen by the child, the child's not by the parent, and a write
/// by the kernel (`read` from a pipe into a shared page) neither.
pub fn writes_stay_private() -> TestResult {
    let heap = filled_heap(4 * PAGE, 100)?;
    let (data_read, data_write) = libsys::pipe().map_err(|e| format!("pipe: {e}"))?;
    let child = libsys::fork().map_err(|e| format!("fork: {e}"))?;
    if child == 0 {
        let _ = libsys::close(data_write);
        // The parent writes page 0 and then the pipe: once the 8 bytes
        // are here, the parent's write has happened.
        // SAFETY: inside the heap inherited from the parent; page 2 is
        // still shared, so the kernel's `copy_out` must copy it first.
        let status = unsafe {
            let buffer = core::slice::from_raw_parts_mut(word(heap, 2) as *mut u8, 8);
            if libsys::read(data_read, buffer) != Ok(8) {
                2 // the kernel could not write into a shared page
            } else if word(heap, 2).read_volatile() != 0x1122_3344_5566_7788 {
                3
            } else if word(heap, 0).read_volatile() != 100 {
                1 // the parent's write leaked into the child
            } else {
                word(heap, 1).write_volatile(0xc41d);
                0
            }
        };
        libsys::exit(status);
    }
    let _ = libsys::close(data_read);
    // SAFETY: our own heap.
    unsafe { word(heap, 0).write_volatile(0xbeef) };
    let sent = libsys::write(data_write, &0x1122_3344_5566_7788u64.to_ne_bytes());
    let _ = libsys::close(data_write);
    let status = libsys::wait()
        .map(|(_, s)| s)
        .map_err(|e| format!("wait: {e}"))?;
    // SAFETY: our own heap.
    let (page1, page2) = unsafe { (word(heap, 1).read_volatile(), word(heap, 2).read_volatile()) };
    let _ = libsys::sbrk(-(4 * PAGE as isize));
    check!(sent == Ok(8), "write to the pipe: {sent:?}");
    check!(
        status != 1,
        "the parent's write after fork showed up in the child"
    );
    check!(
        status != 2,
        "read() into a page shared after fork failed in the child"
    );
    check!(
        status != 3,
        "read() into a shared page did not store the data"
    );
    check!(status == 0, "the child exited with status {status}");
    check!(page1 == 101, "the child's write showed up in the parent");
    check!(
        page2 == 102,
        "the kernel's write in the child showed up in the parent"
    );
    Ok(())
}

/// Forks whose children write and exit give every frame back.
pub fn frames_come_back() -> TestResult {
    let heap = filled_heap(64 * PAGE, 5)?;
    // One round first: page tables, caches.
    child_status(|| 0)?;
    let before = free_bytes()?;
    for round in 0..10 {
        let status = child_status(|| {
            for page in (0..64).step_by(3) {
                // SAFETY: inside the heap inherited from the parent.
                unsafe { word(heap, page).write_volatile(round) };
            }
            0
        })?;
        check!(status == 0, "child {round} exited with status {status}");
        // The parent writes too: its pages may still count as shared.
        for page in (0..64).step_by(5) {
            // SAFETY: our own heap.
            unsafe { word(heap, page).write_volatile(round) };
        }
    }
    let after = free_bytes()?;
    let _ = libsys::sbrk(-(64 * PAGE as isize));
    check!(
        after + 4 * PAGE as u64 >= before,
        "10 forks lost {} KiB of frames",
        before.saturating_sub(after) / 1024
    );
    Ok(())
}
