//! Program entry: `_start`, the panic handler, and the arguments.
//!
//! The kernel starts a program at `_start` with `rdi = argc` and `rsi =
//! argv`, an array of `argc` pointers to NUL-terminated strings on the user
//! stack (see `kernel/src/proc/exec.rs`).

use super::sys::exit;

// ANCHOR: start
// `_start` is entered by a jump, not a call, so the stack is aligned for a
// call that has not happened yet: realign it and make the call ourselves.
core::arch::global_asm!(
    r#"
    .global _start
_start:
    xor ebp, ebp        /* end of the frame-pointer chain */
    and rsp, -16
    call libsys_start
    ud2
"#
);

unsafe extern "Rust" {
    /// The program's `main`, defined with `#[unsafe(no_mangle)]`.
    fn main(args: Args) -> i32;
}

#[unsafe(no_mangle)]
extern "C" fn libsys_start(argc: usize, argv: *const *const u8) -> ! {
    let args = Args { argc, argv };
    // SAFETY: every user program defines `main` with this signature.
    let status = unsafe { main(args) };
    exit(status)
}
// ANCHOR_END: start

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    crate::eprintln!("panic: {}", info);
    exit(101)
}

/// The program's arguments; `args.get(0)` is the program's name.
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const u8,
}

impl Args {
    pub fn len(&self) -> usize {
        self.argc
    }

    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `i`, if there is one and it is UTF-8.
    pub fn get(&self, i: usize) -> Option<&'static str> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: the kernel put `argc` valid pointers to NUL-terminated
        // strings at `argv`, on a stack that lives as long as the program.
        let bytes = unsafe { core::ffi::CStr::from_ptr(*self.argv.add(i) as *const _) }.to_bytes();
        core::str::from_utf8(bytes).ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.argc).filter_map(|i| self.get(i))
    }
}
