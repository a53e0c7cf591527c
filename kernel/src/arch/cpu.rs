//! Per-CPU state, reached through the GS segment base.
//!
//! Each CPU has one [`Cpu`] in the `CPUS` array. While the CPU runs kernel
//! code, its `IA32_GS_BASE` MSR holds the address of its own `Cpu`, whose
//! first field points to itself, so [`this_cpu`] is a single `mov` from
//! `gs:0`. (While user code runs, `swapgs` parks that address in
//! `IA32_KERNEL_GS_BASE`; see the trap and system-call entry code.)
//!
//! Contract: the `Cell` fields of a `Cpu` are touched only by the CPU that
//! owns it. Code that reads them must not be moved to another CPU halfway,
//! so it runs with interrupts off (hold a spinlock, or call `push_off`).
//! The atomic fields (`apic_id`, `idle`, the counters) are the ones other
//! CPUs read.

use crate::proc::swtch::Context;
use core::cell::{Cell, UnsafeCell};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use x86_64::instructions::interrupts;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

/// The most CPUs the kernel will use.
pub const MAX_CPUS: usize = 8;

// ANCHOR: cpu
#[repr(C)]
pub struct Cpu {
    /// Must be first: `this_cpu()` reads it at `gs:0`.
    self_ptr: Cell<*const Cpu>,
    /// The top of the kernel stack to use on a system call (read at `gs:8`
    /// by the syscall entry, before it has a stack of its own).
    pub syscall_stack_top: Cell<u64>,
    /// Scratch slot for the user stack pointer during syscall entry (`gs:16`).
    pub user_rsp_scratch: Cell<u64>,
    /// Index of this CPU in `CPUS`; 0 is the bootstrap CPU.
    pub id: Cell<usize>,
    /// Local APIC ID, which the I/O APIC and other CPUs' IPIs use to
    /// address this CPU. Atomic: other CPUs read it to send an IPI.
    pub apic_id: AtomicU32,
    /// How deep we are in `push_off` calls, and whether interrupts were on
    /// before the outermost one (xv6's `noff` and `intena`).
    push_off_depth: Cell<u32>,
    interrupts_were_on: Cell<bool>,
    /// The scheduler's saved registers, while a process runs on this CPU.
    pub scheduler_context: UnsafeCell<Context>,
    /// Slot of the process running on this CPU, if any.
    pub current: Cell<Option<usize>>,
    /// Its pid (0: none), copied by the scheduler when it switches to it,
    /// so that `getpid` needs no lock: a pid never changes while its
    /// process lives.
    pub current_pid: Cell<u32>,
    /// Timer ticks that found this CPU idle (halted in the scheduler).
    /// Atomic, because `schedinfo` reads every CPU's.
    pub idle_ticks: AtomicU64,
    /// Context switches into a process on this CPU.
    pub switches: AtomicU64,
    /// When this CPU's next scheduler tick is due, and the nearest deadline
    /// someone asked it to wake up for (TSC nanoseconds; `u64::MAX`: none).
    /// See `crate::timer`.
    pub next_tick_ns: Cell<u64>,
    pub deadline_ns: Cell<u64>,
    /// Set while the scheduler halts for want of work: another CPU that
    /// makes a process runnable sends it an IPI (`scheduler::wakeup`).
    pub idle: AtomicBool,
    /// The spinlocks this CPU holds, for the lock-order checker.
    pub held_locks: crate::sync::lockdep::HeldLocks,
}
// ANCHOR_END: cpu

// SAFETY: a `Cpu`'s fields are only touched by the CPU that owns it (see the
// module contract), so no two CPUs ever race on the same cell.
unsafe impl Sync for Cpu {}

impl Cpu {
    const fn new() -> Cpu {
        Cpu {
            self_ptr: Cell::new(core::ptr::null()),
            syscall_stack_top: Cell::new(0),
            user_rsp_scratch: Cell::new(0),
            id: Cell::new(0),
            apic_id: AtomicU32::new(0),
            push_off_depth: Cell::new(0),
            interrupts_were_on: Cell::new(false),
            scheduler_context: UnsafeCell::new(Context::EMPTY),
            current: Cell::new(None),
            current_pid: Cell::new(0),
            idle_ticks: AtomicU64::new(0),
            switches: AtomicU64::new(0),
            next_tick_ns: Cell::new(0),
            deadline_ns: Cell::new(u64::MAX),
            idle: AtomicBool::new(false),
            held_locks: crate::sync::lockdep::HeldLocks::new(),
        }
    }
}

static CPUS: [Cpu; MAX_CPUS] = [const { Cpu::new() }; MAX_CPUS];
static CPUS_STARTED: AtomicUsize = AtomicUsize::new(0);

/// Claims the next `Cpu` slot for the calling CPU and points GS at it.
/// Called once per CPU, first thing, before any lock is taken.
pub fn init_this_cpu() -> usize {
    let id = CPUS_STARTED.fetch_add(1, Ordering::Relaxed);
    assert!(id < MAX_CPUS, "more than MAX_CPUS CPUs");
    let cpu = &CPUS[id];
    cpu.self_ptr.set(cpu);
    cpu.id.set(id);
    let addr = x86_64::VirtAddr::from_ptr(cpu);
    GsBase::write(addr);
    // Until the first `swapgs` to user mode, both slots hold our `Cpu`.
    KernelGsBase::write(addr);
    id
}

/// The calling CPU's `Cpu`. Only meaningful with interrupts off: with them
/// on, the scheduler could move us to another CPU right after the read.
pub fn this_cpu() -> &'static Cpu {
    let ptr: *const Cpu;
    // SAFETY: `init_this_cpu` set GS base to a `Cpu` whose first field is a
    // pointer to itself, before any caller could get here.
    unsafe {
        core::arch::asm!("mov {}, gs:[0]", out(reg) ptr, options(nostack, readonly, preserves_flags))
    };
    // SAFETY: `ptr` points into the static `CPUS` array.
    unsafe { &*ptr }
}

/// Idle ticks of CPU `id` (0 for CPUs that never started).
pub fn idle_ticks(id: usize) -> u64 {
    CPUS.get(id)
        .map_or(0, |cpu| cpu.idle_ticks.load(Ordering::Relaxed))
}

/// Context switches on CPU `id` (0 for CPUs that never started).
pub fn switches(id: usize) -> u64 {
    CPUS.get(id)
        .map_or(0, |cpu| cpu.switches.load(Ordering::Relaxed))
}

/// Every started CPU (for waking an idle one; only atomics are read).
pub fn all() -> &'static [Cpu] {
    &CPUS[..started()]
}

/// How many CPUs have started.
pub fn started() -> usize {
    CPUS_STARTED.load(Ordering::Relaxed)
}

// ANCHOR: push_off
/// Disables interrupts, remembering whether they were on. Calls nest: it
/// takes as many `pop_off`s as `push_off`s to turn interrupts back on.
pub fn push_off() {
    let were_on = interrupts::are_enabled();
    interrupts::disable();
    let cpu = this_cpu();
    if cpu.push_off_depth.get() == 0 {
        cpu.interrupts_were_on.set(were_on);
    }
    cpu.push_off_depth.set(cpu.push_off_depth.get() + 1);
}

/// Undoes one `push_off`; the last one restores the interrupt flag.
pub fn pop_off() {
    assert!(!interrupts::are_enabled(), "pop_off: interrupts are on");
    let cpu = this_cpu();
    let depth = cpu.push_off_depth.get();
    assert!(depth > 0, "pop_off without push_off");
    cpu.push_off_depth.set(depth - 1);
    if depth == 1 && cpu.interrupts_were_on.get() {
        interrupts::enable();
    }
}
// ANCHOR_END: push_off

/// Whether interrupts were on before the outermost `push_off`. This
/// belongs to the kernel thread, not the CPU: `sched` saves it before
/// switching away and restores it after (see `proc::scheduler`).
pub fn interrupts_were_on() -> bool {
    this_cpu().interrupts_were_on.get()
}

pub fn set_interrupts_were_on(value: bool) {
    this_cpu().interrupts_were_on.set(value);
}

/// How many `push_off`s are outstanding on this CPU (for assertions).
pub fn push_off_depth() -> u32 {
    this_cpu().push_off_depth.get()
}
