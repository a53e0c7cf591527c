//! A user program that faults is killed, alone: the kernel prints one line
//! and carries on, and the parent sees STATUS_FAULTED.

use crate::{TestResult, check, in_child};
use libsys::abi::STATUS_FAULTED;

// ANCHOR: expect_fault
fn expect_fault(body: fn() -> i32) -> TestResult {
    let status = in_child(body)?;
    check!(
        status == STATUS_FAULTED,
        "status {status}, expected {STATUS_FAULTED}"
    );
    Ok(())
}

pub fn null_dereference() -> TestResult {
    expect_fault(|| {
        // SAFETY (not really): the point is to fault.
        unsafe { core::ptr::read_volatile(core::hint::black_box(0usize) as *const u64) as i32 }
    })
}
// ANCHOR_END: expect_fault

pub fn write_to_text() -> TestResult {
    expect_fault(|| {
        let code = null_dereference as *const () as *mut u8;
        // SAFETY (not really): code pages are read-only.
        unsafe { code.write_volatile(0xc3) };
        0
    })
}

pub fn execute_data() -> TestResult {
    expect_fault(|| {
        static RET: [u8; 1] = [0xc3]; // `ret`, in a no-execute page
        // SAFETY (not really): data pages are not executable.
        let f: fn() = unsafe { core::mem::transmute(RET.as_ptr()) };
        f();
        0
    })
}

pub fn divide_by_zero() -> TestResult {
    expect_fault(|| {
        let zero = core::hint::black_box(0u64);
        // SAFETY: raises #DE on purpose.
        unsafe {
            core::arch::asm!("div {0}", in(reg) zero, inout("rax") 1u64 => _, inout("rdx") 0u64 => _)
        };
        0
    })
}

pub fn invalid_opcode() -> TestResult {
    expect_fault(|| {
        // SAFETY: raises #UD on purpose.
        unsafe { core::arch::asm!("ud2") };
        0
    })
}

pub fn privileged_instruction() -> TestResult {
    expect_fault(|| {
        // SAFETY: `hlt` in ring 3 raises #GP on purpose.
        unsafe { core::arch::asm!("hlt") };
        0
    })
}

pub fn kernel_memory() -> TestResult {
    expect_fault(|| {
        // SAFETY (not really): the kernel half is not USER-accessible.
        unsafe { core::ptr::read_volatile(0xffff_ffff_8020_0000usize as *const u64) as i32 }
    })
}

pub fn stack_overflow() -> TestResult {
    expect_fault(|| {
        #[allow(unconditional_recursion)]
        fn recurse(depth: u64) -> u64 {
            let buffer = core::hint::black_box([depth; 128]);
            recurse(depth + 1) + buffer[7]
        }
        recurse(0) as i32
    })
}

pub fn non_canonical_jump() -> TestResult {
    expect_fault(|| {
        // SAFETY (not really): jumping to a non-canonical address raises #GP.
        let f: fn() = unsafe { core::mem::transmute(0x8000_0000_0000_0000usize) };
        f();
        0
    })
}
