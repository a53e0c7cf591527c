//! The kernel gives back everything a process took: after faults, fork
//! bombs and socket churn, the kernel heap and the free frames are exactly
//! what they were. Measured through `meminfo`, not guessed.

use crate::{TestResult, check, in_child};
use alloc::format;
use libsys::abi::{MemInfo, SOCK_DGRAM, SOCK_STREAM, SocketAddr};

fn memory() -> Result<MemInfo, alloc::string::String> {
    libsys::meminfo().map_err(|e| format!("meminfo: {e}"))
}

/// Runs `round` `rounds` times and checks that the kernel heap and the
/// free frames are the same after as before.
fn no_leak(what: &str, rounds: usize, round: fn() -> TestResult) -> TestResult {
    round()?; // a first round may fill lazily made kernel structures
    let before = memory()?;
    for _ in 0..rounds {
        round()?;
    }
    let after = memory()?;
    check!(
        after.heap_used == before.heap_used && after.frames_free == before.frames_free,
        "{what}: heap {} -> {} bytes, free frames {} -> {} bytes",
        before.heap_used,
        after.heap_used,
        before.frames_free,
        after.frames_free
    );
    Ok(())
}

pub fn faults_leak_nothing() -> TestResult {
    fn round() -> TestResult {
        fn page_fault() -> i32 {
            // SAFETY (not really): the point is to fault.
            unsafe { core::ptr::dangling_mut::<u64>().write_volatile(1) };
            0
        }
        fn general_protection() -> i32 {
            // SAFETY (not really): `hlt` in ring 3 is a #GP.
            unsafe { core::arch::asm!("hlt") };
            0
        }
        for _ in 0..5 {
            in_child(page_fault)?;
            in_child(general_protection)?;
        }
        Ok(())
    }
    no_leak("10 faulting processes", 3, round)
}

pub fn fork_bombs_leak_nothing() -> TestResult {
    fn round() -> TestResult {
        fn bomb() -> i32 {
            let mut children = 0;
            while let Ok(pid) = libsys::fork() {
                if pid == 0 {
                    let _ = libsys::sleep_ms(5);
                    libsys::exit(0);
                }
                children += 1;
            }
            for _ in 0..children {
                let _ = libsys::wait();
            }
            0
        }
        check!(in_child(bomb)? == 0);
        Ok(())
    }
    no_leak("fork until the table is full", 2, round)
}

pub fn socket_churn_leaks_nothing() -> TestResult {
    fn round() -> TestResult {
        for _ in 0..20 {
            let udp = libsys::socket(SOCK_DGRAM, 0).map_err(|e| format!("socket: {e}"))?;
            libsys::bind(udp, &SocketAddr::new([0; 4], 0)).map_err(|e| format!("bind: {e}"))?;
            libsys::close(udp).map_err(|e| format!("close: {e}"))?;
            let tcp = libsys::socket(SOCK_STREAM, 0).map_err(|e| format!("socket: {e}"))?;
            libsys::bind(tcp, &SocketAddr::new([0; 4], 7777)).map_err(|e| format!("bind: {e}"))?;
            libsys::listen(tcp, 4).map_err(|e| format!("listen: {e}"))?;
            libsys::close(tcp).map_err(|e| format!("close: {e}"))?;
        }
        Ok(())
    }
    no_leak("40 sockets opened and closed", 3, round)
}
