//! The dispatch table, generated from the one table in `libsys`.
//!
//! `libsys::for_each_syscall!` hands every line of `libsys/src/syscalls.rs`
//! to `define_dispatch!` below, which makes, for each system call:
//! - an *adapter* that turns the six argument registers into the typed
//!   arguments of the table line (each through [`FromRegister`], which
//!   refuses a value that does not fit: `socket(1 << 32 | 2, ..)` is
//!   `EINVAL`, not `socket(2, ..)`) and calls the handler of the same name;
//! - its entry in [`TABLE`], indexed by number.
//!
//! The compiler holds the two sides together: a table line without a
//! handler is "cannot find function `name` in module `handlers`", and a
//! handler whose parameters differ from the line is a type error. Numbers
//! are checked for duplicates in `libsys` itself.

use super::SysResult;
use crate::mem::user::UserPtr;
use libsys::Errno;

/// Every handler, by the name its table line gives. A new subsystem's
/// handler file adds its `pub use` here.
mod handlers {
    pub use super::super::file::*;
    pub use super::super::netinfo::*;
    pub use super::super::process::*;
    pub use super::super::socket::*;
}

// ANCHOR: from_register
/// How a register becomes an argument of a handler.
pub trait FromRegister: Sized {
    fn from_register(register: u64) -> Result<Self, Errno>;
}

/// Unsigned arguments must fit their type...
macro_rules! unsigned_from_register {
    ($($t:ty),*) => { $(
        impl FromRegister for $t {
            fn from_register(register: u64) -> Result<$t, Errno> {
                <$t>::try_from(register).map_err(|_| Errno::EINVAL)
            }
        }
    )* };
}
unsigned_from_register!(u16, u32, u64, usize);

/// ...and signed ones arrive sign-extended to 64 bits (as `IntoRegister`
/// in libsys sends them), so they must fit once read as `i64`.
macro_rules! signed_from_register {
    ($($t:ty),*) => { $(
        impl FromRegister for $t {
            fn from_register(register: u64) -> Result<$t, Errno> {
                <$t>::try_from(register as i64).map_err(|_| Errno::EINVAL)
            }
        }
    )* };
}
signed_from_register!(i32, i64, isize);

/// A pointer is only a number until `UserRange::new` checks it.
impl<T> FromRegister for UserPtr<T> {
    fn from_register(register: u64) -> Result<UserPtr<T>, Errno> {
        Ok(UserPtr::new(register))
    }
}

/// The kernel's type for each type a table line may use: the same integer,
/// or a `UserPtr` for a pointer (the kernel never holds a raw user pointer).
pub trait KernelType {
    type Kernel: FromRegister;
}

macro_rules! same_type_in_kernel {
    ($($t:ty),*) => { $( impl KernelType for $t { type Kernel = $t; } )* };
}
same_type_in_kernel!(u16, u32, u64, usize, i32, i64, isize);

impl<T> KernelType for *const T {
    type Kernel = UserPtr<T>;
}

impl<T> KernelType for *mut T {
    type Kernel = UserPtr<T>;
}
// ANCHOR_END: from_register

/// An adapter: the six argument registers in, the handler's result out.
pub type Adapter = fn([u64; 6]) -> SysResult;

// ANCHOR: define_dispatch
macro_rules! define_dispatch {
    ($( $number:literal => $name:ident ( $($arg:ident : $type:ty),* ) ; )*) => {
        mod adapters {
            #[allow(unused_imports)]
            use super::{FromRegister, KernelType, SysResult, handlers};
            #[allow(unused_imports)]
            use libsys::abi::*;
            $(
                pub fn $name(registers: [u64; 6]) -> SysResult {
                    #[allow(unused_mut, unused_variables)]
                    let mut registers = registers.into_iter();
                    $(
                        let $arg = <<$type as KernelType>::Kernel as FromRegister>::from_register(
                            registers.next().unwrap_or(0),
                        )?;
                    )*
                    handlers::$name($($arg),*)
                }
            )*
        }

        /// Number → adapter; `None` for numbers no line uses (`ENOSYS`).
        pub static TABLE: [Option<Adapter>; libsys::syscalls::COUNT] = {
            let mut table: [Option<Adapter>; libsys::syscalls::COUNT] =
                [None; libsys::syscalls::COUNT];
            $( table[$number] = Some(adapters::$name as Adapter); )*
            table
        };
    };
}
// ANCHOR_END: define_dispatch

libsys::for_each_syscall!(define_dispatch);
