//! Boot: two doors into the kernel, one `BootInfo` out of them.
//!
//! A bootloader hands the kernel a description of the machine: where RAM is,
//! where the ACPI tables are, where the initrd was loaded, the command line.
//! We support two doors, and each translates what it was given into a
//! [`BootInfo`] before calling [`crate::kmain`]:
//!
//! - [`pvh`]: QEMU's `-kernel` loads our ELF and jumps to a 32-bit entry named
//!   in an ELF note. Fast, needs nothing but QEMU: the tests use it.
//! - [`limine`]: the Limine bootloader (BIOS or UEFI, from an ISO) reads our
//!   requests and enters us in 64-bit mode, already in the higher half.
//!
//! Invariant: nothing after `kmain` knows which door was used, except to print it.

pub mod limine;
pub mod pvh;
pub mod trampoline;

use spin::Once;

/// How many memory-map entries we keep. Firmware maps have a few dozen at most;
/// extra entries are dropped with a warning (`BootInfo::regions_dropped`).
pub const MAX_REGIONS: usize = 128;
/// Longest kernel command line we keep.
pub const MAX_CMDLINE: usize = 512;

/// What a stretch of physical memory is used for, as the bootloader said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// Free RAM.
    Usable,
    /// RAM the bootloader used for its own page tables and data; free once
    /// the kernel runs on its own page tables (see `mem::init`).
    BootloaderReclaimable,
    /// RAM holding the kernel image and the boot modules (initrd).
    KernelAndModules,
    AcpiReclaimable,
    AcpiNvs,
    Framebuffer,
    Reserved,
    Bad,
}

/// A stretch of physical memory `[start, start + len)`.
#[derive(Clone, Copy, Debug)]
pub struct MemoryRegion {
    pub start: u64,
    pub len: u64,
    pub kind: RegionKind,
}

impl MemoryRegion {
    pub const EMPTY: MemoryRegion = MemoryRegion {
        start: 0,
        len: 0,
        kind: RegionKind::Reserved,
    };

    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// Which door the kernel came in by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    Pvh,
    Limine,
}

// ANCHOR: boot_info
/// Everything the kernel needs to know from its bootloader. Filled once, by
/// the door, before `kmain`; read-only afterwards.
pub struct BootInfo {
    pub door: Door,
    pub regions: [MemoryRegion; MAX_REGIONS],
    pub region_count: usize,
    pub regions_dropped: usize,
    /// Virtual address = physical address + this, for all of RAM.
    pub direct_map_offset: u64,
    /// Where the kernel image starts in physical memory.
    pub kernel_phys_base: u64,
    /// Physical address of the ACPI RSDP, if the bootloader found it.
    pub rsdp: Option<u64>,
    /// Physical address and length of the initrd (boot module 0), if any.
    pub initrd: Option<(u64, u64)>,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
}
// ANCHOR_END: boot_info

impl BootInfo {
    pub const fn new(door: Door) -> BootInfo {
        BootInfo {
            door,
            regions: [MemoryRegion::EMPTY; MAX_REGIONS],
            region_count: 0,
            regions_dropped: 0,
            direct_map_offset: 0,
            kernel_phys_base: 0,
            rsdp: None,
            initrd: None,
            cmdline: [0; MAX_CMDLINE],
            cmdline_len: 0,
        }
    }

    pub fn regions(&self) -> &[MemoryRegion] {
        &self.regions[..self.region_count]
    }

    pub fn push_region(&mut self, region: MemoryRegion) {
        if region.len == 0 {
            return;
        }
        if self.region_count == MAX_REGIONS {
            self.regions_dropped += 1;
            return;
        }
        self.regions[self.region_count] = region;
        self.region_count += 1;
    }

    /// Copies the command line (truncated to `MAX_CMDLINE`, cut at a NUL).
    pub fn set_cmdline(&mut self, bytes: &[u8]) {
        let bytes = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
        let len = bytes.len().min(MAX_CMDLINE);
        self.cmdline[..len].copy_from_slice(&bytes[..len]);
        self.cmdline_len = len;
    }

    /// The kernel command line; invalid UTF-8 reads as empty.
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len]).unwrap_or("")
    }
}

// ANCHOR: enter_kernel
static BOOT_INFO: Once<BootInfo> = Once::new();

/// Stores the door's `BootInfo` and enters the kernel proper.
pub fn enter_kernel(info: BootInfo) -> ! {
    let info = BOOT_INFO.call_once(|| info);
    crate::kmain(info)
}

/// The `BootInfo`, once a door has filled it.
pub fn info() -> &'static BootInfo {
    BOOT_INFO
        .get()
        .expect("boot info read before a boot door filled it")
}
// ANCHOR_END: enter_kernel

// ANCHOR: boot_stack
// The stack both doors switch to before entering Rust, and that `kmain` (and
// later the first CPU's scheduler) runs on. The page below it is a guard:
// `mem::kernel_map` leaves it unmapped, so an overflow faults at once instead
// of silently overwriting whatever lies below.
core::arch::global_asm!(
    r#"
    .pushsection .bss.boot_stack, "aw", @nobits
    .p2align 12
    .global boot_stack_guard
boot_stack_guard:
    .skip 4096
    .global boot_stack_bottom
boot_stack_bottom:
    .skip 64 * 1024
    .global boot_stack_top
boot_stack_top:
    .popsection
"#
);
// ANCHOR_END: boot_stack
