//! Kernel time: a tick counter advanced by the local APIC timer, and a
//! fine-grained clock from the CPU's time-stamp counter (TSC).
//!
//! The first CPU's scheduler tick calls `tick` `HZ` times a second. Uptime
//! in milliseconds is ticks converted, so its resolution is one tick
//! (10 ms). `nanoseconds` reads the TSC, whose rate we measure once against
//! the PIT: deadlines (of `sleep`, of `poll`) are kept in it, and the timer
//! interrupts when the nearest one is due (`crate::timer`).

use core::sync::atomic::{AtomicU64, Ordering};

/// Timer interrupts per second.
pub const HZ: u64 = 100;
pub const MS_PER_TICK: u64 = 1000 / HZ;
pub const NS_PER_TICK: u64 = 1_000_000_000 / HZ;

static TICKS: AtomicU64 = AtomicU64::new(0);
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);
static TSC_PER_MS: AtomicU64 = AtomicU64::new(1);

/// Remembers the TSC as time zero: the first thing `kmain` does, so that
/// the boot log's timestamps count from its first line.
pub fn mark_boot() {
    TSC_AT_BOOT.store(read_tsc(), Ordering::Relaxed);
}

/// Measures the TSC rate against the PIT (busy-waiting, no interrupts).
/// Call once, before the first log line: until then the rate is unknown.
///
/// The shortest of five 10 ms measurements wins. Under emulation the
/// virtual CPU can be paused by the host at any moment, and a pause can
/// only make a measurement *longer* (the TSC is read late); on a busy host
/// a single measurement was seen 35 % off, which made every sleep late.
pub fn init() {
    const MS: u64 = 10;
    let per_ms = (0..5)
        .map(|_| {
            let start = read_tsc();
            crate::dev::pit::wait_ms(MS);
            (read_tsc() - start) / MS
        })
        .min()
        .unwrap_or(1);
    TSC_PER_MS.store(per_ms.max(1), Ordering::Relaxed);
}

fn read_tsc() -> u64 {
    // SAFETY: rdtsc has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Called on the first CPU's scheduler tick.
pub fn tick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

/// What processes sleeping for a time (`sleep`) wait on: every timer
/// interrupt wakes them to check their deadline (`crate::timer`).
pub fn tick_channel() -> crate::proc::Channel {
    crate::proc::Channel::of(&TICKS)
}

/// Timer ticks since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Milliseconds since the timer started.
pub fn uptime_ms() -> u64 {
    ticks() * MS_PER_TICK
}

/// Nanoseconds since boot, from the TSC.
pub fn nanoseconds() -> u64 {
    let elapsed = read_tsc().saturating_sub(TSC_AT_BOOT.load(Ordering::Relaxed));
    (elapsed as u128 * 1_000_000 / TSC_PER_MS.load(Ordering::Relaxed) as u128) as u64
}

/// Busy-waits for `us` microseconds (CPU start-up timing).
pub fn delay_us(us: u64) {
    let end = nanoseconds() + us * 1000;
    while nanoseconds() < end {
        core::hint::spin_loop();
    }
}

/// TSC cycles per millisecond (for the boot log).
pub fn tsc_per_ms() -> u64 {
    TSC_PER_MS.load(Ordering::Relaxed)
}
