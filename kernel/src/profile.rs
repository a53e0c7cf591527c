//! The sampling profiler: where does the time go?
//!
//! While it is on, every CPU's timer also interrupts every `INTERVAL_NS`
//! (about a thousand times a second, see `crate::timer`), and the interrupt
//! records what it interrupted: the instruction pointer (RIP), the chain
//! of return addresses above it (by frame pointers, which kernel and user
//! programs are built with), whether it was user or kernel code, and which
//! process. A function that takes 30 % of the time is interrupted in about
//! 30 % of the samples: counting samples per function is the profile.
//!
//! Off by default, and then it costs the timer interrupt one relaxed
//! atomic load. Switched on (and emptied) by the `profile` system call;
//! read as text from `/dev/profile` (`snapshot`). `user/src/bin/profile.rs`
//! runs a command under it, and `tools/profiler.py` turns the text into a
//! flat profile and a flame graph with the ELF files' symbols.
//!
//! Stack walks never trust what they read: a kernel chain must stay inside
//! the interrupted process's kernel stack, a user chain must stay on pages
//! that the process's page table maps for user access, and both stop
//! after `MAX_DEPTH` frames. Lock order: the sample lock is a leaf (the
//! names are copied under `PROCS` first).

use crate::arch::trap::TrapFrame;
use crate::sync::SpinLock;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

/// Time between two samples on one CPU: a little under a millisecond, so
/// that sampling does not beat in step with the 10 ms tick.
pub const INTERVAL_NS: u64 = 997_000;
/// Return addresses kept per sample (the innermost first).
const MAX_DEPTH: usize = 16;
/// Samples kept: about 8 s of both CPUs; later ones are counted, not kept.
const MAX_SAMPLES: usize = 16_384;
/// (pid, name) pairs kept; samples of further processes are dropped (a
/// name is all the host needs to find the program's ELF file).
const MAX_PROCESSES: usize = 256;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Sample {
    /// Index in `Profile::processes`.
    process: u16,
    user: bool,
    depth: u8,
    stack: [u64; MAX_DEPTH],
}

struct Profile {
    samples: Vec<Sample>,
    /// Samples that did not fit.
    dropped: u64,
    /// Every (pid, name) seen, for the host's symbolizer: a pid has a
    /// second entry after `exec` gave it a new program.
    processes: Vec<(u32, [u8; libsys::abi::PROC_NAME_LEN])>,
}

static PROFILE: SpinLock<Profile> = SpinLock::new(
    "profile",
    Profile {
        samples: Vec::new(),
        dropped: 0,
        processes: Vec::new(),
    },
);
static ENABLED: AtomicBool = AtomicBool::new(false);

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

// ANCHOR: switch
/// Switches sampling on (emptying the buffer) or off; returns whether it
/// was on. The buffer is allocated here, never in the interrupt.
pub fn switch(on: bool) -> Result<bool, libsys::Errno> {
    if on {
        let mut samples = Vec::new();
        let mut processes = Vec::new();
        samples
            .try_reserve_exact(MAX_SAMPLES)
            .and_then(|_| processes.try_reserve_exact(MAX_PROCESSES))
            .map_err(|_| libsys::Errno::ENOMEM)?;
        let mut profile = PROFILE.lock();
        profile.samples = samples;
        profile.dropped = 0;
        profile.processes = processes;
    }
    Ok(ENABLED.swap(on, Ordering::SeqCst))
}
// ANCHOR_END: switch

// ANCHOR: sample
/// Records what the timer interrupted (from `timer::on_interrupt`).
pub fn sample(frame: &TrapFrame) {
    let slot = crate::proc::current_slot();
    let (pid, name) = match slot {
        Some(slot) => {
            let table = crate::proc::PROCS.lock();
            (table.procs[slot].pid, table.procs[slot].name)
        }
        None => (0, [0; libsys::abi::PROC_NAME_LEN]), // the scheduler, idle
    };
    let user = frame.came_from_user();
    let mut sample = Sample {
        process: 0,
        user,
        depth: 1,
        stack: [0; MAX_DEPTH],
    };
    sample.stack[0] = frame.rip;
    let depth = if user {
        walk(
            frame.rbp,
            &mut sample.stack[1..],
            |rbp| rbp < 0x0000_8000_0000_0000,
            read_user,
        )
    } else if let Some(slot) = slot {
        // Only the interrupted process's kernel stack holds its frames.
        let top = crate::proc::kernel_stack_top(slot);
        let bottom = top - crate::proc::KERNEL_STACK_SIZE;
        walk(
            frame.rbp,
            &mut sample.stack[1..],
            |rbp| rbp >= bottom && rbp + 16 <= top,
            read_kernel,
        )
    } else {
        0
    };
    sample.depth = 1 + depth as u8;
    let mut profile = PROFILE.lock();
    let known = profile.processes.iter().position(|&p| p == (pid, name));
    let process = match known {
        Some(index) => index,
        None if profile.processes.len() < profile.processes.capacity() => {
            profile.processes.push((pid, name));
            profile.processes.len() - 1
        }
        None => {
            profile.dropped += 1;
            return;
        }
    };
    sample.process = process as u16;
    if profile.samples.len() < profile.samples.capacity() {
        profile.samples.push(sample);
    } else {
        profile.dropped += 1;
    }
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
    // the current process's kernel stack, which is mapped while it runs.
    Some(unsafe { *(address as *const u64) })
}

fn read_user(address: u64) -> Option<u64> {
    crate::mem::page_table::peek_user_u64(address)
}

// ANCHOR: snapshot
/// The samples as text: `process INDEX PID NAME` for each process seen,
/// then one line per distinct stack, `COUNT INDEX k|u ADDRESS...` (hex,
/// innermost first), most frequent first. PID 0 is the scheduler (an idle
/// CPU).
pub fn snapshot() -> String {
    let (mut samples, dropped, processes) = {
        let profile = PROFILE.lock();
        (
            profile.samples.clone(),
            profile.dropped,
            profile.processes.clone(),
        )
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# oxv6 profile: {} samples ({dropped} dropped), every {} us per CPU",
        samples.len(),
        INTERVAL_NS / 1000
    );
    for (index, (pid, name)) in processes.iter().enumerate() {
        let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        let name = core::str::from_utf8(&name[..len]).unwrap_or("?");
        let name = if *pid == 0 { "scheduler" } else { name };
        let _ = writeln!(text, "process {index} {pid} {name}");
    }
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
