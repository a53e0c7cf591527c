//! oxv6: a teaching kernel in the spirit of xv6, in Rust, for x86-64.
//!
//! Start reading here. A boot door (`boot/`) fills in a `BootInfo` and calls
//! `kmain`, which brings the machine up one subsystem at a time, in an order
//! where each step only needs the ones before it.
#![no_std]
#![no_main]

extern crate alloc;

mod arch;
mod boot;
mod cmdline;
mod console;
mod dev;
mod ktest;
#[macro_use]
mod log;
mod mem;
mod panic;
mod sync;
mod time;

use boot::{BootInfo, RegionKind};

// ANCHOR: kmain
/// The kernel's main function, entered once, on the first CPU, from a door.
/// Not mangled, so that `break kmain` works in gdb.
#[unsafe(no_mangle)]
pub fn kmain(boot: &'static BootInfo) -> ! {
    // Per-CPU state first: every lock uses it (to turn interrupts off).
    arch::cpu::init_this_cpu();
    console::init();
    let args = cmdline::parse(boot.cmdline());
    log::set_level(args.log_level);
    println!();
    println!(
        "oxv6 booting (door: {:?}, command line: \"{}\")",
        boot.door,
        boot.cmdline()
    );

    arch::gdt::init();
    arch::idt::init();
    arch::idt::load();

    mem::init(boot);
    print_memory(boot);

    dev::acpi::init(boot.rsdp);
    dev::pic::disable();
    dev::lapic::init(dev::acpi::machine().local_apic_phys);
    dev::ioapic::init();
    let bsp = dev::lapic::id();
    arch::cpu::this_cpu().apic_id.set(bsp);
    dev::ioapic::route_isa_irq(dev::uart::IRQ, arch::trap::IRQ_BASE + dev::uart::IRQ, bsp);
    dev::lapic::start_timer();
    info!(
        "interrupts: {} CPU(s) in the MADT, {} I/O APIC(s), timer at {} Hz ({} counts/tick)",
        dev::acpi::machine().cpu_count,
        dev::acpi::machine().io_apic_count,
        time::HZ,
        dev::lapic::counts_per_tick()
    );
    x86_64::instructions::interrupts::enable();

    match args.mode {
        cmdline::Mode::Test(filter) => ktest::run(filter),
        cmdline::Mode::Fault(kind) => ktest::faults::trigger(kind),
        cmdline::Mode::Normal => idle_with_heartbeat(),
    }
}
// ANCHOR_END: kmain

/// The boot log's memory summary.
fn print_memory(boot: &BootInfo) {
    let usable: u64 = boot
        .regions()
        .iter()
        .filter(|r| r.kind == RegionKind::Usable)
        .map(|r| r.len)
        .sum();
    info!(
        "memory map: {} regions, {} MiB usable",
        boot.region_count,
        usable >> 20
    );
    for region in boot.regions() {
        debug!(
            "  {:#014x}-{:#014x} {:?}",
            region.start,
            region.end(),
            region.kind
        );
    }
    let heap = mem::heap::stats();
    info!(
        "memory: {} frames free of {} ({} MiB), heap {} MiB",
        mem::frame::free_count(),
        mem::frame::total_count(),
        (mem::frame::free_count() as u64 * mem::PAGE_SIZE) >> 20,
        heap.total >> 20
    );
}

/// With nothing else to run yet, show that time passes: one line a second.
fn idle_with_heartbeat() -> ! {
    println!("oxv6: up. The timer ticks below; type and your keys echo. Quit QEMU with Ctrl-A X.");
    let mut last_second = 0;
    loop {
        x86_64::instructions::hlt();
        let seconds = time::uptime_ms() / 1000;
        if seconds != last_second {
            last_second = seconds;
            println!("uptime: {} ticks, {} ms", time::ticks(), time::uptime_ms());
        }
    }
}
