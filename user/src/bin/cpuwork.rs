//! cpuwork: a CPU-bound workload, for the SMP scaling figures (`make bench`).
//!
//! `cpuwork WORKERS MILLIONS` forks WORKERS children; each runs MILLIONS
//! million rounds of arithmetic with no system call, then exits. The
//! parent waits for all of them and prints one line:
//!
//! `cpuwork: 4 workers x 20 M rounds in 812 ms`
//!
//! The work is fixed, so the time falls as CPUs are added, until there
//! are as many CPUs as workers (or as the host has cores to give QEMU).
#![no_std]
#![no_main]

use libsys::{Args, println};

fn work(millions: u64) -> u64 {
    let mut x: u64 = libsys::getpid() as u64;
    for _ in 0..millions * 1_000_000 {
        x = core::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    let (Some(workers), Some(millions)) = (number(1), number(2)) else {
        println!("usage: cpuwork WORKERS MILLIONS");
        return 2;
    };
    let started = libsys::time_ns();
    for _ in 0..workers {
        match libsys::fork() {
            Ok(0) => {
                work(millions);
                libsys::exit(0);
            }
            Ok(_) => {}
            Err(e) => {
                println!("cpuwork: fork: {e}");
                return 1;
            }
        }
    }
    let mut failed = 0;
    for _ in 0..workers {
        if !matches!(libsys::wait(), Ok((_, 0))) {
            failed += 1;
        }
    }
    let ms = (libsys::time_ns() - started) / 1_000_000;
    println!("cpuwork: {workers} workers x {millions} M rounds in {ms} ms");
    (failed > 0) as i32
}
