//! The adapter between socket calls and the kernel's network thread.
//!
//! Socket calls need three things from the network side:
//! - the interface (and its TCP table), under the stack's lock:
//!   `with_interface`;
//! - a way to say "I queued something, send it now": `kick`;
//! - a way to wait until the network thread has processed more packets:
//!   `generation` + `wait_since`.
//!
//! Waiting without lost wakeups, the same way `poll` does it: take the
//! generation *before* trying an operation; if it would block, sleep only
//! if the generation is still the same, checked under `PROCS`. The network
//! thread bumps the generation and wakes sleepers after every round
//! (`after_poll`), so a round that ran during our attempt makes us retry
//! instead of sleeping.

use crate::proc::scheduler::{sleep_holding_procs, wakeup};
use crate::proc::{Channel, PROCS};
use core::sync::atomic::{AtomicU64, Ordering};
use libsys::Errno;
use net::Interface;
use net::time::Instant;

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Runs `f` on the interface, with the current time, under the stack's
/// lock. `ENETDOWN` if the machine has no network.
pub fn with_interface<R>(f: impl FnOnce(&mut Interface, Instant) -> R) -> Result<R, Errno> {
    crate::net::with_interface(f).ok_or(Errno::ENETDOWN)
}

/// Asks the network thread to run now (something was queued to send).
pub fn kick() {
    crate::net::kick();
}

/// Called by the network thread after each round of `poll`.
pub fn after_poll() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    wakeup(Channel::of(&GENERATION));
    crate::fs::poll::notify();
}

pub fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}

/// Sleeps until the network thread has run since `generation` was taken.
/// `EAGAIN` instead of sleeping for non-blocking sockets; `EINTR` if killed.
pub fn wait_since(generation: u64, nonblocking: bool) -> Result<(), Errno> {
    if nonblocking {
        return Err(Errno::EAGAIN);
    }
    let mut table = PROCS.lock();
    if table.procs[crate::proc::me()].killed {
        return Err(Errno::EINTR);
    }
    if GENERATION.load(Ordering::SeqCst) == generation {
        sleep_holding_procs(Channel::of(&GENERATION), &mut table);
    }
    Ok(())
}
