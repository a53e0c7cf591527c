//! fork, exec, exit, wait, kill, and the process table.

use crate::{TestResult, check, in_child};
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{ProcInfo, ProcState, STATUS_KILLED};

// ANCHOR: getppid
pub fn getpid_and_getppid() -> TestResult {
    let me = libsys::getpid();
    check!(me > 1, "usertests should not be pid {me}");
    fn child() -> i32 {
        libsys::getppid() as i32
    }
    check!(
        in_child(child)? == me as i32,
        "child's getppid is not the parent's pid"
    );
    Ok(())
}
// ANCHOR_END: getppid

pub fn exit_status() -> TestResult {
    for status in [0, 1, 42, 255, -1, 100_000] {
        let got = match libsys::fork().map_err(|e| alloc::format!("fork: {e}"))? {
            0 => libsys::exit(status),
            _ => libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?.1,
        };
        check!(got == status, "exit({status}) came back as {got}");
    }
    Ok(())
}

pub fn fork_copies_memory() -> TestResult {
    let mut value = core::hint::black_box(7u64);
    let pid = libsys::fork().map_err(|e| alloc::format!("fork: {e}"))?;
    if pid == 0 {
        // The child's copy starts equal, and changing it changes only ours.
        let ok = value == 7;
        value = 99;
        libsys::exit(if ok && core::hint::black_box(value) == 99 {
            0
        } else {
            1
        });
    }
    value = core::hint::black_box(8);
    let (_, status) = libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
    check!(status == 0, "child saw the wrong value");
    check!(value == 8, "the child's write reached the parent");
    Ok(())
}

/// A chain: this process forks a child that forks a grandchild that execs
/// a program; each level waits for the next and passes the status up.
pub fn fork_exec_wait_chain() -> TestResult {
    fn middle() -> i32 {
        match libsys::fork() {
            Ok(0) => {
                libsys::exec("/bin/testhelper", &["testhelper", "exit", "17"]);
                libsys::exit(99)
            }
            Ok(_) => libsys::wait().map_or(98, |(_, status)| status + 1),
            Err(_) => 97,
        }
    }
    let status = in_child(middle)?;
    check!(status == 18, "chain returned {status}, expected 18");
    Ok(())
}

pub fn wait_without_children() -> TestResult {
    check!(libsys::wait() == Err(Errno::ECHILD));
    Ok(())
}

/// A child forks a grandchild and exits at once; the grandchild must be
/// handed to init (pid 1), and once it exits, init must reap it.
pub fn orphans_are_reaped_by_init() -> TestResult {
    fn parent_of_orphan() -> i32 {
        match libsys::fork() {
            Ok(0) => {
                libsys::sleep_ms(200).ok();
                libsys::exit(0)
            }
            Ok(grandchild) => grandchild as i32, // tell our parent its pid
            Err(_) => -1,
        }
    }
    let orphan = in_child(parent_of_orphan)?;
    check!(orphan > 0, "fork failed in the child");
    let find = |pid: i32| -> Option<ProcInfo> {
        let mut table = [ProcInfo::default(); 64];
        let n = libsys::procinfo(&mut table).ok()?;
        table[..n].iter().copied().find(|p| p.pid == pid as u32)
    };
    let info = find(orphan).ok_or("the orphan vanished too early")?;
    check!(
        info.parent_pid == 1,
        "orphan's parent is {}, not init",
        info.parent_pid
    );
    let deadline = libsys::uptime_ms() + 3000;
    while find(orphan).is_some() {
        check!(
            libsys::uptime_ms() < deadline,
            "init did not reap the orphan"
        );
        libsys::sleep_ms(20).ok();
    }
    Ok(())
}

pub fn kill_sleeping() -> TestResult {
    let start = libsys::uptime_ms();
    let pid = libsys::fork().map_err(|e| alloc::format!("fork: {e}"))?;
    if pid == 0 {
        libsys::sleep_ms(10_000).ok();
        libsys::exit(0);
    }
    libsys::sleep_ms(50).ok();
    check!(libsys::kill(pid).is_ok());
    let (done, status) = libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
    check!(
        done == pid && status == STATUS_KILLED,
        "status {status}, expected {STATUS_KILLED}"
    );
    check!(
        libsys::uptime_ms() - start < 2000,
        "the kill did not wake the sleeper"
    );
    Ok(())
}

pub fn kill_spinning() -> TestResult {
    let pid = libsys::fork().map_err(|e| alloc::format!("fork: {e}"))?;
    if pid == 0 {
        libsys::exec("/bin/testhelper", &["testhelper", "spin"]);
        libsys::exit(1);
    }
    libsys::sleep_ms(100).ok();
    check!(libsys::kill(pid).is_ok());
    let (done, status) = libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
    check!(
        done == pid && status == STATUS_KILLED,
        "status {status}, expected {STATUS_KILLED}"
    );
    Ok(())
}

pub fn kill_errors() -> TestResult {
    check!(libsys::kill(1_000_000) == Err(Errno::ESRCH));
    check!(
        libsys::kill(1) == Err(Errno::EPERM),
        "init must not be killable"
    );
    Ok(())
}

/// Fork until the table is full: fork must fail cleanly (EAGAIN), and
/// after the children exit, fork must work again.
pub fn fork_until_table_full() -> TestResult {
    let mut children = Vec::new();
    let error = loop {
        match libsys::fork() {
            Ok(0) => {
                libsys::sleep_ms(60_000).ok();
                libsys::exit(0);
            }
            Ok(pid) => children.push(pid),
            Err(e) => break e,
        }
        if children.len() > 1000 {
            break Errno::EINVAL;
        }
    };
    let count = children.len();
    for &pid in &children {
        libsys::kill(pid).ok();
    }
    for _ in &children {
        libsys::wait().ok();
    }
    check!(
        error == Errno::EAGAIN,
        "fork failed with {error} after {count} children"
    );
    check!(count > 10, "only {count} forks succeeded");
    check!(
        in_child(|| 5)? == 5,
        "fork does not work after the table was full"
    );
    Ok(())
}

pub fn procinfo_lists_self() -> TestResult {
    let mut table = [ProcInfo::default(); 64];
    let n = libsys::procinfo(&mut table).map_err(|e| alloc::format!("procinfo: {e}"))?;
    let me = table[..n]
        .iter()
        .find(|p| p.pid == libsys::getpid())
        .ok_or("not in the table")?;
    check!(me.name() == "usertests", "my name is '{}'", me.name());
    check!(ProcState::from_u8(me.state) == Some(ProcState::Running));
    check!(me.memory_bytes > 0);
    check!(
        table[..n].iter().any(|p| p.pid == 1 && p.name() == "init"),
        "init not listed"
    );
    // A buffer for one entry gets one entry.
    check!(libsys::procinfo(&mut table[..1]) == Ok(1));
    Ok(())
}

pub fn halt_is_for_init_only() -> TestResult {
    check!(libsys::halt(0) == Errno::EPERM);
    Ok(())
}

pub fn unknown_syscall() -> TestResult {
    // SAFETY: an unknown number with no arguments touches nothing.
    let ret = unsafe { libsys::syscall::call(9999, &[]) };
    check!(ret == Errno::ENOSYS.as_return(), "got {ret}");
    Ok(())
}
