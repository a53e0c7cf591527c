//! yield, sleep, uptime, and preemption.

use crate::{TestResult, check, syscall};
use libsys::syscalls::nr;

pub fn yield_returns() -> TestResult {
    for _ in 0..100 {
        libsys::yield_now();
    }
    Ok(())
}

pub fn uptime_advances() -> TestResult {
    let start = libsys::uptime_ms();
    let ns = libsys::time_ns();
    libsys::sleep_ms(30).map_err(|e| alloc::format!("sleep: {e}"))?;
    check!(libsys::uptime_ms() >= start + 30);
    check!(
        libsys::time_ns() >= ns + 20_000_000,
        "time_ns advanced too little"
    );
    Ok(())
}

/// sleep(ms) never returns early. (How close to `ms` it comes is measured
/// by `make bench`, not asserted here: a loaded host would make that flaky.)
pub fn sleep_accuracy() -> TestResult {
    for ms in [10, 100, 250] {
        let start = libsys::time_ns();
        libsys::sleep_ms(ms).map_err(|e| alloc::format!("sleep: {e}"))?;
        let elapsed_ms = (libsys::time_ns() - start) / 1_000_000;
        check!(
            elapsed_ms + 1 >= ms,
            "sleep({ms}) returned after {elapsed_ms} ms"
        );
        check!(elapsed_ms <= ms + 100, "sleep({ms}) took {elapsed_ms} ms");
    }
    Ok(())
}

/// The timer is programmed for a sleeper's deadline, not left to the next
/// 10 ms tick: nine 1 ms sleeps in a row, each started just after the last
/// one's wakeup, take about 1 ms each. (With deadlines checked on ticks,
/// every sleep after the first waited a whole tick: 10 ms.) The median, so
/// that a host that pauses the virtual CPU now and then cannot fail it.
pub fn short_sleeps_keep_their_deadline() -> TestResult {
    let median = median_ns_of_9(|| {
        libsys::sleep_ms(1).map_err(|e| alloc::format!("sleep: {e}"))?;
        Ok(())
    })?;
    check!(median >= 1_000_000, "sleep(1) returned after {median} ns");
    check!(
        median < 5_000_000,
        "sleep(1) took {median} ns (median of 9)"
    );
    Ok(())
}

/// Runs `f` nine times; the median of the times it took, in nanoseconds.
pub fn median_ns_of_9(mut f: impl FnMut() -> TestResult) -> Result<u64, alloc::string::String> {
    let mut took = [0u64; 9];
    for t in took.iter_mut() {
        let start = libsys::time_ns();
        f()?;
        *t = libsys::time_ns() - start;
    }
    took.sort_unstable();
    Ok(took[4])
}

/// Two CPU-bound children spin until a shared deadline, counting the
/// timer ticks they see while running. Without preemption the first would
/// run to the deadline and the second would see none.
pub fn preemption_interleaves() -> TestResult {
    let deadline = libsys::uptime_ms() + 600;
    let mut pids = [0; 2];
    for pid in pids.iter_mut() {
        match libsys::fork().map_err(|e| alloc::format!("fork: {e}"))? {
            0 => {
                let mut seen = 0;
                let mut last = libsys::uptime_ms();
                while last < deadline {
                    let now = libsys::uptime_ms();
                    if now != last {
                        seen += 1;
                        last = now;
                    }
                }
                libsys::exit(seen);
            }
            child => *pid = child,
        }
    }
    let mut seen = [0; 2];
    for _ in 0..2 {
        let (pid, count) = libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
        seen[if pid == pids[0] { 0 } else { 1 }] = count;
    }
    check!(
        seen[0] >= 5 && seen[1] >= 5,
        "ticks seen by each child: {seen:?}"
    );
    Ok(())
}

/// schedinfo's counters move: yielding to a runnable process is a context
/// switch, and ticks advance with time.
pub fn schedinfo_counts() -> TestResult {
    let before = libsys::schedinfo().map_err(|e| alloc::format!("schedinfo: {e}"))?;
    let child = libsys::fork().map_err(|e| alloc::format!("fork: {e}"))?;
    if child == 0 {
        for _ in 0..50 {
            libsys::yield_now();
        }
        libsys::exit(0);
    }
    for _ in 0..50 {
        libsys::yield_now();
    }
    libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
    libsys::sleep_ms(30).ok();
    let after = libsys::schedinfo().map_err(|e| alloc::format!("schedinfo: {e}"))?;
    check!(after.cpus >= 1);
    check!(
        after.context_switches >= before.context_switches + 50,
        "{} -> {}",
        before.context_switches,
        after.context_switches
    );
    check!(
        after.ticks >= before.ticks + 3,
        "ticks {} -> {}",
        before.ticks,
        after.ticks
    );
    check!(syscall(nr::schedinfo, &[0xffff_8000_0000_0000]) == libsys::Errno::EFAULT.as_return());
    Ok(())
}

/// A process mapping tens of megabytes (`sbrk`) does it with interrupts
/// on, so the timer keeps ticking and another process's 10 ms sleeps still
/// end on time. Compared with the same sleeps on an otherwise idle system,
/// measured just before (QEMU's own timing varies with the host's load).
pub fn sleep_on_time_during_a_huge_sbrk() -> TestResult {
    const SIZE: isize = 32 << 20;
    fn sleeper() -> i32 {
        let mut worst_ms = 0;
        for _ in 0..20 {
            let start = libsys::time_ns();
            if libsys::sleep_ms(10).is_err() {
                return 255;
            }
            worst_ms = worst_ms.max((libsys::time_ns() - start) / 1_000_000);
        }
        worst_ms.min(254) as i32
    }
    let idle_ms = crate::in_child(sleeper)?;
    let pid = libsys::fork().map_err(|e| alloc::format!("fork: {e}"))?;
    if pid == 0 {
        libsys::exit(sleeper());
    }
    let start = libsys::time_ns();
    let mut rounds = 0;
    // Keep mapping and unmapping for as long as the sleeper sleeps.
    while rounds < 4 || libsys::time_ns() - start < 300_000_000 {
        libsys::sbrk(SIZE).map_err(|e| alloc::format!("sbrk: {e}"))?;
        libsys::sbrk(-SIZE).map_err(|e| alloc::format!("sbrk back: {e}"))?;
        rounds += 1;
    }
    let sbrk_ms = (libsys::time_ns() - start) / 1_000_000 / rounds / 2;
    let (_, busy_ms) = libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
    // With interrupts off during a whole sbrk, some sleep would last as long
    // as an sbrk (`sbrk_ms`); done in chunks, sleeps stay near the idle
    // case. (A loaded host slows QEMU unevenly: either bound will do.)
    let (busy_ms, idle_ms) = (busy_ms as u64, idle_ms as u64);
    check!(
        busy_ms <= (3 * idle_ms).max(60) || busy_ms * 2 < sbrk_ms,
        "a 10 ms sleep took up to {busy_ms} ms during 32 MiB sbrks ({sbrk_ms} ms each), {idle_ms} ms when idle"
    );
    Ok(())
}
