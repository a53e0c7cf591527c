//! What happens when the kernel cannot go on: print why and where, a
//! backtrace, and stop (exiting QEMU with a failing status, so that a test
//! run sees it).

use crate::console::panic_print;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    x86_64::instructions::interrupts::disable();
    if PANICKING.swap(true, Ordering::Relaxed) {
        // A panic while printing a panic: say so and stop, don't recurse.
        panic_print(format_args!("\nKERNEL PANIC (again) while panicking\n"));
        crate::dev::qemu::exit(crate::dev::qemu::FAILURE);
    }
    // The serial port may never have been set up if we panic very early.
    crate::dev::uart::init();
    panic_print(format_args!("\nKERNEL PANIC: {}\n", info.message()));
    if let Some(location) = info.location() {
        panic_print(format_args!(
            "  at {}:{}\n",
            location.file(),
            location.line()
        ));
    }
    if crate::arch::cpu::started() > 1 {
        let cpu = crate::arch::cpu::this_cpu().id.get();
        panic_print(format_args!("  on CPU {cpu}\n"));
    }
    let rbp: u64;
    // SAFETY: reads the frame-pointer register, no side effects.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp) };
    panic_print(format_args!("  backtrace:\n"));
    crate::arch::backtrace::print(rbp, 0);
    crate::dev::qemu::exit(crate::dev::qemu::FAILURE)
}
