//! The sampling profiler: where does the time go?
//!
//! While it is on, the PIT interrupts the first CPU about a thousand times
//! a second as a *non-maskable* interrupt (NMI), and the handler records
//! what it interrupted: the instruction pointer (RIP), the chain of return
//! addresses above it (by frame pointers, which kernel and user programs
//! are built with), whether it was user or kernel code, and which process.
//! A function that takes 30 % of the time is interrupted in about 30 % of
//! the samples: counting samples per function is the profile.
//!
//! Why an NMI and not the timer interrupt: much of the kernel runs with
//! interrupts off (every spinlock turns them off, and the network thread
//! polls the stack holding one). A timer interrupt would wait, and count
//! all that time at the instruction that turns interrupts back on. An NMI
//! cannot be held off, so it lands where the CPU really is.
//!
//! The price is that the handler may interrupt anything, even code holding
//! a lock it would need, or the two instructions between a `swapgs` and the
//! `iretq` after it (GS is then the user's): so it takes no lock, does not
//! use GS (`this_cpu`), and allocates nothing. It writes into a buffer
//! allocated once, at the first switch-on, and publishes each sample with
//! an atomic count (one writer: the first CPU's NMI handler, which cannot
//! nest). Which process runs is published for it by the scheduler
//! (`note_running`), as an index into the table of (pid, name) pairs seen.
//! Only the first CPU is sampled: `make profile` and the benchmarks run on
//! one.
//!
//! Off by default, and then it costs nothing: the PIT's line stays masked.
//! Switched on (and emptied) by the `profile` system call; read as text
//! from `/dev/profile` (`snapshot`). `user/src/bin/profile.rs` runs a
//! command under it, and `tools/profiler.py` turns the text into a flat
//! profile and a flame graph with the ELF files' symbols.
//!
//! Stack walks never trust what they read: a kernel chain must stay inside
//! the interrupted process's kernel stack, a user chain must stay on pages
//! that the process's page table maps for user access, and both stop after
//! `MAX_DEPTH` frames. Lock order: the profile lock is taken under `procs`
//! (by the scheduler); the NMI handler takes none.

use crate::arch::trap::TrapFrame;
use crate::sync::SpinLock;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use libsys::abi::PROC_NAME_LEN;

/// Samples per second.
pub const RATE_HZ: u64 = 1000;
/// Return addresses kept per sample (the innermost first).
const MAX_DEPTH: usize = 16;
/// Samples kept: about 16 s; later ones are counted, not kept.
const MAX_SAMPLES: usize = 16_384;
/// (pid, name) pairs kept: a name is all the host needs to find the ELF.
const MAX_PROCESSES: usize = 256;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Sample {
    /// Index in `PROCESSES` plus one; 0: no process (the scheduler).
    process: u32,
    user: bool,
    depth: u8,
    stack: [u64; MAX_DEPTH],
}

/// The sample buffer (`MAX_SAMPLES` entries), allocated at the first
/// switch-on and never freed: an NMI may still be writing when it is off.
static SAMPLES: AtomicPtr<Sample> = AtomicPtr::new(core::ptr::null_mut());
/// Samples published (entries below are complete and never rewritten
/// until the next switch-on).
static COUNT: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// What runs on the first CPU: an index in `PROCESSES` plus one, or 0.
static RUNNING: AtomicU32 = AtomicU32::new(0);
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Set at the first switch-on: from then on NMIs are the profiler's.
static ARMED: AtomicBool = AtomicBool::new(false);
/// Every (pid, name) that ran while profiling: a pid has a second entry
/// after `exec` gave it a new program.
static PROCESSES: SpinLock<Vec<(u32, [u8; PROC_NAME_LEN])>> = SpinLock::new("profile", Vec::new());

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Are NMIs the profiler's? (Otherwise an NMI is a hardware error.)
pub fn owns_nmi() -> bool {
    ARMED.load(Ordering::Relaxed)
}

// ANCHOR: switch
/// Switches sampling on (emptying the buffer) or off; returns whether it
/// was on. Memory is allocated here, never in the NMI handler.
pub fn switch(on: bool) -> Result<bool, libsys::Errno> {
    let first_cpu = crate::arch::cpu::all()[0].apic_id.load(Ordering::Relaxed);
    let was_on = ENABLED.swap(false, Ordering::SeqCst);
    crate::dev::ioapic::route_isa_nmi(0, first_cpu, false);
    if !on {
        return Ok(was_on);
    }
    {
        let mut processes = PROCESSES.lock();
        if SAMPLES.load(Ordering::Acquire).is_null() {
            let mut buffer = Vec::new();
            buffer
                .try_reserve_exact(MAX_SAMPLES)
                .map_err(|_| libsys::Errno::ENOMEM)?;
            SAMPLES.store(buffer.leak().as_mut_ptr(), Ordering::Release);
        }
        processes.clear();
        processes
            .try_reserve(MAX_PROCESSES)
            .map_err(|_| libsys::Errno::ENOMEM)?;
        COUNT.store(0, Ordering::SeqCst);
        DROPPED.store(0, Ordering::Relaxed);
    }
    ARMED.store(true, Ordering::SeqCst);
    ENABLED.store(true, Ordering::SeqCst);
    crate::dev::pit::start_periodic(RATE_HZ);
    crate::dev::ioapic::route_isa_nmi(0, first_cpu, true);
    Ok(was_on)
}
// ANCHOR_END: switch

/// The scheduler switches to (`Some`) or away from (`None`) a process on
/// this CPU. Called with `PROCS` held, so interrupts are off.
pub fn note_running(process: Option<(u32, [u8; PROC_NAME_LEN])>) {
    if !enabled() || crate::arch::cpu::this_cpu().id.get() != 0 {
        return;
    }
    let index = match process {
        None => 0,
        Some(entry) => {
            let mut processes = PROCESSES.lock();
            match processes.iter().position(|&p| p == entry) {
                Some(i) => i as u32 + 1,
                None if processes.len() < processes.capacity() => {
                    processes.push(entry);
                    processes.len() as u32
                }
                None => 0,
            }
        }
    };
    RUNNING.store(index, Ordering::Relaxed);
}

// ANCHOR: sample
/// The NMI handler: records what the first CPU was doing. No locks, no GS,
/// no allocation (see the module's comment).
pub fn on_nmi(frame: &TrapFrame) {
    let buffer = SAMPLES.load(Ordering::Acquire);
    let index = COUNT.load(Ordering::Acquire);
    if !enabled() || buffer.is_null() {
        return;
    }
    if index >= MAX_SAMPLES {
        DROPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let user = frame.came_from_user();
    let mut sample = Sample {
        process: RUNNING.load(Ordering::Relaxed),
        user,
        depth: 1,
        stack: [0; MAX_DEPTH],
    };
    sample.stack[0] = frame.rip;
    let depth = if user {
        walk(frame.rbp, &mut sample.stack[1..], |_| true, read_user)
    } else if let Some((bottom, top)) = crate::proc::kernel_stack_around(frame.rsp) {
        // Only the interrupted process's kernel stack holds its frames.
        let inside = |rbp: u64| rbp >= bottom && rbp + 16 <= top;
        walk(frame.rbp, &mut sample.stack[1..], inside, read_kernel)
    } else {
        0 // a CPU's scheduler stack: the leaf alone
    };
    sample.depth = 1 + depth as u8;
    // SAFETY: `index` < MAX_SAMPLES, the buffer's length; entries at and
    // above COUNT are read by nobody, and this handler is their only
    // writer (NMIs do not nest).
    unsafe { buffer.add(index).write(sample) };
    // Publishes the entry, unless a switch-on emptied the buffer meanwhile.
    let _ = COUNT.compare_exchange(index, index + 1, Ordering::Release, Ordering::Relaxed);
}
// ANCHOR_END: sample

/// Follows the frame-pointer chain from `rbp`: each frame holds the
/// caller's `rbp` and, above it, the return address. Stops at a frame
/// that `inside` refuses, that `read` cannot read, or that does not move
/// up the stack (a loop). Returns how many addresses it wrote.
fn walk(
    mut rbp: u64,
    out: &mut [u64],
    inside: impl Fn(u64) -> bool,
    read: fn(u64) -> Option<u64>,
) -> usize {
    let mut depth = 0;
    while depth < out.len() && rbp != 0 && rbp.is_multiple_of(8) && inside(rbp) {
        let (Some(saved_rbp), Some(return_address)) = (read(rbp), read(rbp + 8)) else {
            break;
        };
        if return_address == 0 {
            break;
        }
        out[depth] = return_address;
        depth += 1;
        if saved_rbp <= rbp {
            break;
        }
        rbp = saved_rbp;
    }
    depth
}

fn read_kernel(address: u64) -> Option<u64> {
    // SAFETY: `walk` only passes aligned addresses that `inside` placed in
    // a process's kernel stack, all of which are mapped from boot on.
    Some(unsafe { *(address as *const u64) })
}

fn read_user(address: u64) -> Option<u64> {
    crate::mem::page_table::peek_user_u64(address)
}

// ANCHOR: snapshot
/// The samples as text: `process INDEX PID NAME` for each process seen,
/// then one line per distinct stack, `COUNT INDEX k|u ADDRESS...` (hex,
/// innermost first), most frequent first. Index 0 is the scheduler (an
/// idle CPU).
pub fn snapshot() -> String {
    let processes = PROCESSES.lock(); // keeps `switch` from emptying the buffer
    let count = COUNT.load(Ordering::Acquire);
    let buffer = SAMPLES.load(Ordering::Acquire);
    let mut samples: Vec<Sample> = if buffer.is_null() {
        Vec::new()
    } else {
        // SAFETY: the first `count` entries are published and not
        // rewritten while we hold the lock that `switch` needs to empty.
        unsafe { core::slice::from_raw_parts(buffer, count) }.to_vec()
    };
    let mut text = String::new();
    let dropped = DROPPED.load(Ordering::Relaxed);
    let _ = writeln!(
        text,
        "# oxv6 profile: {count} samples ({dropped} dropped), {RATE_HZ} a second"
    );
    let _ = writeln!(text, "process 0 0 scheduler");
    for (index, (pid, name)) in processes.iter().enumerate() {
        let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        let name = core::str::from_utf8(&name[..len]).unwrap_or("?");
        let _ = writeln!(text, "process {} {pid} {name}", index + 1);
    }
    drop(processes);
    samples.sort_unstable();
    let mut stacks: Vec<(usize, Sample)> = Vec::new();
    for sample in samples {
        match stacks.last_mut() {
            Some((count, last)) if *last == sample => *count += 1,
            _ => stacks.push((1, sample)),
        }
    }
    stacks.sort_by_key(|&(count, _)| core::cmp::Reverse(count));
    for (count, sample) in stacks {
        let mode = if sample.user { 'u' } else { 'k' };
        let _ = write!(text, "{count} {} {mode}", sample.process);
        for address in &sample.stack[..sample.depth as usize] {
            let _ = write!(text, " {address:x}");
        }
        text.push('\n');
    }
    text
}
// ANCHOR_END: snapshot
