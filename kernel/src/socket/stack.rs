//! The adapter between socket calls and the kernel's network module.
//!
//! Socket calls need three things from `crate::net`:
//! - the interface (with its TCP table), under the `NET` lock, with the
//!   current time: `with_interface`;
//! - "I queued something, send it now": `kick`;
//! - "wait until this works": `wait_until`, which retries an attempt under
//!   the lock each time the network thread has done something, and sleeps
//!   in between without holding the lock (`crate::net::wait_for`).
//!
//! A non-blocking socket makes one attempt and fails with `EAGAIN`.

use libsys::Errno;
use net::Interface;
use net::time::Instant;

/// Runs `f` on the interface under the `NET` lock; `ENETDOWN` without a
/// network. `f` must not sleep.
pub fn with_interface<R>(f: impl FnOnce(&mut Interface, Instant) -> R) -> Result<R, Errno> {
    crate::net::with_stack(|stack| f(&mut stack.iface, crate::net::now()))
}

/// Asks the network thread to run now (something was queued to send).
pub fn kick() {
    crate::net::kick();
}

// ANCHOR: wait_until
/// Calls `attempt` until it returns `Some`, sleeping between tries until
/// the network has done something; `EAGAIN` at once when `nonblocking`.
pub fn wait_until<R>(
    nonblocking: bool,
    mut attempt: impl FnMut(&mut Interface, Instant) -> Option<R>,
) -> Result<R, Errno> {
    if nonblocking {
        return with_interface(attempt)?.ok_or(Errno::EAGAIN);
    }
    crate::net::wait_for(u64::MAX, |stack| {
        attempt(&mut stack.iface, crate::net::now())
    })
}
// ANCHOR_END: wait_until
