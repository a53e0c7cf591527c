//! The GDT and TSS, one of each per CPU.
//!
//! In 64-bit mode segments no longer segment, but the CPU still needs:
//! - code and data *selectors* whose privilege level says ring 0 or ring 3;
//! - a TSS, which holds the stack the CPU switches to when an interrupt
//!   arrives in ring 3 (`rsp0`), and the IST stacks: known-good stacks for
//!   the double fault and the NMI, which may strike when the current stack
//!   is the problem.
//!
//! The order of the entries is fixed by `syscall`/`sysret`, which compute
//! selectors from the STAR MSR: kernel data must follow kernel code, and user
//! code must follow user data.

use super::cpu::MAX_CPUS;
use core::cell::UnsafeCell;
use x86_64::PrivilegeLevel::{Ring0, Ring3};
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::registers::segmentation::SegmentSelector;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable};
use x86_64::structures::tss::TaskStateSegment;

// ANCHOR: selectors
pub const KERNEL_CODE: SegmentSelector = SegmentSelector::new(1, Ring0); // 0x08
pub const KERNEL_DATA: SegmentSelector = SegmentSelector::new(2, Ring0); // 0x10
pub const USER_DATA: SegmentSelector = SegmentSelector::new(3, Ring3); // 0x1b
pub const USER_CODE: SegmentSelector = SegmentSelector::new(4, Ring3); // 0x23
pub const TSS: SegmentSelector = SegmentSelector::new(5, Ring0); // 0x28 (two slots)
// ANCHOR_END: selectors

/// IST slots (1-based in the IDT, 0-based in the TSS array).
pub const DOUBLE_FAULT_IST: u16 = 1;
pub const NMI_IST: u16 = 2;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack([u8; IST_STACK_SIZE]);

struct PerCpu {
    gdt: GlobalDescriptorTable<8>,
    tss: TaskStateSegment,
}

/// Each CPU's two IST stacks. A static of its own, all zeros, so that it
/// lands in .bss and costs nothing in the kernel image.
struct IstStacks(UnsafeCell<[[Stack; 2]; MAX_CPUS]>);

// SAFETY: each CPU uses only its own pair, and only as a stack (the CPU
// writes it on a double fault or NMI; Rust code never touches it).
unsafe impl Sync for IstStacks {}

static IST_STACKS: IstStacks = IstStacks(UnsafeCell::new(
    [const { [const { Stack([0; IST_STACK_SIZE]) }; 2] }; MAX_CPUS],
));

struct Tables(UnsafeCell<[PerCpu; MAX_CPUS]>);

// SAFETY: each CPU only touches its own `PerCpu` entry (indexed by its id),
// and only with interrupts off: in `init` and in `set_kernel_stack`.
unsafe impl Sync for Tables {}

static TABLES: Tables = Tables(UnsafeCell::new(
    [const {
        PerCpu {
            gdt: GlobalDescriptorTable::empty(),
            tss: TaskStateSegment::new(),
        }
    }; MAX_CPUS],
));

fn this_cpu_tables() -> &'static mut PerCpu {
    let id = super::cpu::this_cpu().id.get();
    // SAFETY: see `Tables`: only this CPU uses entry `id`.
    unsafe { &mut (*TABLES.0.get())[id] }
}

fn stack_top(stack: &Stack) -> VirtAddr {
    VirtAddr::from_ptr(stack.0.as_ptr_range().end)
}

/// Builds and loads this CPU's GDT and TSS, and reloads the segment registers.
pub fn init() {
    let tables = this_cpu_tables();
    let id = super::cpu::this_cpu().id.get();
    // SAFETY: see `IstStacks`; we only take the addresses of our own pair.
    let [double_fault_stack, nmi_stack] = unsafe { &(*IST_STACKS.0.get())[id] };
    tables.tss.interrupt_stack_table[(DOUBLE_FAULT_IST - 1) as usize] =
        stack_top(double_fault_stack);
    tables.tss.interrupt_stack_table[(NMI_IST - 1) as usize] = stack_top(nmi_stack);

    let gdt = &mut tables.gdt;
    *gdt = GlobalDescriptorTable::empty();
    assert_eq!(gdt.append(Descriptor::kernel_code_segment()), KERNEL_CODE);
    assert_eq!(gdt.append(Descriptor::kernel_data_segment()), KERNEL_DATA);
    assert_eq!(gdt.append(Descriptor::user_data_segment()), USER_DATA);
    assert_eq!(gdt.append(Descriptor::user_code_segment()), USER_CODE);
    // SAFETY: the TSS is in a static, so it lives as long as the GDT uses it.
    let tss_descriptor = unsafe { Descriptor::tss_segment_unchecked(&tables.tss) };
    assert_eq!(gdt.append(tss_descriptor), TSS);

    // SAFETY: the GDT is static and valid; the selectors were just checked
    // against it. FS and GS are left alone: loading a selector into GS would
    // clear the GS base that points at our `Cpu`.
    unsafe {
        gdt.load_unsafe();
        CS::set_reg(KERNEL_CODE);
        SS::set_reg(KERNEL_DATA);
        DS::set_reg(KERNEL_DATA);
        ES::set_reg(KERNEL_DATA);
        load_tss(TSS);
    }
}

/// Sets the stack the CPU switches to when an interrupt or exception arrives
/// while user code runs: the running process's kernel stack.
pub fn set_kernel_stack(top: u64) {
    this_cpu_tables().tss.privilege_stack_table[0] = VirtAddr::new(top);
}
