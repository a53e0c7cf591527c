//! The trace ring: a record of what the kernel did, for a timeline.
//!
//! Hooks in the scheduler, the system-call and trap paths and the network
//! driver call `record` with one event each: a process starts or stops
//! running on a CPU, a system call enters or returns, an interrupt
//! arrives, a frame is received or sent, a sleeper is woken. Each CPU
//! writes into a ring of its own (`RING_EVENTS` entries; the oldest are
//! overwritten), so CPUs never wait for each other to record; the lock on
//! each ring is only ever contended by a reader.
//!
//! Off by default, and then a hook costs one relaxed atomic load.
//! Switched on by `trace` on the kernel command line, or at run time by
//! the first open of `/dev/trace` (the httpd's `/sched` page opens it).
//!
//! Reading: opening `/dev/trace` gives a snapshot of every ring as text,
//! one event a line, oldest first (`snapshot`); with `trace` on the
//! command line, the kernel also prints it when it powers off (`dump`),
//! for `tools/timeline.py` to draw. Lock order: the ring lock is a leaf.

use crate::arch::cpu::{MAX_CPUS, this_cpu};
use crate::sync::SpinLock;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

// ANCHOR: event
/// What happened. `a` and `b` depend on the kind (see `NAMES`).
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// The scheduler switched to a process: a = slot, b = pid.
    Run,
    /// The process gave the CPU back: a = slot, b = pid.
    Stop,
    /// A system call began: a = slot, b = number.
    Syscall,
    /// It returned: a = slot, b = number.
    Sysret,
    /// A trap (interrupt or exception) arrived: a = vector.
    Trap,
    /// A frame received / sent by the network card: a = bytes.
    PacketIn,
    PacketOut,
    /// A sleeping process was made runnable: a = slot, b = pid.
    Wakeup,
}

/// The name of each kind in the text format, in `Kind` order.
const NAMES: [&str; 8] = [
    "run", "stop", "syscall", "sysret", "trap", "rx", "tx", "wakeup",
];

#[derive(Clone, Copy)]
struct Event {
    /// Microseconds since boot (from the TSC).
    time_us: u64,
    kind: Kind,
    a: u32,
    b: u32,
}
// ANCHOR_END: event

/// Events kept per CPU: about a second of a busy system.
const RING_EVENTS: usize = 2048;

struct Ring {
    events: [Event; RING_EVENTS],
    /// Where the next event goes.
    next: usize,
    /// Events recorded so far (the ring holds the last RING_EVENTS).
    total: u64,
}

const EMPTY: Event = Event {
    time_us: 0,
    kind: Kind::Run,
    a: 0,
    b: 0,
};

static RINGS: [SpinLock<Ring>; MAX_CPUS] = [const {
    SpinLock::new(
        "trace_ring",
        Ring {
            events: [EMPTY; RING_EVENTS],
            next: 0,
            total: 0,
        },
    )
}; MAX_CPUS];

static ENABLED: AtomicBool = AtomicBool::new(false);

// ANCHOR: record
/// Records one event on this CPU's ring, if tracing is on.
#[inline]
pub fn record(kind: Kind, a: u32, b: u32) {
    if ENABLED.load(Ordering::Relaxed) {
        record_now(kind, a, b);
    }
}

fn record_now(kind: Kind, a: u32, b: u32) {
    // Interrupts off first: we stay on this CPU from reading the clock to
    // writing its ring, so each ring is in time order.
    crate::arch::cpu::push_off();
    let time_us = crate::time::nanoseconds() / 1000;
    let cpu = this_cpu().id.get();
    {
        let mut ring = RINGS[cpu].lock();
        let next = ring.next;
        ring.events[next] = Event {
            time_us,
            kind,
            a,
            b,
        };
        ring.next = (next + 1) % RING_EVENTS;
        ring.total += 1;
    }
    crate::arch::cpu::pop_off();
}
// ANCHOR_END: record

/// A system call's two events, as one value: `Syscall` now, `Sysret` when
/// it is dropped (so the dispatcher's hook is a single line).
pub struct SyscallSpan {
    slot: u32,
    number: u32,
}

/// `None` when tracing is off: then a system call pays one load for it.
pub fn syscall(number: u64) -> Option<SyscallSpan> {
    if !enabled() {
        return None;
    }
    let slot = crate::proc::current_slot().map_or(u32::MAX, |s| s as u32);
    let number = number as u32;
    record(Kind::Syscall, slot, number);
    Some(SyscallSpan { slot, number })
}

impl Drop for SyscallSpan {
    fn drop(&mut self) {
        record(Kind::Sysret, self.slot, self.number);
    }
}

pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Opening `/dev/trace`: switches tracing on (a reader wants events from
/// now on) and returns what the rings hold so far.
pub fn open() -> String {
    enable();
    snapshot()
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Every ring as text: a header (`now`, the live processes' names), then
/// one line per event, `TIME_US CPU KIND A B`, oldest first per CPU.
pub fn snapshot() -> String {
    let mut text = String::new();
    let now = crate::time::nanoseconds() / 1000;
    let _ = writeln!(text, "# oxv6 trace: time_us cpu event a b");
    let _ = writeln!(text, "now {now}");
    for (slot, pid, name) in process_names() {
        let _ = writeln!(text, "name {slot} {pid} {name}");
    }
    for (cpu, ring) in RINGS.iter().enumerate().take(crate::arch::cpu::started()) {
        // Copy under the lock (to the heap: a ring is bigger than a kernel
        // stack), format after releasing it.
        let events: Vec<Event> = {
            let ring = ring.lock();
            let kept = (ring.total as usize).min(RING_EVENTS);
            (0..kept)
                .map(|i| ring.events[(ring.next + RING_EVENTS - kept + i) % RING_EVENTS])
                .collect()
        };
        for event in events {
            let name = NAMES[event.kind as usize];
            let _ = writeln!(
                text,
                "{} {cpu} {name} {} {}",
                event.time_us, event.a, event.b
            );
        }
    }
    text
}

/// (slot, pid, name) of every live process, for the timeline's lanes.
fn process_names() -> Vec<(usize, u32, String)> {
    let table = crate::proc::PROCS.lock();
    table
        .procs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.state != libsys::abi::ProcState::Unused)
        .map(|(slot, p)| {
            // Kernel threads in brackets, as `ps` and the web pages show them.
            let name = if p.is_kernel_thread {
                alloc::format!("[{}]", p.name())
            } else {
                p.name().to_string()
            };
            (slot, p.pid, name)
        })
        .collect()
}

/// Prints the snapshot on the console between `trace: begin` and
/// `trace: end` lines: with `trace` on the command line, the kernel does
/// this as it powers off, and `tools/timeline.py` reads it from the log.
pub fn dump() {
    if !enabled() {
        return;
    }
    crate::println!("trace: begin");
    for line in snapshot().lines() {
        crate::println!("{line}");
    }
    crate::println!("trace: end");
}
