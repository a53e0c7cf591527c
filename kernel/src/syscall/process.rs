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

pub fn kill(frame: &mut TrapFrame) -> SysResult {
    lifecycle::kill(frame.arg(0) as u32).map(|()| 0)
}

pub fn getpid(_frame: &mut TrapFrame) -> SysResult {
    Ok(PROCS.lock().procs[me()].pid as u64)
}

pub fn getppid(_frame: &mut TrapFrame) -> SysResult {
    let table = PROCS.lock();
    Ok(table.procs[me()].parent.map_or(0, |p| table.procs[p].pid) as u64)
}

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

    let file = crate::fs::initrd::find(&path).ok_or(Errno::ENOENT)?;
    let image = proc::exec::load(file, &args)?;

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
