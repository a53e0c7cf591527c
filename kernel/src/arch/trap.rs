//! `trap()`: where every interrupt and exception lands, in Rust.
//!
//! The assembly entry (`trap_entry.rs`) has saved the interrupted state in a
//! [`TrapFrame`] on the current kernel stack. `trap` decides what the event
//! was and dispatches:
//!
//! - CPU exceptions (vectors 0-31) in user mode are the program's fault:
//!   that process is killed with a one-line report, and the system goes on;
//! - in kernel mode they are kernel bugs: print a report and stop the
//!   machine (a breakpoint, `int3`, is the exception: it is reported and
//!   execution continues);
//! - the local APIC timer (vector 32) advances the clock (and lets the
//!   network thread know when its timers are due);
//! - device interrupts (vectors 33-55, ISA/PCI IRQ n at 32 + n) go to their
//!   driver;
//! - another CPU's wake-up IPI (240) only needs its EOI: being taken is
//!   what stops this CPU's `hlt`;
//! - the APIC's spurious vector (255) is ignored, as the SDM says.
//!
//! It runs with interrupts off (all IDT gates are interrupt gates).

use crate::console::panic_print;
use core::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: trap_frame
/// The state of the interrupted code, as saved on the kernel stack.
/// Field order is the reverse of the push order in `trap_common`.
#[repr(C)]
#[derive(Clone, Debug, Default)]
pub struct TrapFrame {
    // Pushed by `trap_common`.
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    // Pushed by the vector stub.
    pub vector: u64,
    pub error_code: u64,
    // Pushed by the CPU.
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}
// ANCHOR_END: trap_frame

impl TrapFrame {
    /// Did the trap interrupt ring 3?
    pub fn came_from_user(&self) -> bool {
        self.cs & 3 == 3
    }
}

// ANCHOR: vectors
/// Vector of the local APIC timer.
pub const TIMER_VECTOR: u8 = 32;
/// The non-maskable interrupt (the profiler's, see `profile.rs`).
pub const NMI_VECTOR: u64 = 2;
/// Device interrupt `irq` arrives on vector `IRQ_BASE + irq`.
pub const IRQ_BASE: u8 = 32;
/// Another CPU's "wake up, there is work" IPI (`scheduler::wake_idle_cpu`).
pub const WAKE_VECTOR: u8 = 0xF0;
/// The APIC's spurious-interrupt vector.
pub const SPURIOUS_VECTOR: u8 = 0xFF;
// ANCHOR_END: vectors

/// Breakpoints (`int3`) taken so far; a test uses it.
pub static BREAKPOINTS: AtomicU64 = AtomicU64::new(0);

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error",
    "debug",
    "non-maskable interrupt",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved (15)",
    "x87 floating-point error",
    "alignment check",
    "machine check",
    "SIMD floating-point error",
    "virtualization exception",
    "control protection exception",
    "reserved (22)",
    "reserved (23)",
    "reserved (24)",
    "reserved (25)",
    "reserved (26)",
    "reserved (27)",
    "hypervisor injection",
    "VMM communication",
    "security exception",
    "reserved (31)",
];

pub fn exception_name(vector: u64) -> &'static str {
    EXCEPTION_NAMES
        .get(vector as usize)
        .copied()
        .unwrap_or("interrupt")
}

// ANCHOR: trap
#[unsafe(no_mangle)]
extern "C" fn trap(frame: &mut TrapFrame) {
    // The profiler's NMI comes first, before anything that uses GS: it may
    // arrive anywhere, even between a `swapgs` and the `iretq` after it.
    if frame.vector == NMI_VECTOR && crate::profile::owns_nmi() {
        crate::profile::on_nmi(frame);
        return;
    }
    let vector = frame.vector as u8;
    crate::trace::record(crate::trace::Kind::Trap, vector.into(), 0);
    match vector {
        0..=31 if frame.came_from_user() => user_fault(frame),
        3 => {
            BREAKPOINTS.fetch_add(1, Ordering::Relaxed);
            crate::debug!("breakpoint at {:#x}", frame.rip);
        }
        0..=31 => kernel_fault(frame),
        TIMER_VECTOR => {
            let tick = crate::timer::on_interrupt();
            crate::dev::lapic::end_of_interrupt();
            // Preemption: the running process's time slice (one tick) is
            // over, whether it was in user mode or in the kernel. (An
            // interrupt for a deadline only wakes the sleepers.)
            if tick {
                crate::proc::scheduler::timer_tick();
            }
        }
        // Its work is done: the CPU left `hlt` and will scan the table.
        WAKE_VECTOR => crate::dev::lapic::end_of_interrupt(),
        SPURIOUS_VECTOR => {} // no EOI for spurious interrupts (SDM 10.9)
        v if v == IRQ_BASE + crate::dev::uart::IRQ => {
            crate::console::on_interrupt();
            crate::dev::lapic::end_of_interrupt();
        }
        // The network card's line is whatever the firmware gave it.
        v if crate::dev::e1000::irq_vector() == Some(v) => {
            crate::netstack::on_interrupt();
            crate::dev::lapic::end_of_interrupt();
        }
        _ => {
            crate::warn!("unexpected interrupt on vector {}", vector);
            crate::dev::lapic::end_of_interrupt();
        }
    }
    // A process killed while it ran (or slept) exits on its way out.
    if frame.came_from_user() && crate::proc::lifecycle::killed() {
        crate::proc::lifecycle::exit(libsys::abi::STATUS_KILLED);
    }
}
// ANCHOR_END: trap

// ANCHOR: user_fault
/// An exception in user mode: the program's fault, not the kernel's. Say
/// what happened in one line and end that process; everything else runs on.
fn user_fault(frame: &TrapFrame) -> ! {
    report_user_fault(frame);
    // `exit` never returns, so nothing the kernel allocated may still be
    // alive in this frame: it would never be freed. The report's strings
    // are freed when `report_user_fault` returns (the leak checks in
    // `usertests` count the heap before and after killing processes).
    crate::proc::lifecycle::exit(libsys::abi::STATUS_FAULTED)
}

fn report_user_fault(frame: &TrapFrame) {
    let (pid, name) = crate::proc::describe_current();
    let detail = if frame.vector == 14 {
        let cr2 = x86_64::registers::control::Cr2::read_raw();
        alloc::format!(
            " at address {:#x} ({})",
            cr2,
            page_fault_cause(frame.error_code)
        )
    } else {
        alloc::string::String::new()
    };
    crate::println!(
        "pid {} ({}): {} at rip {:#x}{}: killed",
        pid,
        name,
        exception_name(frame.vector),
        frame.rip,
        detail
    );
}
// ANCHOR_END: user_fault

/// An exception in kernel mode: a kernel bug. Report it and stop.
fn kernel_fault(frame: &TrapFrame) -> ! {
    let f = frame;
    panic_print(format_args!(
        "\nKERNEL TRAP: {} (vector {}, error code {:#x}) in {} mode\n",
        exception_name(f.vector),
        f.vector,
        f.error_code,
        if f.came_from_user() { "user" } else { "kernel" },
    ));
    if f.vector == 14 {
        let cr2 = x86_64::registers::control::Cr2::read_raw();
        panic_print(format_args!(
            "  cr2={:#018x} ({})\n",
            cr2,
            page_fault_cause(f.error_code)
        ));
    }
    panic_print(format_args!(
        "  rip={:#018x} rsp={:#018x} rflags={:#x} cs={:#x} ss={:#x}\n",
        f.rip, f.rsp, f.rflags, f.cs, f.ss
    ));
    panic_print(format_args!(
        "  rax={:#018x} rbx={:#018x} rcx={:#018x} rdx={:#018x}\n",
        f.rax, f.rbx, f.rcx, f.rdx
    ));
    panic_print(format_args!(
        "  rsi={:#018x} rdi={:#018x} rbp={:#018x} r8 ={:#018x}\n",
        f.rsi, f.rdi, f.rbp, f.r8
    ));
    panic_print(format_args!(
        "  r9 ={:#018x} r10={:#018x} r11={:#018x} r12={:#018x}\n",
        f.r9, f.r10, f.r11, f.r12
    ));
    panic_print(format_args!(
        "  r13={:#018x} r14={:#018x} r15={:#018x}\n",
        f.r13, f.r14, f.r15
    ));
    panic_print(format_args!("  backtrace:\n    #0  {:#018x}\n", f.rip));
    super::backtrace::print(f.rbp, 1);
    crate::dev::qemu::exit(crate::dev::qemu::FAILURE)
}

/// Decodes a page-fault error code (SDM vol. 3, 4.7).
pub fn page_fault_cause(error: u64) -> &'static str {
    let present = error & 1 != 0;
    let write = error & 2 != 0;
    let fetch = error & 16 != 0;
    match (present, write, fetch) {
        (false, _, true) => "instruction fetch from an unmapped page",
        (true, _, true) => "instruction fetch from a no-execute page",
        (false, true, _) => "write to an unmapped page",
        (false, false, _) => "read from an unmapped page",
        (true, true, _) => "write to a read-only page",
        (true, false, _) => "read not permitted (protection violation)",
    }
}
