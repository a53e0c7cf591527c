//! Kernel time: a tick counter advanced by the local APIC timer, and a
//! fine-grained clock from the CPU's time-stamp counter (TSC).
//!
//! The first CPU's scheduler tick calls `tick` `HZ` times a second. The
//! clock itself is the TSC (`nanoseconds`, and `uptime_ms` from it), whose
//! rate we measure once against the PIT. Deadlines (of `sleep`, of `poll`)
//! are kept in it, and the timer interrupts when the nearest one is due
//! (`crate::timer`); processes sleeping for a while wait on `tick_channel`,
//! which the timer interrupt wakes. Ticks do not make a clock: a tick
//! that arrives while the last one is still pending is lost, which under
//! emulation on a busy host happens often (QEMU runs each CPU as a host
//! thread that the host may not schedule for a while), and a tick-based
//! uptime then falls behind the TSC deadlines `sleep` uses.

use core::sync::atomic::{AtomicU64, Ordering};

/// Timer interrupts per second.
pub const HZ: u64 = 100;
pub const NS_PER_TICK: u64 = 1_000_000_000 / HZ;

static TICKS: AtomicU64 = AtomicU64::new(0);
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);
static TSC_PER_MS: AtomicU64 = AtomicU64::new(1);

/// Remembers the TSC as time zero: the first thing `kmain` does, so that
/// the boot log's timestamps count from its first line.
pub fn mark_boot() {
    TSC_AT_BOOT.store(read_tsc(), Ordering::Relaxed);
}

// ANCHOR: calibrate
/// Measures the TSC rate against the PIT. Call once, before the first log
/// line: until then the rate is unknown.
///
/// Under emulation the host may pause the virtual CPU at any moment, for
/// tens of milliseconds on a busy host, so "wait 10 ms on the PIT, see how
/// far the TSC got" measures the pause too (it was seen 40 % off, making
/// every timeout late). Instead, read both clocks at the start and at the
/// end, each time as a pair taken back to back: a pause *between* the two
/// pairs changes both clocks alike. Of several pairs, keep the one read
/// fastest (the least likely to straddle a pause).
pub fn init() {
    use crate::dev::pit;
    let mut per_ms = 1;
    for _ in 0..5 {
        pit::start_stopwatch();
        let (count0, tsc0) = clock_pair(pit::read_count);
        // About 40 ms of PIT time (the count must not wrap: 0xFFFF is 55 ms).
        while count0.wrapping_sub(pit::read_count()) < 48_000 {
            core::hint::spin_loop();
        }
        let (count1, tsc1) = clock_pair(pit::read_count);
        let pit_ticks = u64::from(count0.wrapping_sub(count1)).max(1);
        per_ms = (tsc1 - tsc0) * pit::FREQUENCY_HZ / 1000 / pit_ticks;
        // A pause between the loop's last read and the end pair can let
        // the count wrap past zero, which then looks like a few ticks (and
        // a TSC thousands of times too fast): measure again.
        if pit_ticks >= 48_000 {
            break;
        }
    }
    TSC_PER_MS.store(per_ms.max(1), Ordering::Relaxed);
}

/// Reads `other` and the TSC as close together as possible: of eight
/// tries, the one with the shortest TSC bracket around `other`.
pub fn clock_pair<T>(mut other: impl FnMut() -> T) -> (T, u64) {
    let mut best: Option<(T, u64, u64)> = None;
    for _ in 0..8 {
        let before = read_tsc();
        let value = other();
        let after = read_tsc();
        let width = after - before;
        if best.as_ref().is_none_or(|b| width < b.2) {
            best = Some((value, before + width / 2, width));
        }
    }
    let (value, tsc, _) = best.expect("eight tries");
    (value, tsc)
}
// ANCHOR_END: calibrate

/// The raw time-stamp counter.
pub fn tsc() -> u64 {
    read_tsc()
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

/// Milliseconds since boot, from the TSC (the clock `sleep` measures
/// against, so a sleep of N ms is N ms of uptime).
pub fn uptime_ms() -> u64 {
    nanoseconds() / 1_000_000
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
