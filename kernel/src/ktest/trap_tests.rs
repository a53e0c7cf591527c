//! Tests of the trap path, per-CPU state, the timer and ACPI.

use super::TestResult;
use crate::arch::cpu;
use crate::arch::trap::BREAKPOINTS;
use crate::check;
use core::sync::atomic::Ordering;

pub fn breakpoint_returns() -> TestResult {
    let before = BREAKPOINTS.load(Ordering::Relaxed);
    // SAFETY: `int3` traps to our handler, which counts it and returns.
    unsafe { core::arch::asm!("int3") };
    check!(BREAKPOINTS.load(Ordering::Relaxed) == before + 1);
    Ok(())
}

/// Loads known values into registers, takes a trap, and checks that every
/// register came back: `trap_common` must save and restore all of them.
/// (`rbx` and `rbp` are left out: the compiler reserves them.)
pub fn registers_survive_interrupt() -> TestResult {
    let mut out = [0u64; 12];
    // SAFETY: int3 returns to the next instruction; every register we write
    // is declared as clobbered.
    unsafe {
        core::arch::asm!(
            "mov rax, 0x1000", "mov rcx, 0x1001", "mov rdx, 0x1002", "mov rsi, 0x1003",
            "mov r8, 0x1008", "mov r9, 0x1009", "mov r10, 0x100a", "mov r11, 0x100b",
            "mov r12, 0x100c", "mov r13, 0x100d", "mov r14, 0x100e", "mov r15, 0x100f",
            "int3",
            "mov [rdi], rax", "mov [rdi + 8], rcx", "mov [rdi + 16], rdx", "mov [rdi + 24], rsi",
            "mov [rdi + 32], r8", "mov [rdi + 40], r9", "mov [rdi + 48], r10", "mov [rdi + 56], r11",
            "mov [rdi + 64], r12", "mov [rdi + 72], r13", "mov [rdi + 80], r14", "mov [rdi + 88], r15",
            in("rdi") out.as_mut_ptr(),
            out("rax") _, out("rcx") _, out("rdx") _, out("rsi") _,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            out("r12") _, out("r13") _, out("r14") _, out("r15") _,
        );
    }
    let expected = [
        0x1000, 0x1001, 0x1002, 0x1003, 0x1008, 0x1009, 0x100a, 0x100b, 0x100c, 0x100d, 0x100e,
        0x100f,
    ];
    check!(out == expected, "registers changed: {out:x?}");
    Ok(())
}

pub fn push_off_nests() -> TestResult {
    use x86_64::instructions::interrupts::are_enabled;
    check!(are_enabled(), "tests run with interrupts on");
    cpu::push_off();
    cpu::push_off();
    check!(!are_enabled() && cpu::push_off_depth() == 2);
    cpu::pop_off();
    check!(!are_enabled(), "inner pop_off turned interrupts on");
    cpu::pop_off();
    check!(are_enabled(), "outer pop_off left interrupts off");
    Ok(())
}

pub fn timer_ticks() -> TestResult {
    let start = crate::time::ticks();
    // Sleep on `hlt`: only an interrupt wakes us, so the ticks must come
    // from the timer. 10 ticks is 100 ms at 100 Hz.
    let mut spins = 0u64;
    while crate::time::ticks() < start + 10 {
        x86_64::instructions::hlt();
        spins += 1;
        check!(
            spins < 100_000,
            "timer stuck at {} ticks",
            crate::time::ticks()
        );
    }
    Ok(())
}

pub fn acpi_found_cpu_and_ioapic() -> TestResult {
    let machine = crate::dev::acpi::machine();
    check!(machine.cpu_count >= 1);
    check!(machine.io_apic_count >= 1);
    check!(
        machine.cpu_apic_ids[..machine.cpu_count].contains(&crate::dev::lapic::id()),
        "our APIC ID is not in the MADT"
    );
    Ok(())
}

/// A kernel thread's first stack frame follows the System V ABI: after
/// `swtch`'s `ret` pops the entry address, rsp is 16-byte aligned for the
/// `call` in `kernel_thread_start` (which also checks it at run time).
pub fn kernel_thread_stack_is_aligned() -> TestResult {
    for top in [0xffff_ff80_0001_0000u64, 0xffff_ff80_0002_0000, 0x1000_0008] {
        let rsp = crate::proc::fork::kernel_thread_first_rsp(top);
        let at_call = rsp + 8; // after `ret`
        check!(
            at_call.is_multiple_of(16),
            "rsp {at_call:#x} at the call for stack top {top:#x}"
        );
        check!(at_call <= top, "the frame is above the stack's top");
    }
    Ok(())
}
