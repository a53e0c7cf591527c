//! Processes: the process table and what lives in it.
//!
//! A process is a slot in a fixed table of `NPROC` entries, in one of the
//! states of `ProcState`:
//!
//! ```text
//!            alloc_slot          fork/spawn done
//!   Unused ─────────────► Embryo ───────────────► Runnable ◄──────┐
//!     ▲                                            │   ▲          │ wakeup,
//!     │ wait() reaps                     scheduler │   │ yield,   │ kill
//!     │                                            ▼   │ timer    │
//!   Zombie ◄──────────────── exit() ─────────── Running ──────► Sleeping
//!                                                        sleep()
//! ```
//!
//! # Locking
//!
//! One lock, `PROCS`, protects the table: every field of every `Proc` (the
//! struct groups them by who may touch them, as xv6's `proc.h` does). It
//! is simple to reason about and, with a handful of CPUs, cheap enough.
//! The scheduler holds it across `swtch` (see `scheduler.rs`).
//!
//! Three things of a process are *not* under `PROCS`, because only the
//! process itself touches them while it lives (and its parent, in `fork`
//! before the child runs, and in `wait` after it is gone):
//! - its address space, in `SPACES[slot]`, a lock of its own;
//! - its file descriptors, in `fs::fd_table`, a lock per slot;
//! - its kernel stack, mapped once per slot at boot and reused.
//!
//! The lock order, for these and every other lock, is the one list
//! `sync::lockdep::ORDER`; debug builds check it on every `lock()`.

pub mod exec;
pub mod fork;
pub mod lifecycle;
pub mod memory;
pub mod scheduler;
pub mod swtch;

use crate::arch::cpu::this_cpu;
use crate::mem::address_space::AddressSpace;
use crate::sync::SpinLock;
use libsys::abi::{PROC_NAME_LEN, ProcState};
use swtch::Context;

/// Size of the process table.
pub const NPROC: usize = 64;
/// Slot 0 is always `init`, the first user process.
pub const INIT_SLOT: usize = 0;

// ANCHOR: proc
/// One process (or kernel thread): a slot of the table behind `PROCS`.
pub struct Proc {
    // -- `PROCS` must be held to read or write these; they change while
    //    the process lives, and other CPUs look at them (scheduler,
    //    wakeup, kill, wait). --
    pub state: ProcState,
    /// What a sleeping process waits for (see `Channel`).
    pub chan: Option<Channel>,
    /// Set by `kill`; the process exits the next time it leaves the kernel
    /// or wakes from a sleep.
    pub killed: bool,
    /// Killed by Ctrl-C rather than by `kill`: it exits with
    /// `STATUS_INTERRUPTED`, as a shell user expects (see `lifecycle.rs`).
    pub interrupted: bool,
    pub exit_status: i32,
    /// Slot of the parent process. Children of an exiting process are
    /// handed to init, so this always names a live process.
    pub parent: Option<usize>,
    /// Process group: the shell puts each job in its own group, and Ctrl-C
    /// kills the console's foreground group (see `console.rs`).
    pub pgid: u32,
    /// Timer ticks during which this process was running.
    pub cpu_ticks: u64,

    // -- Set under `PROCS` when the slot is filled (and `name` by exec),
    //    then only read: by the process itself and by `ps`. --
    pub pid: u32,
    pub name: [u8; PROC_NAME_LEN],
    pub is_kernel_thread: bool,
    /// Physical address of the page table to run with (0: the kernel's).
    pub page_table_root: u64,

    // -- Written by `swtch` while the process switches away, and read by
    //    the scheduler that switches to it: both hold `PROCS`, which is
    //    what keeps two CPUs from running one process. --
    /// Saved registers while not running.
    pub context: Context,
}
// ANCHOR_END: proc

impl Proc {
    const fn unused() -> Proc {
        Proc {
            state: ProcState::Unused,
            pid: 0,
            pgid: 0,
            parent: None,
            name: [0; PROC_NAME_LEN],
            killed: false,
            interrupted: false,
            exit_status: 0,
            chan: None,
            context: Context::EMPTY,
            page_table_root: 0,
            is_kernel_thread: false,
            cpu_ticks: 0,
        }
    }

    pub fn set_name(&mut self, name: &str) {
        self.name = [0; PROC_NAME_LEN];
        let len = name.len().min(PROC_NAME_LEN - 1);
        self.name[..len].copy_from_slice(&name.as_bytes()[..len]);
    }

    pub fn name(&self) -> &str {
        libsys::abi::padded_str(&self.name)
    }
}

// ANCHOR: procs
pub struct ProcTable {
    pub procs: [Proc; NPROC],
    next_pid: u32,
    /// Context switches so far (for the statistics pages).
    pub switches: u64,
}

pub static PROCS: SpinLock<ProcTable> = SpinLock::new(
    "procs",
    ProcTable {
        procs: [const { Proc::unused() }; NPROC],
        next_pid: 1,
        switches: 0,
    },
);

/// Each slot's address space: `None` for unused slots and kernel threads.
pub static SPACES: [SpinLock<Option<AddressSpace>>; NPROC] =
    [const { SpinLock::new("address_space", None) }; NPROC];
// ANCHOR_END: procs

// ANCHOR: channel
/// Something a process can sleep on: any address will do, as long as the
/// sleeper and the waker agree on it (xv6's "channel").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channel(usize);

impl Channel {
    /// The channel named by the address of `thing`.
    pub fn of<T>(thing: &T) -> Channel {
        Channel(thing as *const T as usize)
    }
}
// ANCHOR_END: channel

/// The slot of the process running on this CPU, if any.
pub fn current_slot() -> Option<usize> {
    crate::arch::cpu::push_off();
    let slot = this_cpu().current.get();
    crate::arch::cpu::pop_off();
    slot
}

/// The slot of the running process; panics if called from the scheduler.
pub fn me() -> usize {
    current_slot().expect("no current process")
}

/// The running process's pid and name, for messages.
pub fn describe_current() -> (u32, alloc::string::String) {
    let table = PROCS.lock();
    let proc = &table.procs[me()];
    (proc.pid, alloc::string::String::from(proc.name()))
}

/// Runs `f` on the running process's address space.
pub fn with_my_space<R>(f: impl FnOnce(&mut AddressSpace) -> R) -> R {
    let mut space = SPACES[me()].lock();
    f(space
        .as_mut()
        .expect("a kernel thread has no user address space"))
}

/// Runs `f` on the current process's user trap frame: the registers it
/// entered the kernel with, and will return to user mode with. `fork`
/// copies it, `exec` replaces it. Both the `syscall` entry and an interrupt
/// from user mode build it at the very top of the process's kernel stack.
pub fn with_trap_frame<R>(f: impl FnOnce(&mut crate::arch::trap::TrapFrame) -> R) -> R {
    let top = kernel_stack_top(me());
    let frame = (top - size_of::<crate::arch::trap::TrapFrame>() as u64)
        as *mut crate::arch::trap::TrapFrame;
    // SAFETY: the frame lies inside this process's mapped kernel stack, and
    // only this process's own kernel path touches it: `syscall_handler`
    // holds no reference to it while a handler runs, and interrupts taken in
    // kernel mode push their frames lower on the stack.
    f(unsafe { &mut *frame })
}

// ANCHOR: kernel_stacks
/// Each slot's kernel stack: 32 KiB, mapped at boot in its own 64 KiB
/// window of the kernel half, so the unmapped 32 KiB below each stack is a
/// guard: an overflow faults instead of corrupting the next stack.
pub const KERNEL_STACK_SIZE: u64 = 32 * 1024;
const KERNEL_STACK_STRIDE: u64 = 64 * 1024;
const KERNEL_STACKS_BASE: u64 = 0xffff_ff80_0000_0000;

pub fn kernel_stack_top(slot: usize) -> u64 {
    KERNEL_STACKS_BASE + (slot as u64 + 1) * KERNEL_STACK_STRIDE
}

/// The (bottom, top) of the kernel stack that holds `address`, if it is in
/// a process's kernel stack (for the profiler's stack walk).
pub fn kernel_stack_around(address: u64) -> Option<(u64, u64)> {
    let slot = address.checked_sub(KERNEL_STACKS_BASE)? / KERNEL_STACK_STRIDE;
    let top = kernel_stack_top(slot as usize);
    let bottom = top - KERNEL_STACK_SIZE;
    (slot < NPROC as u64 && address >= bottom).then_some((bottom, top))
}

/// The stack CPU `cpu` runs its scheduler on: the windows after the
/// processes' (the first CPU keeps the boot stack, so its window is unused).
pub fn cpu_stack_top(cpu: usize) -> u64 {
    kernel_stack_top(NPROC + cpu)
}

/// Maps every slot's kernel stack, and the other CPUs' scheduler stacks.
/// Called once at boot.
pub fn init() {
    let tops = (0..NPROC)
        .map(kernel_stack_top)
        .chain((1..crate::arch::cpu::MAX_CPUS).map(cpu_stack_top));
    for top in tops {
        crate::mem::kernel_map::map_kernel_range(top - KERNEL_STACK_SIZE, top);
    }
}
// ANCHOR_END: kernel_stacks

// ANCHOR: alloc_slot
/// Finds an unused slot, gives it a pid and marks it Embryo. Slot 0 is
/// reserved for init, which is created with `first = true`.
pub fn alloc_slot(table: &mut ProcTable, first: bool) -> Option<usize> {
    let range = if first { 0..1 } else { 1..NPROC };
    let slot = range
        .into_iter()
        .find(|&i| table.procs[i].state == ProcState::Unused)?;
    let pid = table.next_pid;
    table.next_pid += 1;
    let proc = &mut table.procs[slot];
    *proc = Proc::unused();
    proc.state = ProcState::Embryo;
    proc.pid = pid;
    Some(slot)
}
// ANCHOR_END: alloc_slot

/// The slot of the process with `pid`, if it exists (and is not unused).
pub fn slot_of_pid(table: &ProcTable, pid: u32) -> Option<usize> {
    table
        .procs
        .iter()
        .position(|p| p.pid == pid && p.state != ProcState::Unused)
}

/// Fills `out` with one `ProcInfo` per live process; returns the count.
pub fn snapshot(out: &mut [libsys::abi::ProcInfo]) -> usize {
    let table = PROCS.lock();
    let mut count = 0;
    for (slot, proc) in table.procs.iter().enumerate() {
        if proc.state == ProcState::Unused || count == out.len() {
            continue;
        }
        out[count] = libsys::abi::ProcInfo {
            pid: proc.pid,
            parent_pid: proc.parent.map_or(0, |p| table.procs[p].pid),
            state: proc.state as u8,
            kernel_thread: proc.is_kernel_thread as u8,
            _pad: [0; 6],
            cpu_ticks: proc.cpu_ticks,
            memory_bytes: 0,
            name: proc.name,
        };
        out[count].memory_bytes = SPACES[slot].lock().as_ref().map_or(0, |s| s.mapped_bytes());
        count += 1;
    }
    count
}

/// Prints one line per process (Ctrl-P on the console, as in xv6): pid,
/// state, name, and for a sleeper the channel it sleeps on, so that a
/// hung system shows who waits for what.
pub fn dump() {
    let table = PROCS.lock();
    let mut lines = alloc::vec::Vec::new();
    for (slot, proc) in table.procs.iter().enumerate() {
        if proc.state == ProcState::Unused {
            continue;
        }
        let chan = match proc.chan {
            Some(chan) if chan == crate::time::tick_channel() => {
                alloc::string::String::from("ticks")
            }
            Some(chan) if chan == Channel::of(&table.procs[slot]) => {
                alloc::string::String::from("wait")
            }
            Some(Channel(address)) => alloc::format!("{address:#x}"),
            None => alloc::string::String::new(),
        };
        lines.push(alloc::format!(
            "{} {:?} {}{} {}",
            proc.pid,
            proc.state,
            proc.name(),
            if proc.killed { " (killed)" } else { "" },
            chan
        ));
    }
    drop(table); // print without PROCS: the console may be slow
    for line in lines {
        crate::println!("{line}");
    }
}
