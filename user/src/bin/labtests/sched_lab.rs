//! The sched lab: `settickets` and a stride scheduler chosen at boot.
//!
//! The grader boots on one CPU, so that spinning processes compete for it:
//! with `sched=stride`, their CPU time (`cpu_ticks`, from `procinfo`)
//! must follow their tickets; without it, round robin shares equally.

use crate::{TestResult, call, check, syscall};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::ProcInfo;

/// The number the handout gives `settickets`.
pub const SYS_SETTICKETS: usize = 84;

/// Starts one spinning child per entry of `tickets`, lets them compete for
/// `milliseconds`, and returns each one's timer ticks of CPU time.
fn compete(tickets: &[u32], milliseconds: u64) -> Result<Vec<u64>, String> {
    let mut pids = Vec::new();
    for &n in tickets {
        match libsys::fork() {
            Ok(0) => {
                if call("settickets", SYS_SETTICKETS, &[n as usize]).is_err() {
                    libsys::exit(1);
                }
                loop {
                    core::hint::spin_loop();
                }
            }
            Ok(pid) => pids.push(pid),
            Err(e) => return Err(format!("fork: {e}")),
        }
    }
    // With the most tickets, this process wakes on time under any policy.
    let _ = syscall(SYS_SETTICKETS, &[10_000]);
    let _ = libsys::sleep_ms(milliseconds);
    let mut table = [ProcInfo::default(); 64];
    let n = libsys::procinfo(&mut table).map_err(|e| format!("procinfo: {e}"))?;
    let ticks = pids
        .iter()
        .map(|&pid| {
            table[..n]
                .iter()
                .find(|p| p.pid == pid)
                .map_or(0, |p| p.cpu_ticks)
        })
        .collect();
    for &pid in &pids {
        let _ = libsys::kill(pid);
    }
    let mut failed = 0;
    for _ in &pids {
        if let Ok((_, 1)) = libsys::wait() {
            failed += 1;
        }
    }
    let _ = syscall(SYS_SETTICKETS, &[100]);
    if failed > 0 {
        return Err(format!("settickets failed in {failed} children"));
    }
    Ok(ticks)
}

fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b.max(1) as f64
}

/// `sched=stride`: tickets 100, 200 and 400 get CPU time near 1:2:4.
pub fn stride_follows_tickets() -> TestResult {
    call("settickets", SYS_SETTICKETS, &[100])?;
    let ticks = compete(&[100, 200, 400], 3000)?;
    let (two, four) = (ratio(ticks[1], ticks[0]), ratio(ticks[2], ticks[0]));
    check!(
        (1.5..=2.7).contains(&two) && (2.9..=5.5).contains(&four),
        "ticks {ticks:?} for tickets 100, 200, 400: ratios {two:.2} and {four:.2}, expected about 2 and 4"
    );
    Ok(())
}

/// Without `sched=stride`, round robin ignores tickets: equal shares.
pub fn round_robin_ignores_tickets() -> TestResult {
    call("settickets", SYS_SETTICKETS, &[100])?;
    let ticks = compete(&[100, 400], 2000)?;
    let share = ratio(ticks[1], ticks[0]);
    check!(
        (0.7..=1.4).contains(&share),
        "ticks {ticks:?} for tickets 100 and 400 under round robin: ratio {share:.2}, expected about 1"
    );
    Ok(())
}

/// Tickets outside 1..=10000 are EINVAL.
pub fn settickets_checks_its_argument() -> TestResult {
    call("settickets", SYS_SETTICKETS, &[100])?;
    for bad in [0usize, 10_001, 1 << 40] {
        let result = syscall(SYS_SETTICKETS, &[bad]);
        check!(
            result == Errno::EINVAL.as_return(),
            "settickets({bad}) returned {result}, expected EINVAL"
        );
    }
    Ok(())
}
