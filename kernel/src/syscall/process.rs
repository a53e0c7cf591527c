//! System calls about processes (xv6's `sysproc.c`).

use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::mem::user::UserPtr;
use crate::proc::{self, PROCS, SPACES, lifecycle, me, with_my_space, with_trap_frame};
use alloc::string::String;
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{MAX_ARG_BYTES, MAX_ARGS, MAX_PATH, MemInfo, ProcInfo, SchedInfo, StrRef};

pub fn exit(status: i32) -> SysResult {
    lifecycle::exit(status)
}

pub fn fork() -> SysResult {
    let frame = with_trap_frame(|frame| frame.clone());
    proc::fork::fork(&frame).map(u64::from)
}

// ANCHOR: wait
pub fn wait(status_out: UserPtr<i32>) -> SysResult {
    // Check the status pointer before reaping a child, so that a bad
    // pointer cannot make a child's exit status disappear.
    if !status_out.is_null() {
        with_my_space(|space| space.write(status_out, &0))?;
    }
    let (pid, status) = lifecycle::wait()?;
    if !status_out.is_null() {
        with_my_space(|space| space.write(status_out, &status))?;
    }
    Ok(pid as u64)
}
// ANCHOR_END: wait

pub fn kill(pid: u32) -> SysResult {
    lifecycle::kill(pid).map(|()| 0)
}

/// The caller's pid, from this CPU's copy (see `Cpu::current_pid`):
/// the cheapest system call, and the lock it does not take is most of a
/// system call's cost under emulation.
pub fn getpid() -> SysResult {
    crate::arch::cpu::push_off(); // stay on this CPU while we read it
    let pid = crate::arch::cpu::this_cpu().current_pid.get();
    crate::arch::cpu::pop_off();
    Ok(pid as u64)
}

// ANCHOR: getppid
pub fn getppid() -> SysResult {
    let table = PROCS.lock();
    Ok(table.procs[me()].parent.map_or(0, |p| table.procs[p].pid) as u64)
}
// ANCHOR_END: getppid

pub fn sbrk(increment: isize) -> SysResult {
    proc::memory::sbrk(increment as i64)
}

// ANCHOR: sleep
/// Sleeps at least the given number of milliseconds. The timer is asked to
/// interrupt at the deadline (`wake_at`); that interrupt wakes the
/// sleepers on `tick_channel` to compare the clock with their deadline,
/// which is in nanoseconds, so a sleep never ends early.
pub fn sleep(milliseconds: u64) -> SysResult {
    let deadline =
        crate::time::nanoseconds().saturating_add(milliseconds.saturating_mul(1_000_000));
    let mut table = PROCS.lock();
    while crate::time::nanoseconds() < deadline {
        if table.procs[me()].killed {
            return Err(Errno::EINTR);
        }
        crate::timer::wake_at(deadline);
        proc::scheduler::sleep_holding_procs(crate::time::tick_channel(), &mut table);
    }
    Ok(0)
}
// ANCHOR_END: sleep

/// Switches the sampling profiler on (1, emptying it) or off (0); returns
/// 1 if it was on. The samples are read from `/dev/profile`.
pub fn profile(on: u32) -> SysResult {
    if on > 1 {
        return Err(Errno::EINVAL);
    }
    Ok(crate::profile::switch(on == 1)? as u64)
}

pub fn uptime() -> SysResult {
    Ok(crate::time::uptime_ms())
}

pub fn time_ns() -> SysResult {
    Ok(crate::time::nanoseconds())
}

pub fn yield_now() -> SysResult {
    proc::scheduler::yield_now();
    Ok(0)
}

pub fn procinfo(buffer: UserPtr<ProcInfo>, capacity: usize) -> SysResult {
    let mut infos = [ProcInfo::default(); proc::NPROC];
    let count = proc::snapshot(&mut infos[..capacity.min(proc::NPROC)]);
    with_my_space(|space| space.write_slice(buffer, &infos[..count]))?;
    Ok(count as u64)
}

/// Powers off (QEMU exits). Only init may, so no test can stop the others.
pub fn halt(code: u32) -> SysResult {
    if me() != proc::INIT_SLOT {
        return Err(Errno::EPERM);
    }
    crate::info!("halt requested by init (code {})", code);
    crate::dev::qemu::exit(if code == 0 {
        crate::dev::qemu::SUCCESS
    } else {
        crate::dev::qemu::FAILURE
    })
}

// ANCHOR: exec
pub fn exec(path: UserPtr<u8>, path_len: usize, argv: UserPtr<StrRef>, argc: usize) -> SysResult {
    let (path, args) = with_my_space(|space| -> Result<(String, Vec<String>), Errno> {
        let path = space.read_string(path, path_len, MAX_PATH)?;
        if argc > MAX_ARGS {
            return Err(Errno::E2BIG);
        }
        let mut refs = [StrRef::default(); MAX_ARGS];
        space.read_slice(argv, &mut refs[..argc])?;
        let mut args = Vec::new();
        args.try_reserve_exact(argc).map_err(|_| Errno::ENOMEM)?;
        let mut room = MAX_ARG_BYTES; // bytes of argument text still allowed
        for arg in &refs[..argc] {
            let len = usize::try_from(arg.len).map_err(|_| Errno::E2BIG)?;
            room = room.checked_sub(len).ok_or(Errno::E2BIG)?;
            args.push(space.read_string(UserPtr::new(arg.ptr), len, MAX_ARG_BYTES)?);
        }
        Ok((path, args))
    })?;

    let path = kcore::path::normalize(&crate::fs::fd_table::mine().cwd, &path)?;
    let image = match &*crate::fs::tree::lookup(&path)? {
        crate::fs::tree::Node::InitrdFile(data) => proc::exec::load(data, &args)?,
        crate::fs::tree::Node::RamFile(data) => {
            // Don't hold the file's lock while loading: take a copy, which
            // may fail (ENOMEM) like any allocation a program asks for.
            let copy = crate::mem::heap::try_copy(&data.lock())?;
            proc::exec::load(&copy, &args)?
        }
        crate::fs::tree::Node::Directory(_) => return Err(Errno::EACCES),
    };

    // Point of no return: switch to the new image.
    let slot = me();
    let name = path.rsplit('/').next().unwrap_or(&path);
    {
        let mut table = PROCS.lock();
        table.procs[slot].set_name(name);
        table.procs[slot].page_table_root = image.space.root();
        proc::scheduler::switch_page_table(image.space.root());
    }
    let old = SPACES[slot].lock().replace(image.space);
    drop(old);
    with_trap_frame(|frame| {
        *frame = TrapFrame {
            rip: image.entry,
            rsp: image.stack_pointer,
            rdi: image.argc,
            rsi: image.argv,
            rflags: 0x202,
            cs: frame.cs,
            ss: frame.ss,
            vector: frame.vector,
            ..TrapFrame::default()
        }
    });
    Ok(0)
}
// ANCHOR_END: exec

/// setpgid(pid, pgid): `pid` 0 means the caller; `pgid` 0 means "a new
/// group named after `pid`". A process may move itself or its children.
pub fn setpgid(pid: u32, pgid: u32) -> SysResult {
    let mut table = PROCS.lock();
    let caller = me();
    let target = match pid {
        0 => caller,
        pid => proc::slot_of_pid(&table, pid).ok_or(Errno::ESRCH)?,
    };
    if target != caller && table.procs[target].parent != Some(caller) {
        return Err(Errno::EPERM);
    }
    let pgid = match pgid {
        0 => table.procs[target].pid,
        pgid => pgid,
    };
    table.procs[target].pgid = pgid;
    Ok(0)
}

/// Makes a process group the console's foreground: Ctrl-C kills it.
pub fn set_foreground(pgid: u32) -> SysResult {
    crate::console::set_foreground(pgid);
    Ok(0)
}

pub fn meminfo(info_out: UserPtr<MemInfo>) -> SysResult {
    let heap = crate::mem::heap::stats();
    let page = crate::mem::PAGE_SIZE;
    let info = MemInfo {
        frames_total: (crate::mem::frame::total_count() as u64).saturating_mul(page),
        frames_free: (crate::mem::frame::free_count() as u64).saturating_mul(page),
        heap_total: heap.total as u64,
        heap_used: heap.allocated as u64,
        page_size: page,
    };
    with_my_space(|space| space.write(info_out, &info))?;
    Ok(0)
}

/// The scheduler's counters, for `/sched` and for students' own tools.
pub fn schedinfo(info_out: UserPtr<SchedInfo>) -> SysResult {
    let mut info = SchedInfo {
        context_switches: PROCS.lock().switches,
        ticks: crate::time::ticks(),
        cpus: crate::arch::cpu::started() as u32,
        ..Default::default()
    };
    for id in 0..info.idle_ticks.len() {
        info.idle_ticks[id] = crate::arch::cpu::idle_ticks(id);
        info.cpu_switches[id] = crate::arch::cpu::switches(id);
    }
    info.lock_count = crate::sync::lockdep::fill_stats(&mut info.locks) as u32;
    with_my_space(|space| space.write(info_out, &info))?;
    Ok(0)
}
