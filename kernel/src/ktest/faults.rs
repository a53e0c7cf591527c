//! Deliberate kernel crashes, one per kind, chosen by `fault=KIND` on the
//! command line. The host harness boots each and checks that the kernel
//! printed a clear report and exited with a failing status: the crash
//! path is code too, and it has to work on the day it is needed.

use crate::println;

pub fn trigger(kind: &str) -> ! {
    println!("fault: triggering '{kind}'");
    match kind {
        "page_fault" => {
            // SAFETY (not really): reading an address nobody mapped is the point.
            let value = unsafe { core::ptr::read_volatile(0xdead_b000 as *const u64) };
            println!("read {value} from an unmapped address?!");
        }
        "write_rodata" => {
            static CONSTANT: u64 = 42;
            // SAFETY (not really): writing to read-only data must fault.
            unsafe { core::ptr::write_volatile(&raw const CONSTANT as *mut u64, 0) };
        }
        "divide" => {
            let zero = core::hint::black_box(0u64);
            // SAFETY: `div` by zero raises #DE, which is what we want here.
            unsafe {
                core::arch::asm!("div {0}", in(reg) zero, inout("rax") 1u64 => _, inout("rdx") 0u64 => _)
            };
        }
        "invalid_opcode" => {
            // SAFETY: `ud2` raises #UD, which is what we want here.
            unsafe { core::arch::asm!("ud2") };
        }
        "stack_overflow" => {
            // Runs into the boot stack's guard page. The page fault cannot
            // push its frame on the dead stack, so the CPU raises a double
            // fault, which arrives on its own IST stack and is reported.
            #[allow(unconditional_recursion)]
            fn recurse(depth: u64) -> u64 {
                let buffer = core::hint::black_box([depth; 64]);
                recurse(depth + 1) + buffer[3]
            }
            println!("{}", recurse(0));
        }
        "panic" => panic!("deliberate panic"),
        _ => println!("fault: unknown kind '{kind}'"),
    }
    println!("fault: '{kind}' did not crash the kernel");
    crate::dev::qemu::exit(crate::dev::qemu::SUCCESS)
}
