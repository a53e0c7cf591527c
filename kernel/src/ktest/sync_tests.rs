//! Tests of the locks, the lock-order checker, and of several CPUs.
//!
//! The checker's panics themselves (a lock taken out of order, a sleep
//! holding a lock, a lock spun on for a second) are deliberate faults, in
//! `faults.rs`: a panic ends the kernel, so it cannot be a test here. These
//! tests check the decisions behind them, and what several CPUs share.
//!
//! Tests that need a second CPU run a kernel thread: the other CPUs run
//! their schedulers while the tests run on the first, so the thread lands
//! on one of them. On one CPU they say so and pass without checking.

use super::TestResult;
use crate::arch::cpu;
use crate::check;
use crate::proc::Channel;
use crate::proc::scheduler::{sleep, wakeup};
use crate::sync::SpinLock;
use crate::sync::lockdep::{self, ORDER, order_violation, rank_of};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static OUTER: SpinLock<u64> = SpinLock::new("test_outer", 0);
static INNER: SpinLock<u64> = SpinLock::new("test_inner", 0);

fn rank(name: &str) -> u8 {
    rank_of(name).expect("a class in ORDER")
}

// ANCHOR: order_tests
/// The rule itself: later classes may be taken under earlier ones, never
/// the reverse, and a class nests in itself only where allowed.
pub fn order_rule() -> TestResult {
    let (procs, frames, pipe) = (rank("procs"), rank("frames"), rank("pipe"));
    check!(order_violation([pipe, procs].into_iter(), frames).is_none());
    check!(order_violation([procs].into_iter(), pipe) == Some(procs));
    check!(order_violation([procs].into_iter(), procs) == Some(procs));
    let directory = rank("directory");
    check!(order_violation([directory].into_iter(), directory).is_none());
    check!(
        ORDER.iter().all(|name| name.len() < 16),
        "names fit SchedInfo"
    );
    Ok(())
}

/// Every lock this CPU takes is on its held list until released, in any
/// order, and counted in its class.
pub fn held_locks_tracked() -> TestResult {
    let held = || alloc::format!("{}", cpu::this_cpu().held_locks.describe());
    let before = lockdep::stats(rank("test_inner"))
        .acquisitions
        .load(Ordering::Relaxed);
    let outer = OUTER.lock();
    let inner = INNER.lock();
    check!(held() == "'test_outer', 'test_inner'", "held: {}", held());
    drop(outer);
    check!(held() == "'test_inner'", "held: {}", held());
    drop(inner);
    check!(held() == "no lock", "held: {}", held());
    let after = lockdep::stats(rank("test_inner"))
        .acquisitions
        .load(Ordering::Relaxed);
    check!(after == before + 1, "acquisitions {before} -> {after}");
    Ok(())
}
// ANCHOR_END: order_tests

/// Waits (interrupts on, so ticks and IPIs arrive) until `done` or 5 s.
fn wait_until(done: impl Fn() -> bool) -> bool {
    let deadline = crate::time::nanoseconds() + 5_000_000_000;
    while !done() {
        if crate::time::nanoseconds() > deadline {
            return false;
        }
        core::hint::spin_loop();
    }
    true
}

fn one_cpu() -> bool {
    if cpu::started() < 2 {
        crate::println!("  (one CPU: nothing to check across CPUs)");
        return true;
    }
    false
}

// ANCHOR: cross_cpu_tests
static SLEEPER_READY: AtomicBool = AtomicBool::new(false);
static SLEEPER_WOKE_ON: AtomicUsize = AtomicUsize::new(usize::MAX);
static CONDITION: SpinLock<bool> = SpinLock::new("test_outer", false);

extern "C" fn sleeper() {
    let mut ready = CONDITION.lock();
    SLEEPER_READY.store(true, Ordering::SeqCst);
    while !*ready {
        ready = sleep(Channel::of(&CONDITION), ready);
    }
    *ready = false;
    drop(ready);
    cpu::push_off();
    SLEEPER_WOKE_ON.store(cpu::this_cpu().id.get(), Ordering::SeqCst);
    cpu::pop_off();
}

/// A thread sleeping on another CPU wakes when this CPU calls `wakeup`:
/// the wakeup marks it Runnable, and the IPI gets the idle CPU to run it.
pub fn wakeup_reaches_other_cpu() -> TestResult {
    if one_cpu() {
        return Ok(());
    }
    SLEEPER_READY.store(false, Ordering::SeqCst);
    SLEEPER_WOKE_ON.store(usize::MAX, Ordering::SeqCst);
    crate::proc::fork::spawn_kernel_thread("ktest-sleeper", sleeper)
        .map_err(|e| alloc::format!("spawn: {e:?}"))?;
    check!(
        wait_until(|| SLEEPER_READY.load(Ordering::SeqCst)),
        "the thread never ran on another CPU"
    );
    // Set the condition and wake, as any waker does.
    *CONDITION.lock() = true;
    wakeup(Channel::of(&CONDITION));
    check!(
        wait_until(|| SLEEPER_WOKE_ON.load(Ordering::SeqCst) != usize::MAX),
        "the sleeper was not woken (lost wakeup)"
    );
    let on = SLEEPER_WOKE_ON.load(Ordering::SeqCst);
    check!(on != 0, "ran on CPU 0, which is busy running the tests");
    Ok(())
}

static COUNTER_DONE: AtomicBool = AtomicBool::new(false);
const ROUNDS: u64 = 20_000;

extern "C" fn counter() {
    for _ in 0..ROUNDS {
        *INNER.lock() += 1;
    }
    COUNTER_DONE.store(true, Ordering::SeqCst);
}

/// Two CPUs add to one counter under one lock: no increment is lost.
pub fn lock_excludes_other_cpu() -> TestResult {
    if one_cpu() {
        return Ok(());
    }
    let start = *INNER.lock();
    COUNTER_DONE.store(false, Ordering::SeqCst);
    crate::proc::fork::spawn_kernel_thread("ktest-counter", counter)
        .map_err(|e| alloc::format!("spawn: {e:?}"))?;
    for _ in 0..ROUNDS {
        // A read, a pause, a write: without the lock the other CPU's
        // increments in between would be lost.
        let mut value = INNER.lock();
        let seen = *value;
        core::hint::spin_loop();
        *value = seen + 1;
    }
    check!(wait_until(|| COUNTER_DONE.load(Ordering::SeqCst)));
    let end = *INNER.lock();
    check!(end == start + 2 * ROUNDS, "counter {start} -> {end}");
    Ok(())
}

/// Every CPU takes its own timer interrupts (its idle ticks grow).
pub fn every_cpu_ticks() -> TestResult {
    if one_cpu() {
        return Ok(());
    }
    let before: u64 = (1..cpu::started()).map(cpu::idle_ticks).sum();
    let start = crate::time::ticks();
    check!(wait_until(|| crate::time::ticks() >= start + 5));
    let after: u64 = (1..cpu::started()).map(cpu::idle_ticks).sum();
    let others = cpu::started() as u64 - 1;
    check!(
        after >= before + others,
        "other CPUs' idle ticks {before} -> {after}"
    );
    Ok(())
}
// ANCHOR_END: cross_cpu_tests
