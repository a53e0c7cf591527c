//! The network thread: the one place the stack is polled.
//!
//! A kernel thread ("net") that loops: take the `NET` lock, act on what the
//! card's interrupt reported, `poll` the interface (receive, timers, TCP,
//! transmit), wake whoever waits on the network if anything happened, note
//! when the stack next needs a poll, and sleep until kicked.
//!
//! It is kicked by the card's interrupt, by a system call that queued
//! something to send, and by the timer once the deadline it noted has
//! passed (`on_tick`; it asks the timer to interrupt then). Without an
//! interrupt line the deadline is "now", so it polls on every timer
//! interrupt. It also kicks itself while frames are left in
//! the receive ring after a poll (a burst bigger than `RX_BATCH`): their
//! interrupt has come and gone; and while looped-back packets wait (no
//! interrupt will ever announce those).
//!
//! Under a flood it must not take the whole CPU: between two polls with a
//! backlog it yields, so each runnable process runs before the next batch
//! (the receive budget), and the card's receive interrupt stays masked
//! until the backlog is gone (`E1000::set_rx_interrupt`). Frames that come
//! faster than that are dropped by the card, when its ring is full, before
//! any work has been spent on them. It never hogs the CPU for that: the timer
//! preempts it like any other thread.
//!
//! The sleep must not lose a kick that comes between the poll and the
//! sleep. A kicker sets `KICKED` and then wakes the thread, which takes
//! `procs`; the thread takes `procs` *before* it looks at `KICKED` a last
//! time, and holds it into the sleep. So a kick either comes before that
//! look (and the thread does not sleep) or after it (and its wakeup waits
//! for `procs`, by which time the thread is asleep on the channel).

use super::{DEADLINE_MS, KICKED, NET, POLLED, activity_channel, now, thread_channel};
use crate::proc::PROCS;
use crate::proc::scheduler::{sleep_holding_procs, wakeup, yield_now};
use core::sync::atomic::Ordering;

// ANCHOR: thread
pub extern "C" fn run() {
    loop {
        let mut guard = NET.lock();
        // From here on, a kick means "poll again".
        KICKED.store(false, Ordering::SeqCst);
        let Some(stack) = guard.as_mut() else {
            return; // no network: `init` never starts us without one
        };
        stack.card.service_interrupts();
        let active = stack.iface.poll(now(), &mut stack.card);
        stack.card.ring_doorbells();
        if active {
            wakeup(activity_channel());
            // Processes in poll() watch sockets too.
            crate::fs::poll::notify();
        }
        stack.polls += 1;
        // More frames than one poll takes: poll again before sleeping (the
        // interrupt that announced them has been acknowledged already).
        // So do packets we sent ourselves that one poll did not finish.
        let backlog = stack.card.rx_pending();
        stack.card.set_rx_interrupt(!backlog);
        if backlog || stack.iface.loopback_pending() {
            KICKED.store(true, Ordering::SeqCst);
        }
        let deadline = if POLLED.load(Ordering::Relaxed) {
            0
        } else {
            // A deadline already past (frames waiting for a full ring) is
            // noticed a millisecond later, or sooner by the TXDW interrupt.
            stack.iface.poll_at().map_or(u64::MAX, |at| at.millis())
        };
        DEADLINE_MS.store(deadline, Ordering::Relaxed);

        drop(guard); // never sleep holding NET (and `sched` checks it)
        if backlog {
            // ANCHOR: rx_budget
            // The receive budget: one poll's worth of frames (`RX_BATCH`),
            // then every runnable process gets its turn before the next.
            // Without it, a flood keeps this thread busy for its whole time
            // slice, taking frames in only to drop them at a socket queue
            // that the process it is for gets no CPU to read: receive
            // livelock.
            yield_now();
            // ANCHOR_END: rx_budget
            continue;
        }
        let mut table = PROCS.lock();
        if !KICKED.load(Ordering::SeqCst) {
            // The timer interrupts at the stack's next deadline (a
            // retransmission, a delayed ACK), and `on_tick` kicks us; one
            // already past waits a millisecond, not to spin on a full
            // ring. (Polled, every tick is a deadline: nothing to ask.)
            if deadline != u64::MAX && !POLLED.load(Ordering::Relaxed) {
                let earliest = crate::time::nanoseconds() + 1_000_000;
                crate::timer::wake_at(deadline.saturating_mul(1_000_000).max(earliest));
            }
            sleep_holding_procs(thread_channel(), &mut table);
        }
    }
}
// ANCHOR_END: thread
