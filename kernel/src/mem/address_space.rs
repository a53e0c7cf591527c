//! A process's user address space, and safe access to it from the kernel.
//!
//! ```text
//! USER_TOP        0x8000_0000_0000 ─┐
//! USER_STACK_TOP  0x7fff_ffff_f000  │ stack (64 KiB), grows down
//!                                   │ guard page (never mapped)
//!                                   │      ...
//!                 brk ──────────────┤ heap, grows up with sbrk
//!                 heap_start ───────┤ (end of the program's segments)
//!                                   │ data, rodata, text (from the ELF)
//! USER_TEXT       0x40_0000 ────────┘
//! ```
//!
//! The kernel never dereferences a user pointer. `copy_in` and `copy_out`
//! look each page up in the process's page table and refuse (`EFAULT`)
//! anything not mapped with the USER bit, not writable (for `copy_out`), or
//! not below `USER_TOP`; then they copy through the direct map. So a bad
//! pointer from a user program is an error code, never a kernel fault.

use super::page_table::{NO_EXECUTE, PageTable, USER, WRITABLE};
use super::{PAGE_SIZE, align_down, align_up, frame, phys_to_virt};
use alloc::string::String;
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{USER_BASE, USER_STACK_SIZE, USER_STACK_TOP, USER_TOP};

pub struct AddressSpace {
    table: PageTable,
    /// Where the heap starts: the page after the program's last segment.
    heap_start: u64,
    /// The program break: the end of the heap.
    brk: u64,
    /// Bytes of user memory mapped, for `procinfo`.
    mapped: u64,
}

/// Lowest address of the user stack; the guard page is just below.
pub const USER_STACK_BOTTOM: u64 = USER_STACK_TOP - USER_STACK_SIZE;
/// The heap may not grow closer to the stack than this.
const HEAP_LIMIT: u64 = USER_STACK_BOTTOM - 16 * 1024 * 1024;

impl AddressSpace {
    // ANCHOR: new
    /// An empty user half, sharing the kernel half with every other space.
    pub fn new() -> Result<AddressSpace, Errno> {
        let mut table = PageTable::new().ok_or(Errno::ENOMEM)?;
        super::kernel_map::with_kernel_table(|kernel| table.share_kernel_half(kernel));
        Ok(AddressSpace {
            table,
            heap_start: 0,
            brk: 0,
            mapped: 0,
        })
    }
    // ANCHOR_END: new

    pub fn root(&self) -> u64 {
        self.table.root()
    }

    pub fn mapped_bytes(&self) -> u64 {
        self.mapped
    }

    /// Maps fresh zeroed pages over `[start, end)` (page-aligned). On
    /// failure, the pages this call mapped are unmapped again.
    pub fn map_zeroed(&mut self, start: u64, end: u64, flags: u64) -> Result<(), Errno> {
        let mut page = start;
        while page < end {
            let result = frame::alloc().ok_or(Errno::ENOMEM).and_then(|f| {
                self.table.map(page, f, flags | USER).map_err(|_| {
                    frame::free(f);
                    Errno::ENOMEM
                })
            });
            if let Err(e) = result {
                self.unmap(start, page);
                return Err(e);
            }
            self.mapped += PAGE_SIZE;
            page += PAGE_SIZE;
        }
        Ok(())
    }

    /// Unmaps `[start, end)` and frees the frames behind it.
    pub fn unmap(&mut self, start: u64, end: u64) {
        let mut page = start;
        while page < end {
            if let Some(f) = self.table.unmap(page) {
                frame::free(f);
                self.mapped -= PAGE_SIZE;
            }
            page += PAGE_SIZE;
        }
    }

    /// Sets where the heap begins (exec calls this after loading segments).
    pub fn set_heap_start(&mut self, end_of_segments: u64) {
        self.heap_start = align_up(end_of_segments, PAGE_SIZE);
        self.brk = self.heap_start;
    }

    /// Maps the user stack (with the guard page below it left unmapped).
    pub fn map_stack(&mut self) -> Result<(), Errno> {
        self.map_zeroed(USER_STACK_BOTTOM, USER_STACK_TOP, WRITABLE | NO_EXECUTE)
    }

    // ANCHOR: sbrk
    /// Moves the break by `increment` bytes; returns the old break.
    pub fn sbrk(&mut self, increment: i64) -> Result<u64, Errno> {
        let old = self.brk;
        let new = old.checked_add_signed(increment).ok_or(Errno::ENOMEM)?;
        if new < self.heap_start || new > HEAP_LIMIT {
            return Err(Errno::ENOMEM);
        }
        let (old_end, new_end) = (align_up(old, PAGE_SIZE), align_up(new, PAGE_SIZE));
        if new_end > old_end {
            self.map_zeroed(old_end, new_end, WRITABLE | NO_EXECUTE)?;
        } else {
            self.unmap(new_end, old_end);
        }
        self.brk = new;
        Ok(old)
    }
    // ANCHOR_END: sbrk

    // ANCHOR: fork_copy
    /// A copy of this address space, page for page (for `fork`).
    pub fn try_clone(&self) -> Result<AddressSpace, Errno> {
        let mut copy = AddressSpace::new()?;
        copy.heap_start = self.heap_start;
        copy.brk = self.brk;
        let mut result = Ok(());
        self.table.for_each_user_page(&mut |virt, phys, flags| {
            if result.is_err() {
                return;
            }
            let Some(f) = frame::alloc() else {
                result = Err(Errno::ENOMEM);
                return;
            };
            // SAFETY: both frames are mapped in the direct map; `f` is ours
            // alone and `phys` belongs to this (live) address space.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    phys_to_virt(phys) as *const u8,
                    phys_to_virt(f) as *mut u8,
                    PAGE_SIZE as usize,
                )
            };
            match copy.table.map(virt, f, flags & !super::page_table::PRESENT) {
                Ok(()) => copy.mapped += PAGE_SIZE,
                Err(_) => {
                    frame::free(f);
                    result = Err(Errno::ENOMEM);
                }
            }
        });
        result.map(|()| copy) // on error, `copy` is dropped and freed
    }
    // ANCHOR_END: fork_copy

    // ANCHOR: copy_out
    /// Finds the kernel address of user address `virt`, if the page is
    /// mapped for user access (and writable, if `write`).
    fn user_page(&self, virt: u64, write: bool) -> Result<u64, Errno> {
        if !(USER_BASE..USER_TOP).contains(&virt) {
            return Err(Errno::EFAULT);
        }
        let (phys, flags) = self.table.translate(virt).ok_or(Errno::EFAULT)?;
        if flags & USER == 0 || (write && flags & WRITABLE == 0) {
            return Err(Errno::EFAULT);
        }
        Ok(phys_to_virt(phys))
    }

    /// Checks that `[start, start + len)` is user memory the process may
    /// read (or write, if `write`), without touching it.
    pub fn check_range(&self, start: u64, len: u64, write: bool) -> Result<(), Errno> {
        let end = start.checked_add(len).ok_or(Errno::EFAULT)?;
        let mut page = align_down(start, PAGE_SIZE);
        while page < end {
            self.user_page(page.max(start), write)?;
            page += PAGE_SIZE;
        }
        Ok(())
    }

    /// Copies `data` to user address `dst`, page by page.
    pub fn copy_out(&self, dst: u64, data: &[u8]) -> Result<(), Errno> {
        self.copy_to_user(dst, data, true)
    }

    /// Writes `data` at `dst` even into read-only pages: only for `exec`,
    /// filling the segments of a program that has not started yet.
    pub fn write_while_loading(&self, dst: u64, data: &[u8]) -> Result<(), Errno> {
        self.copy_to_user(dst, data, false)
    }

    fn copy_to_user(
        &self,
        mut dst: u64,
        mut data: &[u8],
        check_writable: bool,
    ) -> Result<(), Errno> {
        while !data.is_empty() {
            let in_page = (align_down(dst, PAGE_SIZE) + PAGE_SIZE - dst) as usize;
            let n = in_page.min(data.len());
            let target = self.user_page(dst, check_writable)?;
            // SAFETY: `target` is the direct-map address of a user page of
            // this space, with at least `n` bytes left in the page.
            unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), target as *mut u8, n) };
            data = &data[n..];
            dst += n as u64;
        }
        Ok(())
    }
    // ANCHOR_END: copy_out

    // ANCHOR: copy_in
    /// Copies `buffer.len()` bytes from user address `src` into `buffer`.
    pub fn copy_in(&self, buffer: &mut [u8], mut src: u64) -> Result<(), Errno> {
        let mut done = 0;
        while done < buffer.len() {
            let in_page = (align_down(src, PAGE_SIZE) + PAGE_SIZE - src) as usize;
            let n = in_page.min(buffer.len() - done);
            let source = self.user_page(src, false)?;
            // SAFETY: as in `copy_out`, reading instead of writing.
            unsafe {
                core::ptr::copy_nonoverlapping(source as *const u8, buffer[done..].as_mut_ptr(), n)
            };
            done += n;
            src += n as u64;
        }
        Ok(())
    }
    // ANCHOR_END: copy_in

    /// Reads a user value of type `T` (plain data only).
    pub fn read_value<T: Copy + Default>(&self, src: u64) -> Result<T, Errno> {
        let mut value = T::default();
        // SAFETY: `T` is `Copy` plain data (integers and arrays of them in
        // our ABI), so any bytes make a valid value.
        let bytes = unsafe {
            core::slice::from_raw_parts_mut(&mut value as *mut T as *mut u8, size_of::<T>())
        };
        self.copy_in(bytes, src)?;
        Ok(value)
    }

    /// Copies a UTF-8 string of `len` bytes from user address `src`.
    pub fn copy_in_string(&self, src: u64, len: usize, max: usize) -> Result<String, Errno> {
        if len > max {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
        bytes.resize(len, 0);
        self.copy_in(&mut bytes, src)?;
        String::from_utf8(bytes).map_err(|_| Errno::EINVAL)
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        assert!(!self.table.is_active(), "freeing the address space in use");
        self.table.free_user_half(true);
        frame::free(self.table.root());
    }
}
