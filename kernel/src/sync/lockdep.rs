//! The lock order, and a checker that holds the kernel to it (a very
//! small cousin of Linux's lockdep).
//!
//! Every `SpinLock` belongs to a *class*, named by the name it was created
//! with: the 64 `fd_table` locks are one class. [`ORDER`] lists the classes
//! outermost first. The rule: a CPU holding a lock of class A may take a
//! lock of class B only if B comes *after* A (or B is A and the class is in
//! [`NESTABLE`]). Then no two CPUs can each hold what the other waits for:
//! a cycle of waiting would need some lock taken against the order.
//!
//! What the checker does, in debug builds (`make test` builds debug):
//! - on every `lock()`, compares the new lock with each lock this CPU
//!   holds (`HeldLocks`, per CPU) and panics naming both when the order is
//!   broken: the deadlock is reported the first time the wrong order runs,
//!   not on the unlucky day two CPUs meet in it;
//! - `sched` asks [`check_may_sleep`]: giving up the CPU while holding any
//!   lock but `procs` panics with that lock's name;
//! - `lock()` gives up after spinning for 5 s with interrupts off and
//!   panics with the lock's name, the holder's CPU and what this CPU holds
//!   (`spinlock.rs`): every critical section is microseconds long, so a
//!   second means a deadlock (or a lock never released).
//!
//! In every build it counts, per class, acquisitions and acquisitions that
//! had to spin (contention), for `/sched` (`schedinfo`).

use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: order
/// Every lock class, outermost first. A lock may be taken while holding
/// only locks of classes listed before it.
pub const ORDER: &[&str] = &[
    "fd_table",      // a process's descriptors; poll looks at the files
    "console_input", // typed characters; wakes readers, echoes
    "file_offset",   // an open file's offset; looks at its node
    "directory",     // a directory's names (parent before child)
    "ram_file",      // a writable file's bytes
    "tcp_socket",    // a socket's life; calls into the stack
    "udp_socket",
    "net",        // the interface and the card; wakes sleepers
    "pipe",       // a pipe's buffer; sleeps, wakes the other end
    "test_outer", // two classes for the checker's own tests (ktest)
    "test_inner",
    "procs",         // every process's state; sched holds it across swtch
    "address_space", // a process's user memory
    "kernel_map",    // the kernel's page table
    "pci_devices",   // the list of PCI functions
    "trace_ring",    // a CPU's trace events; recorded under any lock above
    "profile",       // the profiler's process names (under procs); allocates
    "frames",        // the free list of frames
    "heap",          // the heap's bookkeeping
    "ioapic",        // the I/O APIC's register window
    "pci_config",    // the PCI configuration ports
    "console",       // serial output
];
// ANCHOR_END: order

const _: () = assert!(ORDER.len() <= libsys::abi::SCHED_MAX_LOCKS);

/// Classes whose locks may nest inside each other, with a rule of their
/// own that keeps them acyclic: directories, parent before child.
const NESTABLE: &[&str] = &["directory"];

/// The rank (position in `ORDER`) of the class `name`.
pub fn rank_of(name: &str) -> Option<u8> {
    ORDER.iter().position(|&n| n == name).map(|r| r as u8)
}

// ANCHOR: stats
/// Per class: how often its locks were taken, and how often the taker
/// found one held and had to spin.
pub struct ClassStats {
    pub acquisitions: AtomicU64,
    /// Acquisitions that found the lock held and waited.
    pub contended: AtomicU64,
    /// Turns of the waiting loop, over all those waits.
    pub spins: AtomicU64,
}

static STATS: [ClassStats; ORDER.len()] = [const {
    ClassStats {
        acquisitions: AtomicU64::new(0),
        contended: AtomicU64::new(0),
        spins: AtomicU64::new(0),
    }
}; ORDER.len()];

pub fn stats(rank: u8) -> &'static ClassStats {
    &STATS[rank as usize]
}

/// Copies every class's counters into `out` (for `schedinfo`); returns
/// how many entries it filled.
pub fn fill_stats(out: &mut [libsys::abi::LockStat]) -> usize {
    let mut count = 0;
    for ((name, stats), entry) in ORDER.iter().zip(&STATS).zip(out.iter_mut()) {
        let len = name.len().min(entry.name.len() - 1);
        entry.name[..len].copy_from_slice(&name.as_bytes()[..len]);
        entry.acquisitions = stats.acquisitions.load(Ordering::Relaxed);
        entry.contended = stats.contended.load(Ordering::Relaxed);
        entry.spins = stats.spins.load(Ordering::Relaxed);
        count += 1;
    }
    count
}
// ANCHOR_END: stats

/// Most locks one CPU holds at once (the deepest nesting is four or five).
const MAX_HELD: usize = 16;

/// The ranks of the locks a CPU holds, in the order it took them.
pub struct HeldLocks {
    ranks: [Cell<u8>; MAX_HELD],
    count: Cell<usize>,
}

impl HeldLocks {
    pub const fn new() -> HeldLocks {
        HeldLocks {
            ranks: [const { Cell::new(0) }; MAX_HELD],
            count: Cell::new(0),
        }
    }

    fn held(&self) -> impl Iterator<Item = u8> + '_ {
        self.ranks[..self.count.get()].iter().map(Cell::get)
    }

    pub fn push(&self, rank: u8) {
        let count = self.count.get();
        assert!(count < MAX_HELD, "lockdep: more than {MAX_HELD} locks held");
        self.ranks[count].set(rank);
        self.count.set(count + 1);
    }

    /// Forgets one lock of class `rank` (guards may be dropped in any order).
    pub fn remove(&self, rank: u8) {
        let count = self.count.get();
        if let Some(i) = (0..count).rev().find(|&i| self.ranks[i].get() == rank) {
            for j in i..count - 1 {
                self.ranks[j].set(self.ranks[j + 1].get());
            }
            self.count.set(count - 1);
        }
    }

    /// The names of the held locks, for panic messages.
    pub fn describe(&self) -> HeldNames<'_> {
        HeldNames(self)
    }
}

pub struct HeldNames<'a>(&'a HeldLocks);

impl core::fmt::Display for HeldNames<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        if self.0.count.get() == 0 {
            return f.write_str("no lock");
        }
        for (i, rank) in self.0.held().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}'{}'", ORDER[rank as usize])?;
        }
        Ok(())
    }
}

// ANCHOR: check_order
/// May a CPU holding `held` take a lock of class `new`? Returns the held
/// class that forbids it, if any.
pub fn order_violation(held: impl Iterator<Item = u8>, new: u8) -> Option<u8> {
    let nestable = NESTABLE.contains(&ORDER[new as usize]);
    held.into_iter()
        .find(|&h| h > new || (h == new && !nestable))
}

/// Called by `SpinLock::lock` before it spins (debug builds only).
pub fn check_order(held: &HeldLocks, new: u8) {
    if let Some(bad) = order_violation(held.held(), new) {
        panic!(
            "lock order: CPU {} takes '{}' while holding '{}' ('{}' comes first in sync/lockdep.rs)",
            crate::arch::cpu::this_cpu().id.get(),
            ORDER[new as usize],
            ORDER[bad as usize],
            ORDER[new.min(bad) as usize],
        );
    }
}
// ANCHOR_END: check_order

// ANCHOR: check_may_sleep
/// Called by `sched`: the only lock a thread may hold while it gives up
/// the CPU is `procs`, which the scheduler takes over.
pub fn check_may_sleep(held: &HeldLocks) {
    let procs = rank_of("procs").expect("procs is in ORDER");
    if let Some(other) = held.held().find(|&r| r != procs) {
        panic!(
            "sleep while holding lock '{}' (this CPU holds {}): another thread that needs it would spin until this one is woken",
            ORDER[other as usize],
            held.describe()
        );
    }
}
// ANCHOR_END: check_may_sleep

/// Debug builds check; release builds only count.
pub const CHECKING: bool = cfg!(debug_assertions);

/// Spinning this long with interrupts off is a deadlock. Every critical
/// section is microseconds long, but under emulation the host may pause the
/// virtual CPU that holds the lock: on a host with ten times more work than
/// cores, a one-second limit fired on a healthy kernel. Five seconds still
/// turns a real deadlock into a report quickly.
pub const SPIN_LIMIT_NS: u64 = 5_000_000_000;

/// Counts one acquisition of class `rank` that spun `spins` times.
pub fn count(rank: u8, spins: u64) {
    let stats = stats(rank);
    stats.acquisitions.fetch_add(1, Ordering::Relaxed);
    if spins > 0 {
        stats.contended.fetch_add(1, Ordering::Relaxed);
        stats.spins.fetch_add(spins, Ordering::Relaxed);
    }
}
