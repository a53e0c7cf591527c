//! free: how much memory is used and free, in KiB (as Linux's `free`).
//!
//! Two pools, from `meminfo`:
//! - frames: physical pages, for process memory and page tables;
//! - heap: the kernel's own heap (`Box`, `Vec` inside the kernel).
#![no_std]
#![no_main]

use libsys::{Args, eprintln, println};

fn row(name: &str, total: u64, used: u64) {
    let kib = |bytes: u64| bytes / 1024;
    println!(
        "{:<8} {:>10} {:>10} {:>10}",
        name,
        kib(total),
        kib(used),
        kib(total - used)
    );
}

#[unsafe(no_mangle)]
fn main(_args: Args) -> i32 {
    let info = match libsys::meminfo() {
        Ok(info) => info,
        Err(e) => {
            eprintln!("free: meminfo: {e}");
            return 1;
        }
    };
    println!("{:<8} {:>10} {:>10} {:>10}", "KiB", "total", "used", "free");
    row(
        "frames",
        info.frames_total,
        info.frames_total.saturating_sub(info.frames_free),
    );
    row("heap", info.heap_total, info.heap_used.min(info.heap_total));
    0
}
