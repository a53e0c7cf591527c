//! System calls about processes (xv6's `sysproc.c`).

use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::proc::{self, PROCS, SPACES, lifecycle, me, with_my_space};
use alloc::string::String;
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{MAX_ARG_BYTES, MAX_ARGS, MAX_PATH, ProcInfo, StrRef};

pub fn exit(frame: &mut TrapFrame) -> SysResult {
    lifecycle::exit(frame.arg(0) as i32)
}

pub fn fork(frame: &mut TrapFrame) -> SysResult {
    proc::fork::fork(frame).map(u64::from)
}

// ANCHOR: wait
pub fn wait(frame: &mut TrapFrame) -> SysResult {
    let status_out = frame.arg(0);
    // Check the status pointer before reaping a child, so that a bad
    // pointer cannot make a child's exit status disappear.
    if status_out != 0 {
        with_my_space(|space| space.copy_out(status_out, &0i32.to_ne_bytes()))?;
    }
    let (pid, status) = lifecycle::wait()?;
    if status_out != 0 {
        with_my_space(|space| space.copy_out(status_out, &status.to_ne_bytes()))?;
    }
    Ok(pid as u64)
}
// ANCHOR_END: wait

pub fn kill(frame: &mut TrapFrame) -> SysResult {
    lifecycle::kill(frame.arg(0) as u32).map(|()| 0)
}

pub fn getpid(_frame: &mut TrapFrame) -> SysResult {
    Ok(PROCS.lock().procs[me()].pid as u64)
}

// ANCHOR: getppid
pub fn getppid(_frame: &mut TrapFrame) -> SysResult {
    let table = PROCS.lock();
    Ok(table.procs[me()].parent.map_or(0, |p| table.procs[p].pid) as u64)
}
// ANCHOR_END: getppid

pub fn sbrk(frame: &mut TrapFrame) -> SysResult {
    with_my_space(|space| space.sbrk(frame.arg(0) as i64))
}

// ANCHOR: sleep
/// Sleeps at least the given number of milliseconds. Every timer tick wakes
/// the sleepers on `tick_channel` to compare the clock with their deadline;
/// the deadline is in nanoseconds, so a sleep never ends early however far
/// into the current tick it started.
pub fn sleep(frame: &mut TrapFrame) -> SysResult {
    let milliseconds = frame.arg(0);
    let deadline =
        crate::time::nanoseconds().saturating_add(milliseconds.saturating_mul(1_000_000));
    let mut table = PROCS.lock();
    while crate::time::nanoseconds() < deadline {
        if table.procs[me()].killed {
            return Err(Errno::EINTR);
        }
        proc::scheduler::sleep_holding_procs(crate::time::tick_channel(), &mut table);
    }
    Ok(0)
}
// ANCHOR_END: sleep

pub fn uptime(_frame: &mut TrapFrame) -> SysResult {
    Ok(crate::time::uptime_ms())
}

pub fn time_ns(_frame: &mut TrapFrame) -> SysResult {
    Ok(crate::time::nanoseconds())
}

pub fn yield_now(_frame: &mut TrapFrame) -> SysResult {
    proc::scheduler::yield_now();
    Ok(0)
}

pub fn procinfo(frame: &mut TrapFrame) -> SysResult {
    let (buffer, capacity) = (frame.arg(0), frame.arg(1) as usize);
    let mut infos = alloc::vec![ProcInfo::default(); capacity.min(proc::NPROC)];
    let count = proc::snapshot(&mut infos);
    // SAFETY: `ProcInfo` is plain `repr(C)` data; viewing it as bytes is fine.
    let bytes = unsafe {
        core::slice::from_raw_parts(infos.as_ptr() as *const u8, count * size_of::<ProcInfo>())
    };
    with_my_space(|space| space.copy_out(buffer, bytes))?;
    Ok(count as u64)
}

/// Powers off (QEMU exits). Only init may, so no test can stop the others.
pub fn halt(frame: &mut TrapFrame) -> SysResult {
    if me() != proc::INIT_SLOT {
        return Err(Errno::EPERM);
    }
    let code = frame.arg(0) as u32;
    crate::info!("halt requested by init (code {})", code);
    crate::dev::qemu::exit(if code == 0 {
        crate::dev::qemu::SUCCESS
    } else {
        crate::dev::qemu::FAILURE
    })
}

// ANCHOR: exec
pub fn exec(frame: &mut TrapFrame) -> SysResult {
    let (path, path_len, argv, argc) = (frame.arg(0), frame.arg(1), frame.arg(2), frame.arg(3));
    let (path, args) = with_my_space(|space| -> Result<(String, Vec<String>), Errno> {
        let path = space.copy_in_string(path, path_len as usize, MAX_PATH)?;
        if argc as usize > MAX_ARGS {
            return Err(Errno::E2BIG);
        }
        let mut args = Vec::new();
        let mut total = 0;
        for i in 0..argc {
            let arg: StrRef = space.read_value(argv + i * size_of::<StrRef>() as u64)?;
            total += arg.len as usize;
            if total > MAX_ARG_BYTES {
                return Err(Errno::E2BIG);
            }
            args.push(space.copy_in_string(arg.ptr, arg.len as usize, MAX_ARG_BYTES)?);
        }
        Ok((path, args))
    })?;

    let path = crate::fs::path::normalize(&crate::fs::fd_table::mine().cwd, &path)?;
    let image = match &*crate::fs::tree::lookup(&path)? {
        crate::fs::tree::Node::InitrdFile(data) => proc::exec::load(data, &args)?,
        crate::fs::tree::Node::RamFile(data) => {
            let copy = data.lock().clone(); // don't hold the file's lock while loading
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
    };
    Ok(0)
}
// ANCHOR_END: exec

/// setpgid(pid, pgid): `pid` 0 means the caller; `pgid` 0 means "a new
/// group named after `pid`". A process may move itself or its children.
pub fn setpgid(frame: &mut TrapFrame) -> SysResult {
    let mut table = PROCS.lock();
    let caller = me();
    let target = match frame.arg(0) as u32 {
        0 => caller,
        pid => proc::slot_of_pid(&table, pid).ok_or(Errno::ESRCH)?,
    };
    if target != caller && table.procs[target].parent != Some(caller) {
        return Err(Errno::EPERM);
    }
    let pgid = match frame.arg(1) as u32 {
        0 => table.procs[target].pid,
        pgid => pgid,
    };
    table.procs[target].pgid = pgid;
    Ok(0)
}

/// Makes a process group the console's foreground: Ctrl-C kills it.
pub fn set_foreground(frame: &mut TrapFrame) -> SysResult {
    crate::console::set_foreground(frame.arg(0) as u32);
    Ok(0)
}

pub fn meminfo(frame: &mut TrapFrame) -> SysResult {
    let heap = crate::mem::heap::stats();
    let page = crate::mem::PAGE_SIZE;
    let info = libsys::abi::MemInfo {
        frames_total: crate::mem::frame::total_count() as u64 * page,
        frames_free: crate::mem::frame::free_count() as u64 * page,
        heap_total: heap.total as u64,
        heap_used: heap.allocated as u64,
        page_size: page,
    };
    // SAFETY: `MemInfo` is plain `repr(C)` data.
    let bytes = unsafe {
        core::slice::from_raw_parts(
            &info as *const _ as *const u8,
            size_of::<libsys::abi::MemInfo>(),
        )
    };
    with_my_space(|space| space.copy_out(frame.arg(0), bytes))?;
    Ok(0)
}

/// The scheduler's counters, for `/sched` and for students' own tools.
pub fn schedinfo(frame: &mut TrapFrame) -> SysResult {
    let mut info = libsys::abi::SchedInfo {
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
    // SAFETY: `SchedInfo` is plain `repr(C)` data.
    let bytes = unsafe {
        core::slice::from_raw_parts(
            &info as *const _ as *const u8,
            size_of::<libsys::abi::SchedInfo>(),
        )
    };
    with_my_space(|space| space.copy_out(frame.arg(0), bytes))?;
    Ok(0)
}
