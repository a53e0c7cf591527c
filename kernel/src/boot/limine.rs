//! The Limine door: the real bootloader, from a BIOS or UEFI ISO.
//!
//! Limine reads the *requests* below out of our ELF image before it jumps to
//! us, and writes a pointer to its *response* into each one. They must sit
//! between the start and end markers, in a section the linker keeps
//! (`kernel.ld`), and in writable memory, since Limine writes into them.
//!
//! We ask for base revision 3 (Limine 9 or newer). Under revision 3 the RSDP
//! response is a *physical* address, and only RAM is in the direct map
//! ("HHDM"); everything else the kernel maps itself.
//!
//! Limine enters `limine_entry` in 64-bit mode on its own page tables and
//! stack, with the kernel mapped where we linked it.

use super::{BootInfo, Door, MemoryRegion, RegionKind};
use core::arch::global_asm;
use limine::BaseRevision;
use limine::memory_map::EntryType;
use limine::request::{
    ExecutableAddressRequest, ExecutableCmdlineRequest, HhdmRequest, MemoryMapRequest,
    ModuleRequest, MpRequest, RequestsEndMarker, RequestsStartMarker, RsdpRequest,
};

// ANCHOR: requests
#[used]
#[unsafe(link_section = ".limine_requests_start")]
static REQUESTS_START: RequestsStartMarker = RequestsStartMarker::new();

#[used]
#[unsafe(link_section = ".limine_requests")]
static BASE_REVISION: BaseRevision = BaseRevision::with_revision(3);

#[used]
#[unsafe(link_section = ".limine_requests")]
static MEMORY_MAP: MemoryMapRequest = MemoryMapRequest::new();

#[used]
#[unsafe(link_section = ".limine_requests")]
static DIRECT_MAP: HhdmRequest = HhdmRequest::new();

#[used]
#[unsafe(link_section = ".limine_requests")]
static KERNEL_ADDRESS: ExecutableAddressRequest = ExecutableAddressRequest::new();

#[used]
#[unsafe(link_section = ".limine_requests")]
static RSDP: RsdpRequest = RsdpRequest::new();

#[used]
#[unsafe(link_section = ".limine_requests")]
static MODULES: ModuleRequest = ModuleRequest::new();

#[used]
#[unsafe(link_section = ".limine_requests")]
static CMDLINE: ExecutableCmdlineRequest = ExecutableCmdlineRequest::new();

/// Limine starts every other CPU itself and parks it, spinning on its
/// `goto_address`, until we write one (see `wake_cpu`).
#[used]
#[unsafe(link_section = ".limine_requests")]
static MP: MpRequest = MpRequest::new();

#[used]
#[unsafe(link_section = ".limine_requests_end")]
static REQUESTS_END: RequestsEndMarker = RequestsEndMarker::new();
// ANCHOR_END: requests

// ANCHOR: limine_entry
// Limine's stack is in bootloader-reclaimable memory, which we want back, so
// the first thing we do is move to the kernel's own boot stack (the same one
// the PVH door uses). The call pushes a return address, which gives
// `limine_main` the stack alignment the ABI expects.
global_asm!(
    r#"
    .pushsection .text.boot, "ax"
    .global limine_entry
limine_entry:
    lea rsp, [rip + boot_stack_top]
    xor ebp, ebp
    call limine_main
    ud2

    /* Where a parked CPU goes when we write its goto_address (rdi: its
       Limine `Cpu`, unused: what it needs is in smp::AP_START). */
    .global limine_ap_entry
limine_ap_entry:
    jmp ap_entry64
    .popsection
"#
);
// ANCHOR_END: limine_entry

fn region_kind(t: EntryType) -> RegionKind {
    match t {
        EntryType::USABLE => RegionKind::Usable,
        EntryType::BOOTLOADER_RECLAIMABLE => RegionKind::BootloaderReclaimable,
        EntryType::EXECUTABLE_AND_MODULES => RegionKind::KernelAndModules,
        EntryType::ACPI_RECLAIMABLE => RegionKind::AcpiReclaimable,
        EntryType::ACPI_NVS => RegionKind::AcpiNvs,
        EntryType::FRAMEBUFFER => RegionKind::Framebuffer,
        EntryType::BAD_MEMORY => RegionKind::Bad,
        _ => RegionKind::Reserved,
    }
}

// ANCHOR: limine_main
#[unsafe(no_mangle)]
extern "C" fn limine_main() -> ! {
    if !BASE_REVISION.is_supported() {
        panic!("Limine: base revision 3 not supported (Limine 9 or newer is needed)");
    }
    let mut info = BootInfo::new(Door::Limine);

    let Some(direct_map) = DIRECT_MAP.get_response() else {
        panic!("Limine: no HHDM response");
    };
    info.direct_map_offset = direct_map.offset();

    let Some(kernel) = KERNEL_ADDRESS.get_response() else {
        panic!("Limine: no executable address response");
    };
    info.kernel_phys_base = kernel.physical_base();

    let Some(memory_map) = MEMORY_MAP.get_response() else {
        panic!("Limine: no memory map response");
    };
    for entry in memory_map.entries() {
        info.push_region(MemoryRegion {
            start: entry.base,
            len: entry.length,
            kind: region_kind(entry.entry_type),
        });
    }

    // Revision 3 gives the RSDP's physical address.
    info.rsdp = RSDP.get_response().map(|r| r.address() as u64);

    if let Some(module) = MODULES.get_response().and_then(|m| m.modules().first()) {
        // Module addresses are virtual, in the direct map.
        let phys = module.addr() as u64 - info.direct_map_offset;
        info.initrd = Some((phys, module.size()));
    }
    if let Some(cmdline) = CMDLINE.get_response() {
        info.set_cmdline(cmdline.cmdline().to_bytes());
    }
    super::enter_kernel(info)
}
// ANCHOR_END: limine_main

// ANCHOR: limine_wake
unsafe extern "C" {
    fn limine_ap_entry(cpu: &limine::mp::Cpu) -> !;
}

/// Sends the parked CPU with local APIC `apic_id` to `smp::ap_entry64`.
/// Returns false if Limine did not start that CPU (no MP response, or no
/// such CPU in it). The response lives in bootloader-reclaimable memory,
/// which the kernel keeps until every CPU has left Limine's page tables.
pub fn wake_cpu(apic_id: u32) -> bool {
    let Some(mp) = MP.get_response() else {
        return false;
    };
    match mp.cpus().iter().find(|cpu| cpu.lapic_id == apic_id) {
        Some(cpu) => {
            cpu.goto_address.write(limine_ap_entry);
            true
        }
        None => false,
    }
}
// ANCHOR_END: limine_wake
