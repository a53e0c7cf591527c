//! Tests of frames, the heap and page tables.

use super::TestResult;
use crate::check;
use crate::mem::page_table::{MapError, NO_EXECUTE, PageTable, USER, WRITABLE};
use crate::mem::{PAGE_SIZE, frame, heap, kernel_map, phys_to_virt};
use alloc::boxed::Box;
use alloc::vec::Vec;

pub fn frame_alloc_free_no_leak() -> TestResult {
    let before = frame::free_count();
    for _round in 0..10 {
        let mut frames = Vec::new();
        for _ in 0..500 {
            frames.push(frame::alloc().ok_or("out of frames")?);
        }
        check!(frame::free_count() == before - 500);
        for f in frames {
            frame::free(f);
        }
    }
    check!(
        frame::free_count() == before,
        "free count {} != {} after freeing",
        frame::free_count(),
        before
    );
    Ok(())
}

pub fn frames_are_distinct_and_zeroed() -> TestResult {
    let mut frames = Vec::new();
    for i in 0..64u64 {
        let f = frame::alloc().ok_or("out of frames")?;
        check!(f % PAGE_SIZE == 0, "frame {f:#x} not aligned");
        let page = phys_to_virt(f) as *mut u64;
        // SAFETY: we own the frame; it is mapped in the direct map.
        let first_words = unsafe { core::slice::from_raw_parts_mut(page, 512) };
        check!(
            first_words.iter().all(|&w| w == 0),
            "frame {f:#x} not zeroed"
        );
        first_words.fill(i + 1); // dirty it, so a reuse would be noticed
        frames.push(f);
    }
    let mut sorted = frames.clone();
    sorted.sort_unstable();
    sorted.dedup();
    check!(sorted.len() == frames.len(), "a frame was handed out twice");
    for f in frames {
        frame::free(f);
    }
    // Freed frames come back zeroed even though we dirtied them.
    let f = frame::alloc().ok_or("out of frames")?;
    // SAFETY: as above.
    let zero = unsafe { core::slice::from_raw_parts(phys_to_virt(f) as *const u64, 512) }
        .iter()
        .all(|&w| w == 0);
    frame::free(f);
    check!(zero, "reused frame was not zeroed");
    Ok(())
}

pub fn frame_exhaustion_returns_none() -> TestResult {
    let before = frame::free_count();
    // Take every frame, chaining them through their own first word so the
    // test itself needs no memory to remember them.
    let mut head = 0u64;
    let mut taken = 0;
    while let Some(f) = frame::alloc() {
        // SAFETY: we own `f`; it is mapped.
        unsafe { *(phys_to_virt(f) as *mut u64) = head };
        head = f;
        taken += 1;
    }
    let empty = frame::free_count();
    while head != 0 {
        // SAFETY: every frame on our chain holds the next link.
        let next = unsafe { *(phys_to_virt(head) as *const u64) };
        frame::free(head);
        head = next;
    }
    check!(taken == before, "took {taken} frames, expected {before}");
    check!(empty == 0);
    check!(frame::free_count() == before);
    Ok(())
}

pub fn heap_alloc_free_loop_no_leak() -> TestResult {
    let before = heap::stats();
    for round in 0..2000usize {
        let size = 1 + (round * 37) % 3000;
        let mut v: Vec<u8> = Vec::with_capacity(size);
        v.resize(size, round as u8);
        let b = Box::new([round as u64; 8]);
        check!(v[size - 1] == round as u8 && b[7] == round as u64);
    }
    let after = heap::stats();
    check!(
        after.allocated == before.allocated,
        "heap grew from {} to {} bytes",
        before.allocated,
        after.allocated
    );
    Ok(())
}

pub fn heap_large_allocation() -> TestResult {
    let before = heap::stats();
    let big = alloc::vec![0xA5u8; 1 << 20];
    check!(big.iter().all(|&b| b == 0xA5));
    check!(heap::stats().allocated >= before.allocated + (1 << 20));
    drop(big);
    check!(heap::stats().allocated == before.allocated);
    Ok(())
}

const TEST_VIRT: u64 = 0x40_0000;

pub fn page_table_map_translate_unmap() -> TestResult {
    let mut table = PageTable::new().ok_or("no frame")?;
    let page = frame::alloc().ok_or("no frame")?;
    table
        .map(TEST_VIRT, page, USER | WRITABLE)
        .map_err(|e| alloc::format!("{e:?}"))?;
    let (phys, flags) = table
        .translate(TEST_VIRT + 0x123)
        .ok_or("not mapped after map")?;
    check!(
        phys == page + 0x123,
        "translated to {phys:#x}, expected {:#x}",
        page + 0x123
    );
    check!(flags & USER != 0 && flags & WRITABLE != 0);
    check!(
        table.translate(TEST_VIRT + PAGE_SIZE).is_none(),
        "neighbour page mapped"
    );
    check!(table.unmap(TEST_VIRT) == Some(page));
    check!(
        table.translate(TEST_VIRT).is_none(),
        "still mapped after unmap"
    );
    check!(table.unmap(TEST_VIRT).is_none(), "unmapped twice");
    frame::free(page);
    table.destroy(true);
    Ok(())
}

pub fn page_table_teardown_frees_tables() -> TestResult {
    let before = frame::free_count();
    let mut table = PageTable::new().ok_or("no frame")?;
    kernel_map::with_kernel_table(|kernel| table.share_kernel_half(kernel));
    // Spread mappings over several page tables and directories.
    for i in 0..16u64 {
        let page = frame::alloc().ok_or("no frame")?;
        table
            .map(TEST_VIRT + i * (3 << 20), page, USER | NO_EXECUTE)
            .map_err(|e| alloc::format!("{e:?}"))?;
    }
    check!(frame::free_count() < before);
    table.destroy(true);
    check!(
        frame::free_count() == before,
        "leaked {} frames",
        before - frame::free_count()
    );
    Ok(())
}

pub fn page_table_double_map_is_refused() -> TestResult {
    let mut table = PageTable::new().ok_or("no frame")?;
    let page = frame::alloc().ok_or("no frame")?;
    table
        .map(TEST_VIRT, page, USER)
        .map_err(|e| alloc::format!("{e:?}"))?;
    check!(table.map(TEST_VIRT, page, USER) == Err(MapError::AlreadyMapped));
    table.destroy(true);
    Ok(())
}

unsafe extern "C" {
    static __text_start: u8;
    static __rodata_start: u8;
    static __data_start: u8;
    static boot_stack_guard: u8;
}

pub fn kernel_section_permissions() -> TestResult {
    let cr3 = x86_64::registers::control::Cr3::read_raw()
        .0
        .start_address()
        .as_u64();
    // SAFETY: the active table is the kernel's; we only translate through it.
    let active = unsafe { PageTable::from_root(cr3) };
    let lookup = |virt: u64| active.translate(virt).map(|(_, flags)| flags);
    let text = lookup(&raw const __text_start as u64).ok_or("text unmapped")?;
    check!(
        text & WRITABLE == 0 && text & NO_EXECUTE == 0,
        "text flags {text:#x}"
    );
    let rodata = lookup(&raw const __rodata_start as u64).ok_or("rodata unmapped")?;
    check!(
        rodata & WRITABLE == 0 && rodata & NO_EXECUTE != 0,
        "rodata flags {rodata:#x}"
    );
    let data = lookup(&raw const __data_start as u64).ok_or("data unmapped")?;
    check!(
        data & WRITABLE != 0 && data & NO_EXECUTE != 0,
        "data flags {data:#x}"
    );
    check!(
        lookup(&raw const boot_stack_guard as u64).is_none(),
        "stack guard page is mapped"
    );
    check!(
        text & USER == 0 && data & USER == 0,
        "kernel pages reachable from user mode"
    );
    Ok(())
}

pub fn direct_map_covers_ram() -> TestResult {
    // Every usable region's first and last byte must be reachable.
    for region in crate::boot::info().regions() {
        if region.kind == crate::boot::RegionKind::Usable && region.len >= PAGE_SIZE {
            kernel_map::with_kernel_table(|k| -> TestResult {
                for phys in [region.start, region.end() - 1] {
                    let (got, flags) = k
                        .translate(phys_to_virt(phys))
                        .ok_or("hole in direct map")?;
                    check!(
                        got == phys && flags & NO_EXECUTE != 0,
                        "direct map of {phys:#x} wrong"
                    );
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}
