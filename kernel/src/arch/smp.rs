//! Starting the other CPUs, and what each does first.
//!
//! The first CPU (the bootstrap processor, BSP) runs `kmain`. The others
//! (application processors, APs) wait: under Limine, parked by the
//! bootloader until we write their `goto_address`; under PVH, halted by
//! the firmware until an INIT-SIPI-SIPI sequence (`boot/trampoline.rs`).
//! Either way each arrives in 64-bit mode at `ap_entry64`, on a page table
//! and stack that are not ours, so `ap_entry64` takes the kernel's page
//! table and the stack the BSP chose for it, then calls `ap_main`.
//!
//! The BSP starts them one at a time, waiting for each to claim its `Cpu`
//! slot before waking the next: `AP_START` holds one CPU's stack, so two
//! CPUs must never read it at once. Which CPUs exist comes from the MADT.
//!
//! Each AP then sets up its own per-CPU state (GS, GDT and TSS, IDT,
//! local APIC and its timer, the `syscall` MSRs) and enters the scheduler,
//! like the BSP at the end of `kmain`.

use super::cpu::{self, MAX_CPUS, this_cpu};
use crate::boot::{Door, limine, trampoline};
use crate::dev::{acpi, lapic};
use core::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: ap_start
/// What the next AP takes on arrival: the kernel's page table and its
/// scheduler stack. Read by `ap_entry64` before it has a stack.
#[repr(C)]
struct ApStart {
    page_table: AtomicU64,
    stack_top: AtomicU64,
}

#[unsafe(no_mangle)]
static AP_START: ApStart = ApStart {
    page_table: AtomicU64::new(0),
    stack_top: AtomicU64::new(0),
};

core::arch::global_asm!(
    r#"
    .pushsection .text
    .global ap_entry64
ap_entry64:
    mov rax, [rip + AP_START]            /* AP_START.page_table */
    mov cr3, rax                         /* now the stack below is mapped */
    mov rsp, [rip + AP_START + 8]        /* AP_START.stack_top */
    xor ebp, ebp                         /* backtraces stop here */
    call ap_main
    ud2
    .popsection
"#
);
// ANCHOR_END: ap_start

// ANCHOR: start_other_cpus
/// Wakes every CPU the MADT lists, one at a time. Returns how many run.
pub fn start_other_cpus(door: Door) -> usize {
    let machine = acpi::machine();
    let me = lapic::id();
    for &apic_id in &machine.cpu_apic_ids[..machine.cpu_count] {
        let index = cpu::started();
        if apic_id == me {
            continue;
        }
        if index == MAX_CPUS {
            crate::warn!("smp: more than {MAX_CPUS} CPUs; the rest stay idle");
            break;
        }
        AP_START
            .page_table
            .store(crate::mem::kernel_map::kernel_root(), Ordering::SeqCst);
        AP_START
            .stack_top
            .store(crate::proc::cpu_stack_top(index), Ordering::SeqCst);
        let woken = match door {
            Door::Limine => limine::wake_cpu(apic_id),
            Door::Pvh => {
                trampoline::wake_with_sipi(apic_id);
                true
            }
        };
        if !woken {
            crate::warn!("smp: the bootloader did not start the CPU with APIC ID {apic_id}");
            continue;
        }
        // One second is generous: under TCG a CPU arrives in milliseconds.
        let deadline = crate::time::nanoseconds() + 1_000_000_000;
        while cpu::started() == index && crate::time::nanoseconds() < deadline {
            core::hint::spin_loop();
        }
        if cpu::started() == index {
            // It may still arrive and read AP_START: wake no more.
            crate::warn!("smp: the CPU with APIC ID {apic_id} did not start");
            break;
        }
    }
    cpu::started()
}
// ANCHOR_END: start_other_cpus

// ANCHOR: ap_main
/// An AP's first Rust code, on its own stack and the kernel's page table.
#[unsafe(no_mangle)]
extern "C" fn ap_main() -> ! {
    let id = cpu::init_this_cpu();
    super::gdt::init();
    super::idt::load();
    // The bootloader or the trampoline set these; say so ourselves.
    // SAFETY: NXE and WP only add protection checks, which the kernel's
    // page tables are written for (see `mem::kernel_map`).
    unsafe {
        use x86_64::registers::control::{Cr0, Cr0Flags};
        use x86_64::registers::model_specific::{Efer, EferFlags};
        Efer::update(|flags| *flags |= EferFlags::NO_EXECUTE_ENABLE);
        Cr0::update(|flags| *flags |= Cr0Flags::WRITE_PROTECT);
    }
    lapic::init(acpi::machine().local_apic_phys);
    this_cpu().apic_id.store(lapic::id(), Ordering::Relaxed);
    crate::syscall::entry::init();
    lapic::start_timer();
    crate::timer::start();
    crate::info!("cpu {id}: started (APIC ID {})", lapic::id());
    crate::proc::scheduler::scheduler()
}
// ANCHOR_END: ap_main
