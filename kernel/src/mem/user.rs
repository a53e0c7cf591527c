//! User addresses as the kernel receives them: untrusted numbers.
//!
//! A system call's pointer argument arrives as a [`UserPtr`]: a number the
//! kernel never dereferences. Before any byte moves, the pointer and a
//! length become a [`UserRange`], and `UserRange::new` is the one place that
//! does arithmetic on what a user program chose: it proves that
//! `start + len` neither overflows nor leaves user space. Everything after
//! it (the page-by-page walk in `address_space.rs`) computes only with
//! addresses inside `[USER_BASE, USER_TOP]`, where nothing can overflow.
//!
//! The rule this module enforces: **no kernel code adds, multiplies or
//! subtracts with a raw user address or length.** A program that passes
//! `0xffff_ffff_ffff_fff0` or a length of `u64::MAX` gets `EFAULT`, in a
//! debug build and a release build alike (the release profile keeps
//! overflow checks on, so a miss elsewhere is a loud bug, not a wrap).

// `new` is the one place that computes with unchecked user numbers, and it
// uses `checked_add`; `clippy` refuses any other bare arithmetic here, so
// each use below says why it cannot overflow.
#![deny(clippy::arithmetic_side_effects)]

use core::marker::PhantomData;
use libsys::Errno;
use libsys::abi::{USER_BASE, USER_TOP};

/// The user address of a `T` (or of the first of several), unchecked.
pub struct UserPtr<T> {
    address: u64,
    _points_to: PhantomData<*const T>,
}

// Manual impls: derives would require `T: Copy`.
impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> UserPtr<T> {
    pub const fn new(address: u64) -> UserPtr<T> {
        UserPtr {
            address,
            _points_to: PhantomData,
        }
    }

    /// Null means "no value" for optional out-parameters (`wait(NULL)`).
    pub fn is_null(self) -> bool {
        self.address == 0
    }

    /// The bytes of `count` consecutive `T`s starting here.
    pub fn range(self, count: usize) -> Result<UserRange, Errno> {
        let len = count.checked_mul(size_of::<T>()).ok_or(Errno::EFAULT)?;
        UserRange::new(self.address, len)
    }
}

// ANCHOR: user_range
/// `len` bytes at `start`, proven to lie inside user space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserRange {
    start: u64,
    len: u64,
}

impl UserRange {
    /// Checks `[start, start + len)`: it must not wrap around and must lie
    /// in `[USER_BASE, USER_TOP)`. An empty range is always valid (a
    /// zero-length `read` touches nothing, wherever it points).
    pub fn new(start: u64, len: usize) -> Result<UserRange, Errno> {
        if len == 0 {
            return Ok(UserRange {
                start: USER_BASE,
                len: 0,
            });
        }
        let len = len as u64;
        let end = start.checked_add(len).ok_or(Errno::EFAULT)?;
        if start < USER_BASE || end > USER_TOP {
            return Err(Errno::EFAULT);
        }
        Ok(UserRange { start, len })
    }
    // ANCHOR_END: user_range

    pub fn len(self) -> usize {
        self.len as usize
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The part `[offset, offset + len)` of this range, clamped to it (so
    /// it is inside user space too, and the sums cannot overflow).
    #[allow(clippy::arithmetic_side_effects)] // offset <= len, start + len <= USER_TOP
    pub fn part(self, offset: usize, len: usize) -> UserRange {
        let offset = (offset as u64).min(self.len);
        let len = (len as u64).min(self.len - offset);
        UserRange {
            start: self.start + offset,
            len,
        }
    }

    /// The range cut at page boundaries: `(address, bytes)` pieces, each
    /// within one page, in order.
    #[allow(clippy::arithmetic_side_effects)] // every address is <= USER_TOP
    pub fn pieces(self) -> impl Iterator<Item = (u64, usize)> {
        let end = self.start + self.len; // <= USER_TOP: checked in `new`
        let mut at = self.start;
        core::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let page_end = super::align_down(at, super::PAGE_SIZE) + super::PAGE_SIZE;
            let piece = (page_end.min(end) - at) as usize;
            let address = at;
            at += piece as u64;
            Some((address, piece))
        })
    }
}
