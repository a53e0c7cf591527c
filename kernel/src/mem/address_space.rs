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
//! The kernel never dereferences a user pointer. A pointer and a length
//! first become a `UserRange` (mem/user.rs: inside user space, no
//! overflow); then `copy_in` and `copy_out` look each page up in the
//! process's page table and refuse (`EFAULT`) anything not mapped with the
//! USER bit or not writable (for `copy_out`), and copy through the direct
//! map. So a bad pointer from a user program is an error code, never a
//! kernel fault. `read`/`write` move one `Plain` value (libsys/plain.rs):
//! a type any bytes are valid for, with no padding to leak.

use super::page_table::{NO_EXECUTE, PageTable, USER, WRITABLE};
use super::user::{UserPtr, UserRange};
use super::{PAGE_SIZE, align_up, frame, phys_to_virt};
use alloc::string::String;
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{USER_BASE, USER_STACK_SIZE, USER_STACK_TOP, USER_TOP};
use libsys::plain::{Plain, as_bytes, as_bytes_mut, slice_as_bytes, slice_as_bytes_mut};

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

    /// Checks that the break may move by `increment` (memory aside);
    /// returns the current break.
    pub fn check_break_move(&self, increment: i64) -> Result<u64, Errno> {
        let new = self
            .brk
            .checked_add_signed(increment)
            .ok_or(Errno::ENOMEM)?;
        if new < self.heap_start || new > HEAP_LIMIT {
            return Err(Errno::ENOMEM);
        }
        Ok(self.brk)
    }

    // ANCHOR: sbrk
    /// Moves the break by `increment` bytes; returns the old break.
    pub fn sbrk(&mut self, increment: i64) -> Result<u64, Errno> {
        let old = self.check_break_move(increment)?;
        let new = old.wrapping_add_signed(increment); // checked just above
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

    /// Checks that `range` is user memory the process may read (or write,
    /// if `write`), without touching it.
    pub fn check(&self, range: UserRange, write: bool) -> Result<(), Errno> {
        for (address, _) in range.pieces() {
            self.user_page(address, write)?;
        }
        Ok(())
    }

    /// Copies `data` into user memory at `dst`, page by page; the first
    /// `min(data.len(), dst.len())` bytes.
    pub fn copy_out(&self, dst: UserRange, data: &[u8]) -> Result<(), Errno> {
        self.copy_to_user(dst, data, true)
    }

    /// Writes `data` at `dst` even into read-only pages: only for `exec`,
    /// filling the segments of a program that has not started yet.
    pub fn write_while_loading(&self, dst: u64, data: &[u8]) -> Result<(), Errno> {
        self.copy_to_user(UserRange::new(dst, data.len())?, data, false)
    }

    fn copy_to_user(&self, dst: UserRange, data: &[u8], check_writable: bool) -> Result<(), Errno> {
        let mut done = 0;
        for (address, piece) in dst.part(0, data.len()).pieces() {
            let target = self.user_page(address, check_writable)?;
            // SAFETY: `target` is the direct-map address of a user page of
            // this space, with at least `piece` bytes left in the page;
            // `data[done..]` has at least `piece` bytes (the range was cut
            // to `data.len()`).
            unsafe {
                core::ptr::copy_nonoverlapping(data[done..].as_ptr(), target as *mut u8, piece)
            };
            done += piece;
        }
        Ok(())
    }
    // ANCHOR_END: copy_out

    // ANCHOR: copy_in
    /// Copies user memory at `src` into `buffer`: the first
    /// `min(buffer.len(), src.len())` bytes.
    pub fn copy_in(&self, buffer: &mut [u8], src: UserRange) -> Result<(), Errno> {
        let mut done = 0;
        for (address, piece) in src.part(0, buffer.len()).pieces() {
            let source = self.user_page(address, false)?;
            // SAFETY: as in `copy_to_user`, reading instead of writing.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    source as *const u8,
                    buffer[done..].as_mut_ptr(),
                    piece,
                )
            };
            done += piece;
        }
        Ok(())
    }
    // ANCHOR_END: copy_in

    // ANCHOR: typed
    /// Reads one plain value from user memory.
    pub fn read<T: Plain + Default>(&self, src: UserPtr<T>) -> Result<T, Errno> {
        let mut value = T::default();
        self.copy_in(as_bytes_mut(&mut value), src.range(1)?)?;
        Ok(value)
    }

    /// Reads `values.len()` plain values from user memory.
    pub fn read_slice<T: Plain>(&self, src: UserPtr<T>, values: &mut [T]) -> Result<(), Errno> {
        let range = src.range(values.len())?;
        self.copy_in(slice_as_bytes_mut(values), range)
    }

    /// Writes one plain value to user memory.
    pub fn write<T: Plain>(&self, dst: UserPtr<T>, value: &T) -> Result<(), Errno> {
        self.copy_out(dst.range(1)?, as_bytes(value))
    }

    /// Writes plain values to consecutive places in user memory.
    pub fn write_slice<T: Plain>(&self, dst: UserPtr<T>, values: &[T]) -> Result<(), Errno> {
        self.copy_out(dst.range(values.len())?, slice_as_bytes(values))
    }
    // ANCHOR_END: typed

    /// Copies a UTF-8 string of `len` bytes from user address `src`.
    pub fn read_string(&self, src: UserPtr<u8>, len: usize, max: usize) -> Result<String, Errno> {
        if len > max {
            return Err(Errno::ENAMETOOLONG);
        }
        let range = src.range(len)?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
        bytes.resize(len, 0);
        self.copy_in(&mut bytes, range)?;
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
