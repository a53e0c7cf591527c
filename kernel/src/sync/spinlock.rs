//! A spinlock that disables interrupts while held.
//!
//! Why disable interrupts? If code holding lock L is interrupted, and the
//! interrupt handler also takes L, the handler spins forever: the holder
//! cannot run again until the handler returns. xv6 avoids this whole class
//! of deadlock by turning interrupts off for as long as *any* spinlock is
//! held, and so do we: `lock()` calls `push_off`, dropping the guard calls
//! `pop_off`, and the nesting count makes that work for several locks.
//!
//! The lock itself is `spin::Mutex`. Rules for users:
//! - never sleep or yield while holding a `SpinLock` (the scheduler's own
//!   lock is the one documented exception, see the scheduler);
//! - take locks in the order written in `docs/src/locking.md`.

use crate::arch::cpu::{pop_off, push_off};
use core::ops::{Deref, DerefMut};

pub struct SpinLock<T> {
    name: &'static str,
    inner: spin::Mutex<T>,
}

pub struct SpinLockGuard<'a, T> {
    // Dropped before `pop_off` runs: see `Drop` below.
    guard: Option<spin::MutexGuard<'a, T>>,
}

impl<T> SpinLock<T> {
    pub const fn new(name: &'static str, value: T) -> SpinLock<T> {
        SpinLock {
            name,
            inner: spin::Mutex::new(value),
        }
    }

    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        push_off();
        SpinLockGuard {
            guard: Some(self.inner.lock()),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether somebody holds the lock (for assertions and the panic path).
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Releases a lock whose guard was leaked with `mem::forget`.
    ///
    /// # Safety
    /// The caller must hold the lock through a forgotten guard, on this CPU
    /// (so its `push_off` is still outstanding here).
    pub unsafe fn force_unlock(&self) {
        // SAFETY: the caller holds the lock (see above).
        unsafe { self.inner.force_unlock() };
        pop_off();
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

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // Release the lock first, then (maybe) turn interrupts back on: the
        // other order would let an interrupt handler spin on a lock we hold.
        drop(self.guard.take());
        pop_off();
    }
}
