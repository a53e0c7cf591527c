//! A backtrace by frame pointers.
//!
//! Every function compiled with frame pointers (we force them, see
//! `kernel/.cargo/config.toml`) starts with `push rbp; mov rbp, rsp`. So
//! `rbp` points at the saved `rbp` of the caller, and the word above it is
//! the return address into the caller: following the chain walks the stack.
//! The entry code sets `rbp = 0` before the first Rust call, which ends it.
//!
//! Addresses are printed raw; `make symbolize` (or `addr2line -e
//! build/kernel.elf ADDR`) turns them into function names and lines.

use crate::console::panic_print;

const MAX_FRAMES: usize = 32;

/// Prints the chain of return addresses starting from frame pointer `rbp`.
/// Frame numbers start at `first` (the caller may have printed frame 0).
pub fn print(mut rbp: u64, first: usize) {
    for depth in first..first + MAX_FRAMES {
        // Only follow pointers that are aligned and inside the kernel's half
        // of the address space; anything else means the chain is broken.
        if rbp == 0 || !rbp.is_multiple_of(8) || rbp < 0xffff_8000_0000_0000 {
            break;
        }
        // SAFETY: `rbp` is aligned and in the kernel half. A corrupt chain
        // could still point at an unmapped page; the worst outcome is a
        // nested fault, which the panic path reports as such.
        let (saved_rbp, return_address) =
            unsafe { (*(rbp as *const u64), *((rbp + 8) as *const u64)) };
        if return_address == 0 {
            break;
        }
        panic_print(format_args!("    #{depth:<2} {return_address:#018x}\n"));
        rbp = saved_rbp;
    }
}
