//! ps: lists the processes, from the kernel's process table (`procinfo`).
//!
//! Columns: process id, parent's id, state, timer ticks spent running (one
//! tick is 10 ms), user memory in KiB, and name. Kernel threads have no
//! user memory; their names are shown in brackets, as Linux's ps does.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use libsys::abi::{ProcInfo, ProcState};
use libsys::{Args, eprintln, println};

/// More than the kernel's process table holds (64), so nobody is missed.
const MAX_PROCS: usize = 80;

#[unsafe(no_mangle)]
fn main(_args: Args) -> i32 {
    let mut table = [ProcInfo::default(); MAX_PROCS];
    let count = match libsys::procinfo(&mut table) {
        Ok(count) => count,
        Err(e) => {
            eprintln!("ps: procinfo: {e}");
            return 1;
        }
    };
    println!("  PID  PPID STATE      TICKS  MEM(KiB) NAME");
    for p in &table[..count] {
        let state = ProcState::from_u8(p.state).map_or("?", ProcState::name);
        let (memory, name) = if p.kernel_thread != 0 {
            (String::from("-"), format!("[{}]", p.name()))
        } else {
            let kib = p.memory_bytes / 1024;
            (format!("{kib}"), String::from(p.name()))
        };
        println!(
            "{:5} {:5} {:<9} {:6} {:>9} {}",
            p.pid, p.parent_pid, state, p.cpu_ticks, memory, name
        );
    }
    0
}
