//! The lock lab: a frame allocator that CPUs do not fight over.
//!
//! One process per CPU allocates and frees frames as fast as it can
//! (`sbrk` up and down by 64 pages); the kernel's lock counters
//! (`schedinfo`: per lock class, acquisitions and how many had to spin)
//! say how often a CPU found a frame-allocator lock held by another.

use crate::{TestResult, check};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Acquisitions and contended acquisitions of every lock class whose name
/// starts with "frames" (the allocator's lock, or its per-CPU locks).
fn frame_lock_counts() -> Result<(u64, u64), String> {
    let info = libsys::schedinfo().map_err(|e| format!("schedinfo: {e}"))?;
    let (mut taken, mut contended) = (0, 0);
    for lock in info
        .locks()
        .iter()
        .filter(|l| l.name().starts_with("frames"))
    {
        taken += lock.acquisitions;
        contended += lock.contended;
    }
    Ok((taken, contended))
}

fn churn(milliseconds: u64) -> i32 {
    const BYTES: isize = 64 * 4096;
    let deadline = libsys::uptime_ms() + milliseconds;
    while libsys::uptime_ms() < deadline {
        if libsys::sbrk(BYTES).is_err() {
            return 1;
        }
        let _ = libsys::sbrk(-BYTES);
    }
    0
}

/// With a process per CPU churning frames for two seconds, fewer than 1
/// in 10,000 acquisitions of a frame-allocator lock may find it taken. (A
/// single lock for all CPUs: about 1 in 1000 to 1 in 100 under QEMU.)
pub fn frame_allocator_contention() -> TestResult {
    let cpus = libsys::schedinfo()
        .map_err(|e| format!("schedinfo: {e}"))?
        .cpus;
    check!(cpus >= 2, "only {cpus} CPU: nothing to contend with");
    let (taken_before, contended_before) = frame_lock_counts()?;
    let mut children = Vec::new();
    for _ in 0..cpus {
        match libsys::fork() {
            Ok(0) => libsys::exit(churn(2000)),
            Ok(pid) => children.push(pid),
            Err(e) => return Err(format!("fork: {e}")),
        }
    }
    let mut failed = 0;
    for _ in &children {
        if !matches!(libsys::wait(), Ok((_, 0))) {
            failed += 1;
        }
    }
    let (taken_after, contended_after) = frame_lock_counts()?;
    check!(failed == 0, "{failed} churning processes failed");
    let taken = taken_after - taken_before;
    let contended = contended_after - contended_before;
    check!(
        taken > 10_000,
        "only {taken} frame-lock acquisitions: the test did too little"
    );
    check!(
        contended * 10_000 < taken,
        "{contended} of {taken} frame-lock acquisitions had to wait ({:.2}%)",
        contended as f64 * 100.0 / taken as f64
    );
    Ok(())
}
