//! The scheduler: which process runs next, and how the CPU gets there.
//!
//! Each CPU runs `scheduler()` on its boot stack, forever: scan the process
//! table for a Runnable process, `swtch` to it, and when it switches back,
//! continue the scan from the next slot (round robin). A process gives the
//! CPU back by calling `sched()`, from one of three places: `yield_now`
//! (its time slice is over, or it asked), `sleep`, or `exit`.
//!
//! # Why the lock is held across `swtch`
//!
//! `PROCS` is taken by the side that switches *away* and released by the
//! side that is switched *to*:
//!
//! ```text
//!  process P                         scheduler (same CPU)
//!  ─────────                         ────────────────────
//!  lock PROCS
//!  P.state = Runnable
//!  sched(): swtch(P, scheduler) ───► returns from its swtch(scheduler, P)
//!                                    ...finds Q Runnable, Q.state = Running
//!                                    swtch(scheduler, Q) ───► Q returns from sched()
//!                                                             unlock PROCS
//! ```
//!
//! While P's state says Runnable but its registers are not yet saved, no
//! other CPU may pick P up: holding the lock until the switch is complete
//! is what prevents that. It also means a process that calls `sched` holds
//! exactly this one lock, and nothing else (checked).
//!
//! # Sleep and wakeup
//!
//! `sleep(chan, guard)` atomically releases the caller's lock and goes to
//! sleep on `chan`; `wakeup(chan)` makes every process sleeping on `chan`
//! Runnable. "Atomically" is the point: the sleeper takes `PROCS` before it
//! lets go of its own lock, and a waker must hold that same lock to change
//! the condition, so a wakeup cannot slip in between the sleeper's last
//! check of the condition and its going to sleep (the "lost wakeup").

use super::swtch::swtch;
use super::{Channel, PROCS, ProcTable, kernel_stack_top};
use crate::arch::cpu::{self, this_cpu};
use crate::sync::SpinLock;
use crate::sync::spinlock::SpinLockGuard;
use core::sync::atomic::Ordering;
use libsys::abi::ProcState;
use x86_64::instructions::interrupts;

// ANCHOR: scheduler
/// The per-CPU scheduler loop. Never returns.
#[unsafe(no_mangle)]
pub fn scheduler() -> ! {
    let cpu = this_cpu();
    let mut next = 0;
    loop {
        // Interrupts stay off from the scan to the `hlt` (see `idle`).
        interrupts::disable();
        let mut table = PROCS.lock();
        let found = (0..super::NPROC)
            .map(|i| (next + i) % super::NPROC)
            .find(|&slot| table.procs[slot].state == ProcState::Runnable);
        match found {
            Some(slot) => {
                next = slot + 1;
                run(&mut table, slot);
            }
            None => {
                cpu.idle.store(true, Ordering::SeqCst);
                drop(table); // interrupts stay off: they were off at lock()
                idle();
                cpu.idle.store(false, Ordering::SeqCst);
            }
        }
    }
}

// ANCHOR: idle
/// Nothing to run: sleep until an interrupt (a tick, a device, or another
/// CPU's wake-up IPI). `sti` takes effect only after the next instruction,
/// so no interrupt can arrive between the two: an interrupt that makes a
/// process runnable after our scan either came before the `sti` (and is
/// pending, so `hlt` returns at once) or wakes the `hlt`. With `sti` a
/// few instructions earlier, it could be handled before the `hlt`, which
/// would then sleep until the next tick with work waiting.
fn idle() {
    // SAFETY: `sti; hlt` only enables interrupts and halts; the IDT is loaded.
    unsafe { core::arch::asm!("sti", "hlt", options(nomem, nostack)) };
}
// ANCHOR_END: idle

/// Switches to the process in `slot`, returning when it gives the CPU back.
fn run(table: &mut SpinLockGuard<ProcTable>, slot: usize) {
    let cpu = this_cpu();
    let proc = &mut table.procs[slot];
    proc.state = ProcState::Running;
    cpu.current.set(Some(slot));
    cpu.current_pid.set(proc.pid);
    // Where this process's traps and system calls will land.
    let stack_top = kernel_stack_top(slot);
    crate::arch::gdt::set_kernel_stack(stack_top);
    cpu.syscall_stack_top.set(stack_top);
    switch_page_table(proc.page_table_root);
    table.switches += 1;
    cpu.switches.fetch_add(1, Ordering::Relaxed);

    let context = &raw const table.procs[slot].context;
    crate::trace::record(crate::trace::Kind::Run, slot as u32, table.procs[slot].pid);
    crate::profile::note_running(Some((table.procs[slot].pid, table.procs[slot].name)));
    // SAFETY: the process's context was saved by `swtch` or built by
    // `fork`/`spawn` to look like it; the scheduler context is this CPU's.
    unsafe { swtch(cpu.scheduler_context.get(), context) };
    crate::trace::record(crate::trace::Kind::Stop, slot as u32, table.procs[slot].pid);
    crate::profile::note_running(None);

    // The process called `sched()` and we are back, still holding PROCS.
    // Run on the kernel's own page table from here: the process may be a
    // zombie whose address space its parent is about to free.
    switch_page_table(0);
    cpu.current.set(None);
    cpu.current_pid.set(0);
}
// ANCHOR_END: scheduler

/// Loads the page table with physical address `root` (0: the kernel's).
pub fn switch_page_table(root: u64) {
    let root = if root == 0 {
        crate::mem::kernel_map::kernel_root()
    } else {
        root
    };
    let (current, flags) = x86_64::registers::control::Cr3::read();
    if current.start_address().as_u64() != root {
        let frame =
            x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(root));
        // SAFETY: every page table shares the kernel half, so the code and
        // stack we run on stay mapped across the switch.
        unsafe { x86_64::registers::control::Cr3::write(frame, flags) };
    }
}

// ANCHOR: sched
/// Gives the CPU back to the scheduler. The caller holds `PROCS` (and no
/// other lock) and has already changed its state from Running.
pub fn sched(table: &mut SpinLockGuard<ProcTable>) {
    let slot = this_cpu().current.get().expect("sched without a process");
    if crate::sync::lockdep::CHECKING {
        crate::sync::lockdep::check_may_sleep(&this_cpu().held_locks);
    }
    assert!(
        cpu::push_off_depth() == 1,
        "sched: holding locks other than PROCS"
    );
    assert!(
        table.procs[slot].state != ProcState::Running,
        "sched: still Running"
    );
    assert!(!interrupts::are_enabled(), "sched: interrupts on");
    // Whether interrupts were on belongs to this kernel thread, not to the
    // CPU: keep it across the switch (we may come back on another CPU).
    let were_on = cpu::interrupts_were_on();
    let context = &raw mut table.procs[slot].context;
    // SAFETY: our context is saved into our own slot; the scheduler context
    // of this CPU was saved by its `swtch` in `run`.
    unsafe { swtch(context, this_cpu().scheduler_context.get()) };
    cpu::set_interrupts_were_on(were_on);
}
// ANCHOR_END: sched

// ANCHOR: timer_tick
/// Gives up the CPU for one round of the scheduler.
pub fn yield_now() {
    let mut table = PROCS.lock();
    let slot = this_cpu().current.get().expect("yield without a process");
    table.procs[slot].state = ProcState::Runnable;
    sched(&mut table);
}

/// The timer's share of scheduling: charge the tick to the running
/// process and, its time slice being one tick, make it yield.
pub fn timer_tick() {
    let mut table = PROCS.lock();
    let cpu = this_cpu();
    let Some(slot) = cpu.current.get() else {
        cpu.idle_ticks.fetch_add(1, Ordering::Relaxed);
        return;
    };
    table.procs[slot].cpu_ticks += 1;
    if table.procs[slot].state == ProcState::Running {
        table.procs[slot].state = ProcState::Runnable;
        sched(&mut table);
    }
}
// ANCHOR_END: timer_tick

// ANCHOR: sleep
/// Releases `guard`'s lock, sleeps on `chan` until woken, and takes the
/// lock again before returning. The caller re-checks its condition: a
/// wakeup means "something changed", not "your condition holds".
pub fn sleep<'a, T>(chan: Channel, guard: SpinLockGuard<'a, T>) -> SpinLockGuard<'a, T> {
    let lock: &'a SpinLock<T> = guard.lock();
    let mut table = PROCS.lock();
    drop(guard); // safe now: a waker needs PROCS, which we hold
    sleep_holding_procs(chan, &mut table);
    drop(table);
    lock.lock()
}

/// `sleep` for callers whose condition is protected by `PROCS` itself.
pub fn sleep_holding_procs(chan: Channel, table: &mut SpinLockGuard<ProcTable>) {
    let slot = this_cpu().current.get().expect("sleep without a process");
    // ANCHOR: killed_sleeper
    // A `kill` that came after the caller last looked at `killed` (without
    // PROCS) found us Running, so it had nobody to wake: sleeping now could
    // be forever. Under PROCS the flag is final; return as if woken, and the
    // caller's loop sees `killed` and gives up with EINTR.
    if table.procs[slot].killed {
        return;
    }
    // ANCHOR_END: killed_sleeper
    table.procs[slot].chan = Some(chan);
    table.procs[slot].state = ProcState::Sleeping;
    sched(table);
    table.procs[slot].chan = None;
}

/// Wakes every process sleeping on `chan`.
pub fn wakeup(chan: Channel) {
    wakeup_holding_procs(&mut PROCS.lock(), chan);
}

pub fn wakeup_holding_procs(table: &mut ProcTable, chan: Channel) {
    let mut woken = false;
    for (slot, proc) in table.procs.iter_mut().enumerate() {
        if proc.state == ProcState::Sleeping && proc.chan == Some(chan) {
            proc.state = ProcState::Runnable;
            crate::trace::record(crate::trace::Kind::Wakeup, slot as u32, proc.pid);
            woken = true;
        }
    }
    if woken {
        wake_idle_cpu();
    }
}
// ANCHOR_END: sleep

// ANCHOR: wake_idle_cpu
/// A process just became Runnable: if some other CPU is halted in `idle`,
/// interrupt it, so that it scans the table now rather than at its next
/// tick. Called with `PROCS` held; a CPU sets `idle` before it releases
/// `PROCS` to halt, so either it saw the process in its scan, or we see
/// its flag here (and our IPI, if it comes before its `sti`, is pending
/// and stops the `hlt` at once).
pub fn wake_idle_cpu() {
    let me = this_cpu();
    let idle = cpu::all()
        .iter()
        .find(|c| !core::ptr::eq(*c, me) && c.idle.load(Ordering::SeqCst));
    if let Some(other) = idle {
        // One IPI per wakeup: the woken CPU takes the idle flag down.
        other.idle.store(false, Ordering::SeqCst);
        crate::dev::lapic::send_ipi(
            other.apic_id.load(Ordering::Relaxed),
            crate::arch::trap::WAKE_VECTOR,
        );
    }
}
// ANCHOR_END: wake_idle_cpu
