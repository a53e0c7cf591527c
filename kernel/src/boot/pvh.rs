//! The PVH door: QEMU `-kernel kernel.elf` jumps here.
//!
//! QEMU finds our entry point in an ELF note (type 18, "Xen"), loads each
//! segment at its *physical* address (2 MiB and up, see `kernel.ld`) and
//! jumps to `pvh_start32` in 32-bit protected mode with paging off and `ebx`
//! holding the physical address of an `hvm_start_info` structure.
//!
//! A 64-bit kernel linked at -2 GiB cannot run like that, so the trampoline
//! below does the minimum to get there:
//!
//! 1. build temporary page tables that map the first 4 GiB three times:
//!    identity (so the next instruction still exists once paging is on),
//!    at the direct-map offset, and 1 GiB of it at -2 GiB (the kernel);
//! 2. turn on PAE, long mode (EFER.LME) and no-execute (EFER.NXE), then paging;
//! 3. load a 64-bit GDT and far-jump into 64-bit code;
//! 4. jump to the higher half, switch to the boot stack, call `pvh_main`.
//!
//! `pvh_main` turns `hvm_start_info` into a `BootInfo`. The kernel replaces
//! these page tables with its own in `mem::init`.

use super::{BootInfo, Door, MemoryRegion, RegionKind};
use core::arch::global_asm;

/// Where the PVH door puts the direct map: the same place Limine uses on a
/// 4-level machine, so both doors look alike.
pub const DIRECT_MAP_OFFSET: u64 = 0xffff_8000_0000_0000;

// ANCHOR: pvh_note
// The ELF note that tells QEMU where to enter (XEN_ELFNOTE_PHYS32_ENTRY = 18).
// Its value is a 32-bit *physical* address: the symbol minus the offset
// between virtual and physical addresses of the kernel image.
global_asm!(
    r#"
    .set KERNEL_VIRT_OFFSET, 0xffffffff80000000
    .pushsection .note.Xen, "a", @note
    .p2align 2
    .long 4                 /* name size: "Xen" and its NUL */
    .long 4                 /* descriptor size */
    .long 18                /* type: XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_start32 - KERNEL_VIRT_OFFSET
    .popsection
"#
);
// ANCHOR_END: pvh_note

global_asm!(
    r#"
    /* ANCHOR: tramp_entry */
    .pushsection .text.boot, "ax"
    .code32
    .global pvh_start32
pvh_start32:
    cli
    cld
    mov esi, ebx                         /* keep hvm_start_info's address */
    mov esp, offset boot_stack_top - KERNEL_VIRT_OFFSET

    /* Zero the seven page-table pages (boot_pml4 .. the fourth boot_pd). */
    mov edi, offset boot_pml4 - KERNEL_VIRT_OFFSET
    mov ecx, 7 * 4096 / 4
    xor eax, eax
    rep stosd
    /* ANCHOR_END: tramp_entry */

    /* ANCHOR: tramp_tables */
    /* PML4[0] (identity) and PML4[256] (direct map, 0xffff8000_00000000)
       share one PDPT; PML4[511] (the top 512 GiB) gets its own. */
    mov eax, offset boot_pdpt_low - KERNEL_VIRT_OFFSET
    or eax, 0x3                          /* present, writable */
    mov [boot_pml4 - KERNEL_VIRT_OFFSET], eax
    mov [boot_pml4 - KERNEL_VIRT_OFFSET + 256 * 8], eax
    mov eax, offset boot_pdpt_high - KERNEL_VIRT_OFFSET
    or eax, 0x3
    mov [boot_pml4 - KERNEL_VIRT_OFFSET + 511 * 8], eax

    /* The low PDPT points at four page directories: 4 GiB. */
    mov eax, offset boot_pd - KERNEL_VIRT_OFFSET
    or eax, 0x3
    mov [boot_pdpt_low - KERNEL_VIRT_OFFSET + 0 * 8], eax
    add eax, 4096
    mov [boot_pdpt_low - KERNEL_VIRT_OFFSET + 1 * 8], eax
    add eax, 4096
    mov [boot_pdpt_low - KERNEL_VIRT_OFFSET + 2 * 8], eax
    add eax, 4096
    mov [boot_pdpt_low - KERNEL_VIRT_OFFSET + 3 * 8], eax

    /* -2 GiB is entry 510 of the top PDPT: map the first 1 GiB there. */
    mov eax, offset boot_pd - KERNEL_VIRT_OFFSET
    or eax, 0x3
    mov [boot_pdpt_high - KERNEL_VIRT_OFFSET + 510 * 8], eax

    /* Fill the 2048 entries of the four directories with 2 MiB pages:
       entry i maps physical i * 2 MiB (flags: present, writable, huge). */
    mov edi, offset boot_pd - KERNEL_VIRT_OFFSET
    xor ecx, ecx
1:  mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [edi + ecx * 8], eax
    mov eax, ecx
    shr eax, 11                          /* bits 32+ of i * 2 MiB */
    mov [edi + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jb 1b
    /* ANCHOR_END: tramp_tables */

    /* ANCHOR: tramp_long_mode */
    /* Long mode: PAE on, CR3 = our PML4, EFER.LME and EFER.NXE, then paging
       (with write-protect, so ring 0 honours read-only pages too). */
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, offset boot_pml4 - KERNEL_VIRT_OFFSET
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11)
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)
    mov cr0, eax
    /* ANCHOR_END: tramp_long_mode */

    /* ANCHOR: tramp_far_return */
    /* We are in compatibility mode; a far return into a 64-bit code
       segment finishes the switch. */
    lgdt [boot_gdt_pointer - KERNEL_VIRT_OFFSET]
    mov eax, offset pvh_start64 - KERNEL_VIRT_OFFSET
    push 0x08                            /* new CS */
    push eax                             /* new EIP */
    retf
    /* ANCHOR_END: tramp_far_return */

    /* ANCHOR: tramp_64 */
    .code64
pvh_start64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    movabs rax, offset pvh_higher_half
    jmp rax
pvh_higher_half:
    lea rsp, [rip + boot_stack_top]
    mov edi, esi                         /* zero-extends: first argument */
    xor ebp, ebp                         /* ends the frame-pointer chain */
    call pvh_main
    ud2
    /* ANCHOR_END: tramp_64 */
    .popsection

    /* ANCHOR: boot_gdt */
    .pushsection .data.boot_gdt, "aw"
    .p2align 3
boot_gdt:
    .quad 0                              /* null */
    .quad 0x00af9a000000ffff             /* 0x08: 64-bit kernel code */
    .quad 0x00cf92000000ffff             /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt - KERNEL_VIRT_OFFSET
    .popsection
    /* ANCHOR_END: boot_gdt */

    /* ANCHOR: boot_page_tables */
    .pushsection .bss.boot_page_tables, "aw", @nobits
    .p2align 12
    .global boot_pml4                    /* the SMP trampoline uses it too */
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
    .popsection
    /* ANCHOR_END: boot_page_tables */
"#
);

/// `hvm_start_info` from Xen's `arch-x86/hvm/start_info.h` (version 1).
#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    module_count: u32,
    modules_phys: u64,
    cmdline_phys: u64,
    rsdp_phys: u64,
    memmap_phys: u64,
    memmap_entries: u32,
    _reserved: u32,
}

#[repr(C)]
struct ModuleEntry {
    phys: u64,
    size: u64,
    cmdline_phys: u64,
    _reserved: u64,
}

/// One E820-style entry of the PVH memory map.
#[repr(C)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    _reserved: u32,
}

const START_INFO_MAGIC: u32 = 0x336e_c578;

/// Reads a structure from physical memory through the trampoline's direct map.
///
/// # Safety
/// `phys` must be below 4 GiB (the trampoline maps no more) and hold a `T`.
unsafe fn read_phys<T>(phys: u64) -> &'static T {
    // SAFETY: the caller promises a `T` lives at `phys`; the trampoline mapped
    // the first 4 GiB at DIRECT_MAP_OFFSET, read-write.
    unsafe { &*((phys + DIRECT_MAP_OFFSET) as *const T) }
}

/// Reads a NUL-terminated string from physical memory.
///
/// # Safety
/// `phys` must be below 4 GiB and point to a NUL-terminated string.
unsafe fn read_phys_cstr(phys: u64) -> &'static [u8] {
    // SAFETY: as for `read_phys`; the caller promises the terminating NUL.
    unsafe { core::ffi::CStr::from_ptr((phys + DIRECT_MAP_OFFSET) as *const _).to_bytes() }
}

unsafe extern "C" {
    static __kernel_start: u8;
}

// ANCHOR: pvh_main
/// The 64-bit half of the PVH door: translate `hvm_start_info` into `BootInfo`.
#[unsafe(no_mangle)]
extern "C" fn pvh_main(start_info_phys: u64) -> ! {
    // SAFETY: QEMU passes the address of a start_info block in low memory.
    let start: &StartInfo = unsafe { read_phys(start_info_phys) };
    if start.magic != START_INFO_MAGIC {
        panic!("PVH: bad hvm_start_info magic {:#x}", start.magic);
    }
    if start.version < 1 || start.memmap_entries == 0 {
        panic!(
            "PVH: hvm_start_info has no memory map (version {})",
            start.version
        );
    }

    let mut info = BootInfo::new(Door::Pvh);
    info.direct_map_offset = DIRECT_MAP_OFFSET;
    let kernel_virt = &raw const __kernel_start as u64;
    info.kernel_phys_base = kernel_virt - crate::mem::KERNEL_VIRT_OFFSET;
    info.rsdp = (start.rsdp_phys != 0).then_some(start.rsdp_phys);

    for i in 0..start.memmap_entries as u64 {
        // SAFETY: QEMU's memory map is an array of `memmap_entries` entries.
        let e: &MemmapEntry = unsafe { read_phys(start.memmap_phys + i * 24) };
        let kind = match e.kind {
            1 => RegionKind::Usable,
            3 => RegionKind::AcpiReclaimable,
            4 => RegionKind::AcpiNvs,
            5 => RegionKind::Bad,
            _ => RegionKind::Reserved,
        };
        info.push_region(MemoryRegion {
            start: e.addr,
            len: e.size,
            kind,
        });
    }

    if start.module_count > 0 {
        // SAFETY: module 0 is QEMU's `-initrd`, described in low memory.
        let module: &ModuleEntry = unsafe { read_phys(start.modules_phys) };
        info.initrd = Some((module.phys, module.size));
    }
    if start.cmdline_phys != 0 {
        // SAFETY: QEMU's `-append` string, NUL-terminated, in low memory.
        info.set_cmdline(unsafe { read_phys_cstr(start.cmdline_phys) });
    }
    super::enter_kernel(info)
}
// ANCHOR_END: pvh_main
