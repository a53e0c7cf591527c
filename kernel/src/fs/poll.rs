//! Waiting on many descriptors at once: `poll`.
//!
//! A server with a hundred connections cannot block in `read` on one of
//! them. `poll` takes a list of descriptors and what the caller wants to do
//! with each (read, write), and sleeps until at least one is ready.
//!
//! Readiness can change because of many things: a pipe's other end, a
//! typed line, a packet. Rather than give every object a list of waiting
//! pollers, we keep one global channel, and every event source calls
//! `notify` after changing something. A woken poller re-checks all its
//! descriptors. That is a little wasteful with many pollers, and entirely
//! simple.
//!
//! No lost wakeups: `notify` bumps `GENERATION` before waking. A poller
//! reads the generation before scanning, and goes to sleep only if it is
//! unchanged, checked while holding `PROCS` (which `wakeup` needs), so an
//! event during the scan makes it scan again instead of sleeping.

use super::file::File;
use crate::proc::scheduler::{sleep_holding_procs, wakeup};
use crate::proc::{Channel, PROCS};
use core::sync::atomic::{AtomicU64, Ordering};
use libsys::Errno;
use libsys::abi::{POLLERR, POLLHUP, POLLIN, POLLOUT};

static GENERATION: AtomicU64 = AtomicU64::new(0);

fn channel() -> Channel {
    Channel::of(&GENERATION)
}

// ANCHOR: notify
/// Something may have become ready: wake every poller to look.
pub fn notify() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    wakeup(channel());
}
// ANCHOR_END: notify

/// Wakes pollers without claiming an event, so they check their timeouts
/// (called by the timer interrupt; see `crate::timer`).
pub fn tick() {
    wakeup(channel());
}

/// Readiness of a file, as poll event bits.
pub fn events_of(file: &File) -> i16 {
    let readiness = file.readiness();
    let mut events = 0;
    if readiness.readable {
        events |= POLLIN;
    }
    if readiness.writable {
        events |= POLLOUT;
    }
    if readiness.hangup {
        events |= POLLHUP;
    }
    if readiness.error {
        events |= POLLERR;
    }
    events
}

/// What a file can do right now without sleeping.
#[derive(Clone, Copy, Debug, Default)]
pub struct Readiness {
    pub readable: bool,
    pub writable: bool,
    /// The other side is gone (a pipe with no writers, a closed connection).
    pub hangup: bool,
    pub error: bool,
}

// ANCHOR: wait
/// Calls `scan` until it reports something ready (returns > 0) or the
/// deadline (in nanoseconds since boot; None: forever) passes.
pub fn wait(
    deadline: Option<u64>,
    mut scan: impl FnMut() -> Result<usize, Errno>,
) -> Result<usize, Errno> {
    loop {
        let generation = GENERATION.load(Ordering::SeqCst);
        let ready = scan()?;
        if ready > 0 {
            return Ok(ready);
        }
        if deadline.is_some_and(|d| crate::time::nanoseconds() >= d) {
            return Ok(0);
        }
        let mut table = PROCS.lock();
        if table.procs[crate::proc::me()].killed {
            return Err(Errno::EINTR);
        }
        if GENERATION.load(Ordering::SeqCst) == generation {
            if let Some(deadline) = deadline {
                crate::timer::wake_at(deadline);
            }
            sleep_holding_procs(channel(), &mut table);
        }
    }
}
// ANCHOR_END: wait
