//! uptime: how long since the machine booted, and how many processes run.
#![no_std]
#![no_main]

use libsys::abi::{ProcInfo, ProcState};
use libsys::{Args, println};

#[unsafe(no_mangle)]
fn main(_args: Args) -> i32 {
    let ms = libsys::uptime_ms();
    let seconds = ms / 1000;
    let mut table = [ProcInfo::default(); 80];
    let count = libsys::procinfo(&mut table).unwrap_or(0);
    // Count user processes only; kernel threads are always there.
    let processes = table[..count]
        .iter()
        .filter(|p| p.kernel_thread == 0 && p.state != ProcState::Zombie as u8)
        .count();
    println!(
        "up {}:{:02}:{:02}.{:02} ({} ms), {} processes",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        ms % 1000 / 10,
        ms,
        processes
    );
    0
}
