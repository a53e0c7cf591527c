//! The local APIC: each CPU's own interrupt controller, and its timer.
//!
//! Every CPU has one. It accepts interrupts (from the I/O APIC, from other
//! CPUs, from its own timer), presents them to the CPU by vector number, and
//! must be told when the handler is done (end of interrupt, EOI) before it
//! delivers another of equal or lower priority.
//!
//! Its timer counts down from an initial value at a rate nobody tells us, so
//! we measure it once against the PIT. It then runs in one-shot mode: each
//! interrupt is programmed for the next thing due on this CPU, a scheduler
//! tick or a sleeper's deadline, whichever comes first (`crate::timer`).

use super::mmio::Mmio;
use crate::arch::trap::{SPURIOUS_VECTOR, TIMER_VECTOR};
use crate::time::{HZ, NS_PER_TICK};
use core::sync::atomic::{AtomicU32, Ordering};
use spin::Once;

// Register offsets (Intel SDM vol. 3, table 11-1).
const ID: u64 = 0x20;
const TASK_PRIORITY: u64 = 0x80;
const EOI: u64 = 0xB0;
const SPURIOUS: u64 = 0xF0;
const LVT_TIMER: u64 = 0x320;
const LVT_LINT0: u64 = 0x350;
const LVT_ERROR: u64 = 0x370;
const TIMER_INITIAL: u64 = 0x380;
const TIMER_CURRENT: u64 = 0x390;
const TIMER_DIVIDE: u64 = 0x3E0;
const ICR_LOW: u64 = 0x300;
const ICR_HIGH: u64 = 0x310;

const ENABLE: u32 = 1 << 8;
const MASKED: u32 = 1 << 16;
const DIVIDE_BY_16: u32 = 0b0011;
// Interrupt command register (SDM vol. 3, 11.6.1).
const ICR_INIT: u32 = 0b101 << 8;
const ICR_STARTUP: u32 = 0b110 << 8;
const ICR_LEVEL_ASSERT: u32 = 1 << 14;
const ICR_LEVEL_TRIGGER: u32 = 1 << 15;
const ICR_SEND_PENDING: u32 = 1 << 12;

static REGISTERS: Once<Mmio> = Once::new();
/// Timer counts per tick, measured by the first CPU.
static COUNTS_PER_TICK: AtomicU32 = AtomicU32::new(0);

fn registers() -> &'static Mmio {
    REGISTERS.get().expect("local APIC used before lapic::init")
}

// ANCHOR: lapic_init
/// Enables this CPU's local APIC. `phys` is the register block from ACPI.
pub fn init(phys: u64) {
    let apic = REGISTERS.call_once(|| Mmio::map(phys, 4096));
    apic.write(SPURIOUS, ENABLE | SPURIOUS_VECTOR as u32);
    apic.write(LVT_LINT0, MASKED); // the 8259 PIC's line: we don't use it
    apic.write(LVT_ERROR, MASKED);
    apic.write(TASK_PRIORITY, 0); // accept every priority
}

/// This CPU's APIC ID.
pub fn id() -> u32 {
    registers().read(ID) >> 24
}

/// Tells the local APIC the current interrupt has been handled.
pub fn end_of_interrupt() {
    registers().write(EOI, 0);
}
// ANCHOR_END: lapic_init

// ANCHOR: timer
/// Measures the timer against the PIT (first CPU only) and puts it in
/// one-shot mode; `crate::timer::start` arms the first interrupt.
pub fn start_timer() {
    let apic = registers();
    apic.write(TIMER_DIVIDE, DIVIDE_BY_16);
    if COUNTS_PER_TICK.load(Ordering::Relaxed) == 0 {
        // Let the timer run free and compare it with the TSC (measured
        // against the PIT already, `time::init`), each end read as a pair
        // of clocks taken back to back, so that a pause of the (virtual)
        // CPU in between changes both alike.
        apic.write(LVT_TIMER, MASKED);
        apic.write(TIMER_INITIAL, u32::MAX);
        let (start, tsc0) = crate::time::clock_pair(|| apic.read(TIMER_CURRENT));
        let tsc_per_ms = crate::time::tsc_per_ms();
        while crate::time::tsc() - tsc0 < 20 * tsc_per_ms {
            core::hint::spin_loop();
        }
        let (end, tsc1) = crate::time::clock_pair(|| apic.read(TIMER_CURRENT));
        let counts = u128::from(start.saturating_sub(end));
        let elapsed = u128::from((tsc1 - tsc0).max(1));
        let per_tick = counts * u128::from(tsc_per_ms) * 1000 / elapsed / u128::from(HZ);
        COUNTS_PER_TICK.store(
            per_tick.clamp(1, u32::MAX as u128) as u32,
            Ordering::Relaxed,
        );
    }
    // One-shot (the mode bits 17-18 are 0): the timer counts down once from
    // what `arm_timer` writes, interrupts, and stops.
    apic.write(LVT_TIMER, TIMER_VECTOR as u32);
}

/// Makes this CPU's timer interrupt once, `ns` nanoseconds from now (at
/// least one count: writing 0 would stop the timer instead). Writing the
/// initial count restarts the countdown, so this also replaces whatever
/// was armed before.
pub fn arm_timer(ns: u64) {
    let per_tick = COUNTS_PER_TICK.load(Ordering::Relaxed) as u128;
    let counts = (ns as u128 * per_tick / NS_PER_TICK as u128).clamp(1, u32::MAX as u128);
    registers().write(TIMER_INITIAL, counts as u32);
}
// ANCHOR_END: timer

/// Timer counts per tick (bus clock / 16 / HZ), for the boot log.
pub fn counts_per_tick() -> u32 {
    COUNTS_PER_TICK.load(Ordering::Relaxed)
}

// ANCHOR: ipi
/// Sends an interrupt on `vector` to the CPU whose local APIC is `apic_id`
/// (an inter-processor interrupt, IPI).
pub fn send_ipi(apic_id: u32, vector: u8) {
    send_command(apic_id, vector as u32);
}

/// Writes the interrupt command register: the destination goes in the
/// high half, and writing the low half sends. Waits until the local APIC
/// has taken the command, so that two commands never overlap.
fn send_command(apic_id: u32, command: u32) {
    crate::arch::cpu::push_off(); // the two writes must not be split
    let apic = registers();
    apic.write(ICR_HIGH, apic_id << 24);
    apic.write(ICR_LOW, command);
    while apic.read(ICR_LOW) & ICR_SEND_PENDING != 0 {
        core::hint::spin_loop();
    }
    crate::arch::cpu::pop_off();
}

/// The universal start-up sequence (SDM vol. 3, 8.4.4.1): INIT resets the
/// CPU into a state where it waits for a start-up IPI (SIPI); each SIPI
/// makes it start in real mode at `page_phys` (below 1 MiB, 4 KiB-aligned:
/// the vector is the page number). The second SIPI is for CPUs that missed
/// the first; a CPU already running ignores it.
pub fn start_cpu(apic_id: u32, page_phys: u64) {
    assert!(page_phys < 0x10_0000 && page_phys.is_multiple_of(4096));
    send_command(apic_id, ICR_INIT | ICR_LEVEL_TRIGGER | ICR_LEVEL_ASSERT);
    crate::time::delay_us(200);
    send_command(apic_id, ICR_INIT | ICR_LEVEL_TRIGGER);
    crate::time::delay_us(10_000);
    for _ in 0..2 {
        send_command(apic_id, ICR_STARTUP | (page_phys >> 12) as u32);
        crate::time::delay_us(200);
    }
}
// ANCHOR_END: ipi
