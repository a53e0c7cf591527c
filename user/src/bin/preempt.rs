//! preempt: watch the scheduler take turns.
//!
//! Two children spin in a busy loop, never calling into the kernel except
//! to print now and then. Neither ever yields; the timer interrupt takes
//! the CPU from one and gives it to the other. The output shows their lines
//! interleaving: that is preemption.
#![no_std]
#![no_main]

use libsys::{Args, println};

// ANCHOR: preempt
/// Busy-works for `rounds` rounds, printing a line after each.
fn spin(name: &str, rounds: u32) {
    for round in 1..=rounds {
        let start = libsys::uptime_ms();
        // Burn about 200 ms of CPU without any system call.
        let mut x: u64 = 1;
        while libsys::uptime_ms() < start + 200 {
            for _ in 0..10_000 {
                x = core::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        println!(
            "preempt: {} (pid {}) finished round {} of {}",
            name,
            libsys::getpid(),
            round,
            rounds
        );
    }
}

#[unsafe(no_mangle)]
fn main(_args: Args) -> i32 {
    println!("preempt: starting two CPU-bound children");
    for name in ["A", "B"] {
        if libsys::fork() == Ok(0) {
            spin(name, 5);
            libsys::exit(0);
        }
    }
    for _ in 0..2 {
        let _ = libsys::wait();
    }
    println!("preempt: both children done");
    0
}
// ANCHOR_END: preempt
