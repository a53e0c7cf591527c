//! The 8254 Programmable Interval Timer, used once: as a stopwatch of known
//! rate (1.193182 MHz) to measure how fast the local APIC timer counts.
//!
//! Channel 2 is the one whose gate we control (port 0x61, bit 0) and whose
//! output we can read (port 0x61, bit 5), so we can busy-wait on it without
//! taking an interrupt.

use x86_64::instructions::port::Port;

const FREQUENCY_HZ: u64 = 1_193_182;

// ANCHOR: wait_ms
/// Busy-waits for `ms` milliseconds (at most 54, the 16-bit counter's range).
pub fn wait_ms(ms: u64) {
    let count = (FREQUENCY_HZ * ms / 1000).min(0xFFFF) as u16;
    let mut control: Port<u8> = Port::new(0x61);
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel2: Port<u8> = Port::new(0x42);
    // SAFETY: programs PIT channel 2 (the speaker channel, speaker kept off)
    // and polls its output; nothing else in the kernel uses it.
    unsafe {
        let gate = control.read() & !0b10; // speaker off
        control.write(gate & !1); // gate low: hold the counter
        command.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0, binary
        channel2.write(count as u8);
        channel2.write((count >> 8) as u8);
        control.write(gate | 1); // gate high: start counting down
        while control.read() & 0x20 == 0 {
            core::hint::spin_loop();
        }
        control.write(gate & !1);
    }
}
// ANCHOR_END: wait_ms
