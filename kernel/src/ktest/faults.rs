//! Deliberate kernel crashes, one per kind, chosen by `fault=KIND` on the
//! command line. The host harness boots each and checks that the kernel
//! printed a clear report and exited with a failing status: the crash
//! path is code too, and it has to work on the day it is needed.

use crate::println;
use crate::sync::SpinLock;

static TEST_OUTER: SpinLock<()> = SpinLock::new("test_outer", ());
static TEST_INNER: SpinLock<()> = SpinLock::new("test_inner", ());

extern "C" fn sleep_holding_lock() {
    let _held = TEST_INNER.lock();
    crate::proc::scheduler::yield_now(); // sched's check panics
}

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
        // The lock-order checker's three rules (debug builds).
        "lock_order" => {
            let _inner = TEST_INNER.lock();
            let _outer = TEST_OUTER.lock(); // against the order: panics
        }
        "sleep_holding_lock" => {
            // A kernel thread that yields with a lock held; we become a
            // scheduler so that it runs (here or on another CPU).
            crate::proc::fork::spawn_kernel_thread("holder", sleep_holding_lock)
                .expect("a free slot");
            crate::proc::scheduler::scheduler();
        }
        "spin_timeout" => {
            // As if a CPU had stopped while holding the lock: it is never
            // released, and the watchdog gives up after one second.
            TEST_OUTER.hold_forever();
            let _never = TEST_OUTER.lock();
        }
        _ => println!("fault: unknown kind '{kind}'"),
    }
    println!("fault: '{kind}' did not crash the kernel");
    crate::dev::qemu::exit(crate::dev::qemu::SUCCESS)
}
