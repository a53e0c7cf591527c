//! Leaving QEMU from inside: the `isa-debug-exit` device.
//!
//! QEMU started with `-device isa-debug-exit,iobase=0xf4,iosize=0x04` exits
//! when the guest writes a value `v` to port 0xf4, with status `(v << 1) | 1`.
//! So we can never exit with 0; the test harness treats 33 (v = 0x10) as
//! success and 35 (v = 0x11) as failure. Without the device the write does
//! nothing and we halt, which is right on real hardware.

use x86_64::instructions::port::Port;

pub const SUCCESS: u32 = 0x10;
pub const FAILURE: u32 = 0x11;

pub fn exit(code: u32) -> ! {
    // A clean power-off prints the trace for tools/timeline.py (not after
    // a crash: the crash may have left the process table locked).
    if code == SUCCESS {
        crate::trace::dump();
    }
    // SAFETY: port 0xf4 is either the debug-exit device or unused.
    unsafe { Port::<u32>::new(0xf4).write(code) };
    crate::arch::halt_forever()
}
