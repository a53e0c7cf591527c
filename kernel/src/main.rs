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
mod console;
mod dev;
mod fs;
mod ktest;
#[macro_use]
mod log;
mod mem;
mod netstack;
mod panic;
mod proc;
mod profile;
mod socket;
mod sync;
mod syscall;
mod time;
mod timer;
mod trace;

use boot::{BootInfo, RegionKind};

// ANCHOR: kmain
/// The kernel's main function, entered once, on the first CPU, from a door.
/// Not mangled, so that `break kmain` works in gdb.
#[unsafe(no_mangle)]
pub fn kmain(boot: &'static BootInfo) -> ! {
    // Per-CPU state first: every lock uses it (to turn interrupts off).
    time::mark_boot();
    arch::cpu::init_this_cpu();
    console::init();
    // The TSC's rate, before the first log line (whose timestamp uses it).
    time::init();
    let args = kcore::cmdline::parse(boot.cmdline());
    log::set_level(args.log_level);
    if args.trace {
        trace::enable();
    }
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
    // The network card first (see `netstack::probe`): its receiver then
    // warms up while the rest of the kernel boots.
    dev::pci::init();
    let mut card = netstack::probe();
    if let Some(card) = &mut card {
        card.set_offload(args.offload); // `offload=off` on the command line
    }

    dev::acpi::init(boot.rsdp);
    dev::pic::disable();
    dev::lapic::init(dev::acpi::machine().local_apic_phys);
    dev::ioapic::init();
    let bsp = dev::lapic::id();
    arch::cpu::this_cpu()
        .apic_id
        .store(bsp, core::sync::atomic::Ordering::Relaxed);
    dev::ioapic::route_isa_irq(dev::uart::IRQ, arch::trap::IRQ_BASE + dev::uart::IRQ, bsp);
    dev::lapic::start_timer();
    timer::start();
    info!(
        "interrupts: {} CPU(s) in the MADT, {} I/O APIC(s), timer at {} Hz ({} counts/tick), TSC {} MHz",
        dev::acpi::machine().cpu_count,
        dev::acpi::machine().io_apic_count,
        time::HZ,
        dev::lapic::counts_per_tick(),
        time::tsc_per_ms() / 1000
    );
    syscall::entry::init();
    proc::init();
    // The other CPUs idle in their schedulers until there is work.
    let cpus = arch::smp::start_other_cpus(boot.door);
    mem::frame::reclaim_bootloader_memory(boot);
    info!("smp: {} CPU(s) running", cpus);
    if let Some((phys, len)) = boot.initrd {
        fs::initrd::init(phys, len);
        fs::tree::init();
        // Counted as tools/mkinitrd.py counts them: files, then folders.
        let folders = fs::initrd::entries().filter(|e| e.is_dir).count();
        let files = fs::initrd::entries().count() - folders;
        info!(
            "initrd: {} KiB, {files} files in {folders} folders",
            len / 1024
        );
    }
    // The network needs the I/O APIC (for its interrupt); its thread
    // starts with init, below. The PCI listing comes after the
    // drivers have probed, so that it can say which driver took what.
    crate::netstack::init(card, args.ip, args.gateway, bsp);
    dev::pci::log_devices();
    x86_64::instructions::interrupts::enable();

    match args.mode {
        kcore::cmdline::Mode::Test(filter) => ktest::run(filter),
        kcore::cmdline::Mode::Fault(kind) => ktest::faults::trigger(kind),
        kcore::cmdline::Mode::Normal => {
            start_init(args.init, args.init_args);
            crate::netstack::start();
            proc::scheduler::scheduler()
        }
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

/// Loads the first user program from the initrd and makes it runnable.
fn start_init(path: &str, init_args: &str) {
    let Some(file) = fs::initrd::find(path) else {
        error!(
            "no {} in the initrd: boot with an initrd (make qemu does)",
            path
        );
        dev::qemu::exit(dev::qemu::FAILURE);
    };
    let mut args = alloc::vec![alloc::string::String::from(path)];
    args.extend(
        init_args
            .split_ascii_whitespace()
            .map(alloc::string::String::from),
    );
    match proc::exec::load(file, &args) {
        Ok(image) => {
            // Before init can run: with two CPUs it may start (and print)
            // on the other one at once.
            info!("starting {} {}", path, init_args);
            proc::fork::spawn_init("init", image)
        }
        Err(e) => {
            error!("cannot start {}: {}", path, e);
            dev::qemu::exit(dev::qemu::FAILURE);
        }
    }
}
