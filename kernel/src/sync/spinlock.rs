//! A spinlock that disables interrupts while held.
//!
//! Why disable interrupts? If code holding lock L is interrupted, and the
//! interrupt handler also takes L, the handler spins forever: the holder
//! cannot run again until the handler returns. xv6 avoids this whole class
//! of deadlock by turning interrupts off for as long as *any* spinlock is
//! held, and so do we: `lock()` calls `push_off`, dropping the guard calls
//! `pop_off`, and the nesting count makes that work for several locks.
//!
//! Each lock has a name and remembers which CPU holds it, so that taking a
//! lock this CPU already holds (a certain deadlock) panics with the lock's
//! name instead of hanging silently.
//!
//! Rules for users:
//! - never sleep or yield while holding a `SpinLock`;
//! - take locks in the order written in `docs/src/locking.md`.

use crate::arch::cpu::{pop_off, push_off, this_cpu};
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicUsize, Ordering};

const NO_OWNER: usize = usize::MAX;

// ANCHOR: spinlock
pub struct SpinLock<T> {
    name: &'static str,
    /// Id of the CPU holding the lock, or NO_OWNER.
    owner: AtomicUsize,
    inner: spin::Mutex<T>,
}

pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    // An Option so that `drop` can release it before calling `pop_off`.
    guard: Option<spin::MutexGuard<'a, T>>,
}
// ANCHOR_END: spinlock

impl<T> SpinLock<T> {
    pub const fn new(name: &'static str, value: T) -> SpinLock<T> {
        SpinLock {
            name,
            owner: AtomicUsize::new(NO_OWNER),
            inner: spin::Mutex::new(value),
        }
    }

    // ANCHOR: lock
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        push_off();
        let me = this_cpu().id.get();
        if self.owner.load(Ordering::Relaxed) == me {
            panic!(
                "deadlock: CPU {me} takes lock '{}' that it already holds",
                self.name
            );
        }
        let guard = self.inner.lock();
        self.owner.store(me, Ordering::Relaxed);
        SpinLockGuard {
            lock: self,
            guard: Some(guard),
        }
    }
    // ANCHOR_END: lock

    /// The data, without locking: having `&mut self` proves nobody else
    /// can hold the lock (used when dropping the object that owns it).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Releases the lock without a guard: for the one place a lock is
    /// taken by one kernel thread and released by another (the scheduler
    /// hands `PROCS` to the process it switches to, see `proc::fork`).
    ///
    /// # Safety
    /// The lock must be held by this CPU, through a guard that will never
    /// be dropped (it belongs to the context we switched away from).
    pub unsafe fn force_unlock(&self) {
        self.owner.store(NO_OWNER, Ordering::Relaxed);
        // SAFETY: the caller holds the lock (see above).
        unsafe { self.inner.force_unlock() };
        pop_off();
    }
}

impl<'a, T> SpinLockGuard<'a, T> {
    /// The lock this guard holds (so `sleep` can take it again).
    pub fn lock(&self) -> &'a SpinLock<T> {
        self.lock
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard used after release")
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard used after release")
    }
}

// ANCHOR: unlock
impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // Release the lock first, then (maybe) turn interrupts back on: the
        // other order would let an interrupt handler spin on a lock we hold.
        self.lock.owner.store(NO_OWNER, Ordering::Relaxed);
        drop(self.guard.take());
        pop_off();
    }
}
// ANCHOR_END: unlock
