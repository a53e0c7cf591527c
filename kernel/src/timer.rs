//! The timer interrupt: scheduler ticks and deadlines, on every CPU.
//!
//! Each CPU's local APIC timer runs in one-shot mode, armed for whichever
//! comes first of two things this CPU keeps in its `Cpu`:
//!
//! - `next_tick_ns`, the next scheduler tick, every 10 ms (`HZ`): it ends
//!   the running process's time slice, and on the first CPU it advances the
//!   tick counter of `time`;
//! - `deadline_ns`, the nearest deadline that code running on this CPU
//!   asked for with [`wake_at`] before going to sleep: a `sleep`, a `poll`
//!   or a socket call with a timeout, the network stack's next TCP timer.
//!
//! A periodic tick alone would make every deadline wait for the next tick
//! (a 10 ms sleep took 10 to 20 ms); programming the timer for the deadline
//! itself wakes the sleeper when it asked, to within the interrupt latency.
//!
//! A timer interrupt for a passed deadline (and the first CPU's every tick)
//! wakes all the timed sleepers (the `tick_channel`, `poll`, network
//! waiters), and each compares the clock with its own deadline and, if it
//! is early, asks again with `wake_at` before it sleeps.
//! So a CPU needs to remember only its nearest deadline, never a list: a
//! sleeper whose deadline is later is woken by the earlier one's interrupt
//! and re-registers. That is one wakeup too many per extra sleeper, and
//! keeps the code to a page. No wakeup is lost: a sleeper calls `wake_at`
//! holding the lock it sleeps with (interrupts off, so its own CPU's timer
//! waits), and an interrupt on another CPU wakes it only after taking that
//! lock, by which time it is asleep.
//!
//! Contract: `wake_at` only ever moves this CPU's deadline *earlier*; the
//! interrupt clears it once passed. Both run with interrupts off, on the
//! CPU whose `Cpu` they touch.

use crate::arch::cpu::{self, this_cpu};
use crate::time::{NS_PER_TICK, nanoseconds};

/// Starts this CPU's timer: the first tick one tick from now.
pub fn start() {
    cpu::push_off();
    this_cpu().next_tick_ns.set(nanoseconds() + NS_PER_TICK);
    arm();
    cpu::pop_off();
}

// ANCHOR: wake_at
/// Makes sure a timer interrupt comes on this CPU no later than
/// `deadline_ns` (TSC nanoseconds since boot). The caller then sleeps on
/// one of the timed channels, which that interrupt wakes.
pub fn wake_at(deadline_ns: u64) {
    cpu::push_off();
    let cpu = this_cpu();
    if deadline_ns < cpu.deadline_ns.get() {
        cpu.deadline_ns.set(deadline_ns);
        arm();
    }
    cpu::pop_off();
}
// ANCHOR_END: wake_at

/// Programs the local APIC for the nearer of the next tick and the
/// deadline.
fn arm() {
    let cpu = this_cpu();
    let due = cpu.next_tick_ns.get().min(cpu.deadline_ns.get());
    crate::dev::lapic::arm_timer(due.saturating_sub(nanoseconds()));
}

// ANCHOR: on_interrupt
/// The timer interrupt (from `trap`, before the EOI). Wakes the timed
/// sleepers, re-arms the timer, and says whether this was a scheduler tick
/// (which the caller turns into preemption).
pub fn on_interrupt() -> bool {
    let cpu = this_cpu();
    let now = nanoseconds();
    // The APIC's clock and the TSC were calibrated separately and may
    // disagree by a little: an interrupt a hair early still counts.
    const SLACK_NS: u64 = 50_000;
    let tick = now + SLACK_NS >= cpu.next_tick_ns.get();
    if tick {
        // Keep the ticks on a 10 ms grid; after a long stall (a paused
        // virtual CPU) start again from now rather than fire a burst.
        let next = cpu.next_tick_ns.get() + NS_PER_TICK;
        cpu.next_tick_ns
            .set(if next > now { next } else { now + NS_PER_TICK });
        if cpu.id.get() == 0 {
            crate::time::tick();
        }
    }
    let deadline_passed = now >= cpu.deadline_ns.get();
    if deadline_passed {
        cpu.deadline_ns.set(u64::MAX);
    }
    // The timed sleepers: woken when a deadline asked for on this CPU has
    // passed, and, as a safety net, on the first CPU's every tick. (Not on
    // every CPU's tick: with four CPUs a server in `poll` would rescan its
    // descriptors 400 times a second for nothing.)
    if deadline_passed || (tick && cpu.id.get() == 0) {
        crate::proc::scheduler::wakeup(crate::time::tick_channel());
        crate::fs::poll::tick();
        crate::netstack::on_tick();
    }
    arm();
    tick
}
// ANCHOR_END: on_interrupt
