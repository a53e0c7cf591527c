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
//! name instead of hanging silently. The name is also the lock's *class*
//! in the lock order (`lockdep.rs`), which debug builds check on every
//! `lock()`, and under which its acquisitions and contention are counted.
//!
//! Rules for users:
//! - never sleep or yield while holding a `SpinLock`;
//! - take locks in the order of `lockdep::ORDER` (docs/src/locking.md).

use super::lockdep::{self, CHECKING, SPIN_LIMIT_NS};
use crate::arch::cpu::{pop_off, push_off, this_cpu};
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};

const NO_OWNER: usize = usize::MAX;
const NO_RANK: u8 = u8::MAX;

// ANCHOR: spinlock
pub struct SpinLock<T> {
    name: &'static str,
    /// Id of the CPU holding the lock, or NO_OWNER.
    owner: AtomicUsize,
    /// Position of `name` in `lockdep::ORDER`, looked up on first use.
    rank: AtomicU8,
    /// Acquisitions so far: the watchdog tells a lock that is held (by one
    /// holder) from one that is busy (taken by others, again and again).
    taken: AtomicU64,
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
            rank: AtomicU8::new(NO_RANK),
            taken: AtomicU64::new(0),
            inner: spin::Mutex::new(value),
        }
    }

    // ANCHOR: lock
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        push_off();
        let cpu = this_cpu();
        let me = cpu.id.get();
        if self.owner.load(Ordering::Relaxed) == me {
            panic!(
                "deadlock: CPU {me} takes lock '{}' that it already holds",
                self.name
            );
        }
        let rank = self.rank();
        if CHECKING {
            lockdep::check_order(&cpu.held_locks, rank);
        }
        let guard = match self.inner.try_lock() {
            Some(guard) => {
                lockdep::count(rank, 0);
                guard
            }
            None => self.spin(rank),
        };
        self.owner.store(me, Ordering::Relaxed);
        self.taken.fetch_add(1, Ordering::Relaxed);
        cpu.held_locks.push(rank);
        SpinLockGuard {
            lock: self,
            guard: Some(guard),
        }
    }
    // ANCHOR_END: lock

    // ANCHOR: spin
    /// The lock is held (by another CPU): wait for it, counting, and in
    /// debug builds give up with a report once one holder has kept it for
    /// `SPIN_LIMIT_NS` while we spun. (A lock others keep taking before we
    /// get it is busy, not stuck: the clock restarts at each new holder.)
    #[cold]
    fn spin(&self, rank: u8) -> spin::MutexGuard<'_, T> {
        let mut start = crate::time::nanoseconds();
        let mut holder = self.taken.load(Ordering::Relaxed);
        let mut spins: u64 = 0;
        loop {
            while self.inner.is_locked() {
                core::hint::spin_loop();
                spins += 1;
                if CHECKING && spins.is_multiple_of(4096) {
                    let now = crate::time::nanoseconds();
                    let taken = self.taken.load(Ordering::Relaxed);
                    if taken != holder {
                        (start, holder) = (now, taken);
                    } else if now - start > SPIN_LIMIT_NS {
                        self.spun_too_long();
                    }
                }
            }
            if let Some(guard) = self.inner.try_lock() {
                lockdep::count(rank, spins.max(1));
                return guard;
            }
        }
    }

    fn spun_too_long(&self) -> ! {
        let cpu = this_cpu();
        let holder = self.owner.load(Ordering::Relaxed);
        // No allocation here: the heap's own lock may be the one stuck.
        let holder: &dyn core::fmt::Display = match holder {
            NO_OWNER => &"no CPU on record",
            _ => &holder,
        };
        panic!(
            "spinlock '{}': CPU {} spun for over {} s with interrupts off, the lock never released (holder: {}; CPU {} holds {})",
            self.name,
            cpu.id.get(),
            SPIN_LIMIT_NS / 1_000_000_000,
            holder,
            cpu.id.get(),
            cpu.held_locks.describe()
        );
    }
    // ANCHOR_END: spin

    /// This lock's position in the lock order; a lock whose name is not in
    /// `lockdep::ORDER` is a bug the first time it is taken.
    fn rank(&self) -> u8 {
        let rank = self.rank.load(Ordering::Relaxed);
        if rank != NO_RANK {
            return rank;
        }
        let rank = lockdep::rank_of(self.name).unwrap_or_else(|| {
            panic!(
                "lock '{}' is not in the lock order (sync/lockdep.rs ORDER)",
                self.name
            )
        });
        self.rank.store(rank, Ordering::Relaxed);
        rank
    }

    /// Takes the lock and never gives it back, as a CPU that stopped while
    /// holding it would: for the watchdog's deliberate-fault test only.
    pub fn hold_forever(&self) {
        core::mem::forget(self.inner.lock());
    }

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
        this_cpu().held_locks.remove(self.rank());
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
        this_cpu().held_locks.remove(self.lock.rank());
        self.lock.owner.store(NO_OWNER, Ordering::Relaxed);
        drop(self.guard.take());
        pop_off();
    }
}
// ANCHOR_END: unlock
