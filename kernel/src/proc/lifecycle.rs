//! The end of a process: `exit`, `wait`, `kill`.
//!
//! A process that exits does not free itself: it is running on its own
//! kernel stack and page table. It becomes a Zombie, keeping only its pid
//! and exit status, and wakes its parent. The parent's `wait` finds the
//! zombie, frees its memory, and turns the slot back to Unused.
//!
//! Orphans: when a process exits, its children are given to init (slot 0),
//! whose only job, besides starting the first programs, is to `wait` for
//! them forever.

use super::scheduler::{
    sched, sleep_holding_procs, switch_page_table, wake_idle_cpu, wakeup_holding_procs,
};
use super::{Channel, INIT_SLOT, PROCS, Proc, SPACES, me, slot_of_pid};
use core::sync::atomic::{AtomicUsize, Ordering};
use libsys::Errno;
use libsys::abi::{ProcState, STATUS_KILLED};

/// The status of a process killed by Ctrl-C: 128 + SIGINT (2), what Unix
/// shells report in `$?` (`kill` gives STATUS_KILLED, 128 + SIGKILL).
pub const STATUS_INTERRUPTED: i32 = 130;

// ANCHOR: exit
/// Ends the calling process with `status`. Never returns.
pub fn exit(status: i32) -> ! {
    let slot = me();
    // Close our files first: a pipe's reader must see end of file now,
    // not when our parent gets round to `wait`.
    crate::fs::fd_table::close_all(slot);
    // Run on the kernel's page table from now on: once we are a zombie,
    // our parent may free ours (on another CPU) at any moment.
    switch_page_table(0);

    let mut table = PROCS.lock();
    if slot == INIT_SLOT {
        panic!("init exited with status {status}");
    }
    // Hand our children to init, and wake init if one is already a zombie.
    let mut orphaned_zombie = false;
    for child in table.procs.iter_mut().filter(|p| p.parent == Some(slot)) {
        child.parent = Some(INIT_SLOT);
        orphaned_zombie |= child.state == ProcState::Zombie;
    }
    if orphaned_zombie {
        let init = Channel::of(&table.procs[INIT_SLOT]);
        wakeup_holding_procs(&mut table, init);
    }
    if let Some(parent) = table.procs[slot].parent {
        let parent = Channel::of(&table.procs[parent]);
        wakeup_holding_procs(&mut table, parent);
    }
    // Killed processes exit with STATUS_KILLED wherever they notice it;
    // the Ctrl-C ones are told apart here.
    let status = if status == STATUS_KILLED && table.procs[slot].interrupted {
        STATUS_INTERRUPTED
    } else {
        status
    };
    table.procs[slot].exit_status = status;
    table.procs[slot].state = ProcState::Zombie;
    sched(&mut table);
    unreachable!("a zombie was scheduled");
}
// ANCHOR_END: exit

// ANCHOR: wait
/// Waits for a child to exit, frees it, and returns its pid and status.
pub fn wait() -> Result<(u32, i32), Errno> {
    let slot = me();
    let mut table = PROCS.lock();
    loop {
        let mut have_children = false;
        for (child, child_space) in SPACES.iter().enumerate() {
            if table.procs[child].parent != Some(slot) {
                continue;
            }
            have_children = true;
            if table.procs[child].state == ProcState::Zombie {
                let result = (table.procs[child].pid, table.procs[child].exit_status);
                let space = child_space.lock().take();
                if table.procs[child].killed {
                    KILLED_PROCS.fetch_sub(1, Ordering::Relaxed);
                }
                table.procs[child] = Proc::unused();
                drop(table);
                drop(space); // free the child's memory without holding PROCS
                return Ok(result);
            }
        }
        if !have_children {
            return Err(Errno::ECHILD);
        }
        if table.procs[slot].killed {
            return Err(Errno::EINTR);
        }
        let me = Channel::of(&table.procs[slot]);
        sleep_holding_procs(me, &mut table);
    }
}
// ANCHOR_END: wait

// ANCHOR: kill
/// Marks process `pid` as killed; it exits when it next leaves the kernel
/// (or at once, if it sleeps: it is woken to notice).
pub fn kill(pid: u32) -> Result<(), Errno> {
    let mut table = PROCS.lock();
    let slot = slot_of_pid(&table, pid).ok_or(Errno::ESRCH)?;
    let proc = &mut table.procs[slot];
    if slot == INIT_SLOT || proc.is_kernel_thread {
        return Err(Errno::EPERM);
    }
    if proc.state == ProcState::Zombie {
        return Ok(());
    }
    mark_killed(proc);
    if proc.state == ProcState::Sleeping {
        proc.state = ProcState::Runnable;
        wake_idle_cpu();
    }
    Ok(())
}
// ANCHOR_END: kill

/// Kills every process in group `pgid` (Ctrl-C); init and kernel threads
/// are never in a group that can be killed this way.
pub fn kill_group(pgid: u32) {
    if pgid == 0 {
        return;
    }
    let mut table = PROCS.lock();
    for (slot, proc) in table.procs.iter_mut().enumerate() {
        let alive = !matches!(proc.state, ProcState::Unused | ProcState::Zombie);
        if alive && proc.pgid == pgid && slot != INIT_SLOT && !proc.is_kernel_thread {
            mark_killed(proc);
            proc.interrupted = true;
            if proc.state == ProcState::Sleeping {
                proc.state = ProcState::Runnable;
                wake_idle_cpu();
            }
        }
    }
}

// ANCHOR: killed
/// How many process slots have `killed` set, from `kill` until `wait`
/// frees the slot. Nearly always zero: then `killed()`, which every system
/// call runs on its way out, answers without taking `PROCS` (taking it
/// costs a third of a `getpid`). Changed only with `PROCS` held.
static KILLED_PROCS: AtomicUsize = AtomicUsize::new(0);

fn mark_killed(proc: &mut Proc) {
    if !proc.killed {
        proc.killed = true;
        KILLED_PROCS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Has the running process been killed? A kill that lands just after the
/// fast answer is seen at the next system call or timer interrupt, as one
/// that lands just after the lock is dropped would be; and every sleep
/// checks `killed` itself, under `PROCS`, so none is missed.
pub fn killed() -> bool {
    KILLED_PROCS.load(Ordering::Relaxed) != 0 && PROCS.lock().procs[me()].killed
}
// ANCHOR_END: killed
