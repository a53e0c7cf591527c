//! Sequence numbers (RFC 9293 §3.4).
//!
//! A sequence number is a 32-bit counter that wraps: after 2^32 − 1 comes 0.
//! Comparing two of them with `<` on `u32` is therefore wrong as soon as a
//! connection crosses the wrap. RFC 9293 §3.4 says all arithmetic "must be
//! performed modulo 2^32"; the usual way (RFC 1982 "serial number
//! arithmetic") is to look at the signed 32-bit difference: `a < b` when
//! `b - a`, taken modulo 2^32, lies in 1..2^31.
//!
//! Invariant that makes this sound: two numbers compared are never more
//! than 2^31 apart. TCP guarantees that, because windows are at most 2^30
//! (RFC 7323 §2.3) and old segments die after their maximum lifetime.
//!
//! Note that this order is not transitive over the whole circle, which is
//! why `SeqNumber` implements `PartialOrd` but not `Ord`.

use core::cmp::Ordering;
use core::fmt;
use core::ops::{Add, Sub};

// ANCHOR: seq_number
/// A TCP sequence number, with wraparound comparisons.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SeqNumber(pub u32);

impl PartialOrd for SeqNumber {
    fn partial_cmp(&self, other: &SeqNumber) -> Option<Ordering> {
        // The signed distance from `other` to `self` decides.
        let distance = self.0.wrapping_sub(other.0) as i32;
        Some(distance.cmp(&0))
    }
}
// ANCHOR_END: seq_number

impl SeqNumber {
    /// Is `self` in the half-open range `start .. start + len`?
    pub fn in_window(self, start: SeqNumber, len: usize) -> bool {
        start <= self && self < start + len
    }

    /// The later of the two.
    pub fn max(self, other: SeqNumber) -> SeqNumber {
        if self < other { other } else { self }
    }

    /// The earlier of the two.
    pub fn min(self, other: SeqNumber) -> SeqNumber {
        if self < other { self } else { other }
    }
}

/// Moving forward by a length. Lengths fit in 31 bits (see the module
/// docs), so truncating to `u32` loses nothing.
impl Add<usize> for SeqNumber {
    type Output = SeqNumber;
    fn add(self, len: usize) -> SeqNumber {
        SeqNumber(self.0.wrapping_add(len as u32))
    }
}

impl Sub<usize> for SeqNumber {
    type Output = SeqNumber;
    fn sub(self, len: usize) -> SeqNumber {
        SeqNumber(self.0.wrapping_sub(len as u32))
    }
}

/// The number of sequence numbers from `earlier` up to `self`. The caller
/// must know that `earlier <= self`; a debug build checks it.
impl Sub<SeqNumber> for SeqNumber {
    type Output = usize;
    fn sub(self, earlier: SeqNumber) -> usize {
        debug_assert!(earlier <= self, "{self:?} - {earlier:?} is negative");
        self.0.wrapping_sub(earlier.0) as usize
    }
}

impl fmt::Debug for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: SeqNumber = SeqNumber(u32::MAX);

    #[test]
    fn numbers_just_past_the_wrap_are_greater() {
        assert!(SeqNumber(0) > TOP);
        assert!(SeqNumber(5) > SeqNumber(u32::MAX - 5));
        assert!(TOP < SeqNumber(0));
    }

    #[test]
    fn adding_wraps_around() {
        assert_eq!(TOP + 1, SeqNumber(0));
        assert_eq!(SeqNumber(u32::MAX - 999) + 2000, SeqNumber(1000));
        assert_eq!(SeqNumber(3) - 5, SeqNumber(u32::MAX - 1));
    }

    #[test]
    fn difference_counts_across_the_wrap() {
        assert_eq!(SeqNumber(10) - SeqNumber(u32::MAX - 9), 20);
        assert_eq!(SeqNumber(7) - SeqNumber(7), 0);
    }

    #[test]
    fn half_the_space_away_decides_the_order() {
        let a = SeqNumber(100);
        assert!(a + (1 << 31) - 1 > a);
        // Exactly 2^31 apart the signed distance is i32::MIN: "before".
        assert!(a + (1 << 31) < a);
    }

    #[test]
    fn window_membership_wraps() {
        let start = SeqNumber(u32::MAX - 10);
        assert!(SeqNumber(u32::MAX).in_window(start, 20));
        assert!(SeqNumber(8).in_window(start, 20));
        assert!(!SeqNumber(9).in_window(start, 20));
        assert!(!SeqNumber(u32::MAX - 11).in_window(start, 20));
        assert!(!start.in_window(start, 0));
    }

    #[test]
    fn min_and_max_follow_the_circular_order() {
        assert_eq!(TOP.max(SeqNumber(1)), SeqNumber(1));
        assert_eq!(TOP.min(SeqNumber(1)), TOP);
    }
}
