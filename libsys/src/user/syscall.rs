//! The `syscall` instruction, wrapped.

// ANCHOR: call
/// Executes system call `number` with up to six arguments.
///
/// # Safety
/// The arguments are passed to the kernel as they are; if one is a pointer,
/// the kernel will read or write memory through it (it checks that the
/// memory is the caller's, not that the caller meant it).
#[inline(always)]
pub unsafe fn call(number: usize, args: &[usize]) -> isize {
    let arg = |i: usize| args.get(i).copied().unwrap_or(0);
    let result: isize;
    // SAFETY: the kernel preserves every register except rax (the result),
    // and rcx and r11, which the `syscall` instruction itself overwrites.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") number as isize => result,
            in("rdi") arg(0), in("rsi") arg(1), in("rdx") arg(2),
            in("r10") arg(3), in("r8") arg(4), in("r9") arg(5),
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    result
}
// ANCHOR_END: call
