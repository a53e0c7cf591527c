//! Tests of `mem/user.rs`: the checks every user address goes through.

use super::TestResult;
use crate::check;
use crate::mem::PAGE_SIZE;
use crate::mem::user::{UserPtr, UserRange};
use libsys::Errno;
use libsys::abi::{USER_BASE, USER_TOP};

/// The last page of the address space, and lengths that would wrap: the
/// arithmetic that used to overflow in `copy_in` now fails with EFAULT.
pub fn ranges_that_wrap_or_leave_user_space_are_refused() -> TestResult {
    check!(UserRange::new(0xffff_ffff_ffff_fff0, 16) == Err(Errno::EFAULT));
    check!(UserRange::new(0xffff_ffff_ffff_fff0, 1) == Err(Errno::EFAULT));
    check!(UserRange::new(USER_BASE, usize::MAX) == Err(Errno::EFAULT));
    check!(UserRange::new(USER_TOP - 8, 16) == Err(Errno::EFAULT));
    check!(UserRange::new(USER_BASE - 1, 1) == Err(Errno::EFAULT));
    check!(UserRange::new(0, 1) == Err(Errno::EFAULT));
    check!(UserRange::new(USER_TOP - 16, 16).is_ok());
    // A count of structs whose byte length overflows.
    check!(UserPtr::<u64>::new(USER_BASE).range(usize::MAX / 4) == Err(Errno::EFAULT));
    // Empty ranges touch nothing and are always fine.
    check!(UserRange::new(0xffff_ffff_ffff_ffff, 0).is_ok_and(|r| r.is_empty()));
    Ok(())
}

pub fn ranges_split_at_page_boundaries() -> TestResult {
    let start = 0x40_0000 + PAGE_SIZE - 10;
    let range = UserRange::new(start, 30).map_err(|e| alloc::format!("{e}"))?;
    let pieces: alloc::vec::Vec<_> = range.pieces().collect();
    check!(pieces == [(start, 10), (start + 10, 20)], "{pieces:?}");
    // The very last user byte.
    let last = UserRange::new(USER_TOP - 1, 1).map_err(|e| alloc::format!("{e}"))?;
    check!(last.pieces().eq([(USER_TOP - 1, 1)]));
    // `part` clamps to the range.
    check!(range.part(25, 100).len() == 5);
    check!(range.part(100, 100).is_empty());
    Ok(())
}
