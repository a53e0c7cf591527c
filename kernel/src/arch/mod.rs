//! x86-64 specifics: per-CPU state, segments, the trap path.
pub mod backtrace;
pub mod cpu;
pub mod gdt;
pub mod idt;
pub mod smp;
pub mod trap;
pub mod trap_entry;

/// Stops this CPU for good (interrupts off, `hlt` in a loop).
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
