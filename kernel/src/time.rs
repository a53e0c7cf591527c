//! Kernel time: a tick counter advanced by the local APIC timer.
//!
//! The first CPU's timer interrupt calls `tick` `HZ` times a second. Uptime
//! is ticks converted to milliseconds, so its resolution is one tick (10 ms).

use core::sync::atomic::{AtomicU64, Ordering};

/// Timer interrupts per second.
pub const HZ: u64 = 100;
pub const MS_PER_TICK: u64 = 1000 / HZ;

static TICKS: AtomicU64 = AtomicU64::new(0);

/// Called from the timer interrupt on the first CPU.
pub fn tick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

/// Timer ticks since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Milliseconds since the timer started.
pub fn uptime_ms() -> u64 {
    ticks() * MS_PER_TICK
}
