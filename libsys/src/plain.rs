//! Plain data: the only kind of value that crosses the user/kernel boundary
//! as bytes.
//!
//! The kernel copies a `Stat` out to a user buffer, and reads a `PollFd`
//! array in, as raw bytes. Two things make that safe, and [`Plain`] stands
//! for both:
//! 1. **any bytes are a valid value** — true of integers and of arrays and
//!    `repr(C)` structs made only of them, false of `bool`, `char`, enums,
//!    references and pointers (a user program could send the kernel a `bool`
//!    of 7, which Rust may assume never happens);
//! 2. **no padding** — a padding byte copied out of the kernel would carry
//!    whatever the kernel's stack held there before: a leak.
//!
//! The [`plain!`] macro declares such a struct and *proves* both at compile
//! time: every field's type must itself be `Plain`, and the struct's size
//! must equal the sum of its fields' sizes. Nothing else implements the
//! trait, so `as_bytes`/`as_bytes_mut` below are the only casts to bytes in
//! the system-call path.

/// A type for which every byte pattern is a valid value and which has no
/// padding (see the module comment).
///
/// # Safety
/// Implement only for such types; [`plain!`] does it with a compile-time
/// check, so write `plain! { struct ... }` rather than an `impl`.
pub unsafe trait Plain: Copy + 'static {}

macro_rules! plain_primitives {
    ($($t:ty),*) => { $(
        // SAFETY: an integer has no padding and every bit pattern is a value.
        unsafe impl Plain for $t {}
    )* };
}
plain_primitives!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

// SAFETY: an array of plain values has no padding between its elements
// (size is a multiple of alignment) and any bytes make each element valid.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

// ANCHOR: plain_macro
/// Declares a `#[repr(C)]` struct made of plain fields and implements
/// [`Plain`] for it, failing to compile if a field is not plain or if the
/// compiler had to insert padding (add an explicit `_pad` field instead).
#[macro_export]
macro_rules! plain {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $field_type:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $field_type ),*
        }

        const _: () = {
            // Every field must be plain itself...
            const fn field_is_plain<T: $crate::plain::Plain>() {}
            $( field_is_plain::<$field_type>(); )*
            // ...and the fields must fill the struct exactly: no padding.
            assert!(
                core::mem::size_of::<$name>() == 0 $( + core::mem::size_of::<$field_type>() )*,
                concat!(stringify!($name), " has padding: add explicit `_pad` fields"),
            );
        };

        // SAFETY: checked just above: plain fields, no padding, repr(C).
        unsafe impl $crate::plain::Plain for $name {}
    };
}
// ANCHOR_END: plain_macro

/// The bytes of a plain value (to copy it out to a user program).
pub fn as_bytes<T: Plain>(value: &T) -> &[u8] {
    // SAFETY: `T: Plain` has no padding, so all `size_of::<T>()` bytes are
    // initialized; the slice borrows `value` and cannot outlive it.
    unsafe { core::slice::from_raw_parts(value as *const T as *const u8, size_of::<T>()) }
}

/// The bytes of a slice of plain values.
pub fn slice_as_bytes<T: Plain>(values: &[T]) -> &[u8] {
    // SAFETY: as in `as_bytes`; the length cannot overflow because the
    // slice already occupies that many bytes of memory.
    unsafe { core::slice::from_raw_parts(values.as_ptr() as *const u8, size_of_val(values)) }
}

/// A plain value's bytes, writable (to copy a user's value in).
pub fn as_bytes_mut<T: Plain>(value: &mut T) -> &mut [u8] {
    // SAFETY: any bytes written through the slice leave a valid `T`
    // (`T: Plain`), and the slice borrows `value` exclusively.
    unsafe { core::slice::from_raw_parts_mut(value as *mut T as *mut u8, size_of::<T>()) }
}

/// A slice of plain values as writable bytes.
pub fn slice_as_bytes_mut<T: Plain>(values: &mut [T]) -> &mut [u8] {
    // SAFETY: as in `as_bytes_mut`.
    unsafe { core::slice::from_raw_parts_mut(values.as_mut_ptr() as *mut u8, size_of_val(values)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    plain! {
        #[derive(Clone, Copy, Default)]
        pub struct Pair {
            pub a: u32,
            pub b: [u8; 4],
        }
    }

    #[test]
    fn bytes_round_trip() {
        let pair = Pair {
            a: 0x0403_0201,
            b: [5, 6, 7, 8],
        };
        assert_eq!(as_bytes(&pair), &[1, 2, 3, 4, 5, 6, 7, 8]);
        let mut copy = Pair::default();
        as_bytes_mut(&mut copy).copy_from_slice(as_bytes(&pair));
        assert_eq!((copy.a, copy.b), (pair.a, pair.b));
        assert_eq!(slice_as_bytes(&[pair, pair]).len(), 16);
    }
}
