//! The 8254 Programmable Interval Timer: a stopwatch of known rate
//! (1.193182 MHz) to measure how fast the TSC counts (`time::init`), which
//! then measures the local APIC timer; and the profiler's metronome
//! (channel 0, `start_periodic`).
//!
//! Channel 2 is the one whose gate we control (port 0x61, bit 0), so we can
//! start it counting and read its count without taking an interrupt.

use x86_64::instructions::port::Port;

pub const FREQUENCY_HZ: u64 = 1_193_182;

// ANCHOR: stopwatch
/// Starts channel 2 counting down from 0xFFFF (about 55 ms) and keeps it
/// running, so that `read_count` can be sampled.
pub fn start_stopwatch() {
    let mut control: Port<u8> = Port::new(0x61);
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel2: Port<u8> = Port::new(0x42);
    // SAFETY: as in `wait_ms`: channel 2 is ours, the speaker stays off.
    unsafe {
        let gate = control.read() & !0b10;
        control.write(gate & !1);
        command.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0, binary
        channel2.write(0xFF);
        channel2.write(0xFF);
        control.write(gate | 1);
    }
}

/// Channel 2's count right now (it counts down at `FREQUENCY_HZ`).
pub fn read_count() -> u16 {
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel2: Port<u8> = Port::new(0x42);
    // SAFETY: the latch command freezes a copy of channel 2's count for the
    // two reads that follow; it does not disturb the counting.
    unsafe {
        command.write(0b1000_0000); // latch channel 2
        let low = channel2.read();
        let high = channel2.read();
        u16::from_le_bytes([low, high])
    }
}
// ANCHOR_END: stopwatch

/// Makes channel 0 pulse its output (ISA IRQ 0) `hz` times a second, in
/// mode 2 (rate generator), until reprogrammed.
pub fn start_periodic(hz: u64) {
    let divisor = (FREQUENCY_HZ / hz).clamp(2, 0xFFFF) as u16;
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel0: Port<u8> = Port::new(0x40);
    // SAFETY: channel 0 drives only IRQ 0, which the I/O APIC keeps masked
    // unless the profiler routed it.
    unsafe {
        command.write(0b0011_0100); // channel 0, lobyte/hibyte, mode 2, binary
        channel0.write(divisor as u8);
        channel0.write((divisor >> 8) as u8);
    }
}
