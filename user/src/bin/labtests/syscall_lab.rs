//! The syscall lab: `sysinfo` (and a helper for the `trace` checks,
//! which the grader makes on the console output).

use crate::{TestResult, call, check, syscall};
use libsys::Errno;

/// The number the handout gives `sysinfo`.
pub const SYS_SYSINFO: usize = 81;

/// What `sysinfo` fills: the layout the handout asks for (`SysInfo` in
/// libsys/src/abi.rs), declared again here because on a tree without the
/// lab it does not exist.
#[repr(C)]
#[derive(Default, Debug)]
pub struct SysInfo {
    pub free_memory: u64,
    pub processes: u64,
}

fn sysinfo() -> Result<SysInfo, alloc::string::String> {
    let mut info = SysInfo {
        free_memory: u64::MAX,
        processes: u64::MAX,
    };
    call(
        "sysinfo",
        SYS_SYSINFO,
        &[&mut info as *mut SysInfo as usize],
    )?;
    Ok(info)
}

/// Free memory is the frame allocator's count in bytes: the same figure as
/// `meminfo`'s, and it follows `sbrk` both ways.
pub fn sysinfo_free_memory() -> TestResult {
    let before = sysinfo()?;
    let meminfo = libsys::meminfo().map_err(|e| alloc::format!("meminfo: {e}"))?;
    check!(
        before.free_memory.abs_diff(meminfo.frames_free) <= 16 * 4096,
        "sysinfo says {} bytes free, meminfo {}",
        before.free_memory,
        meminfo.frames_free
    );
    const GROW: usize = 2 << 20;
    libsys::sbrk(GROW as isize).map_err(|e| alloc::format!("sbrk: {e}"))?;
    let grown = sysinfo()?;
    let _ = libsys::sbrk(-(GROW as isize));
    let after = sysinfo()?;
    check!(
        before.free_memory.saturating_sub(grown.free_memory) >= GROW as u64,
        "after sbrk(2 MiB) free memory went from {} to {}",
        before.free_memory,
        grown.free_memory
    );
    check!(
        after.free_memory.abs_diff(before.free_memory) <= 16 * 4096,
        "after giving the 2 MiB back free memory is {}, was {}",
        after.free_memory,
        before.free_memory
    );
    Ok(())
}

/// Three children blocked on a pipe count as three more processes; once
/// reaped, they are gone from the count again.
pub fn sysinfo_processes() -> TestResult {
    let before = sysinfo()?;
    let (read_end, write_end) = libsys::pipe().map_err(|e| alloc::format!("pipe: {e}"))?;
    for _ in 0..3 {
        match libsys::fork() {
            Ok(0) => {
                let _ = libsys::close(write_end);
                let mut byte = [0u8; 1];
                let _ = libsys::read(read_end, &mut byte); // end of file when the parent closes
                libsys::exit(0);
            }
            Ok(_) => {}
            Err(e) => return Err(alloc::format!("fork: {e}")),
        }
    }
    let during = sysinfo()?;
    let _ = libsys::close(write_end);
    let _ = libsys::close(read_end);
    for _ in 0..3 {
        let _ = libsys::wait();
    }
    let after = sysinfo()?;
    check!(
        during.processes == before.processes + 3,
        "with 3 more children: {} processes, before {}",
        during.processes,
        before.processes
    );
    check!(
        after.processes == before.processes,
        "after reaping them: {} processes, before {}",
        after.processes,
        before.processes
    );
    Ok(())
}

/// A pointer the process may not write is EFAULT, not a crash.
pub fn sysinfo_bad_pointer() -> TestResult {
    sysinfo()?;
    for address in [0usize, 0xffff_8000_0000_0000, 0x7fff_ffff_fff8] {
        let result = syscall(SYS_SYSINFO, &[address]);
        check!(
            result == Errno::EFAULT.as_return(),
            "sysinfo({address:#x}) returned {result}, expected EFAULT"
        );
    }
    Ok(())
}

/// `labtests fork-tree`: fork a child, which forks a grandchild; each
/// waits for its own. Traced with `trace 2`, the grader expects a `fork`
/// line from this process and one from the child.
pub fn fork_tree() -> i32 {
    match libsys::fork() {
        Ok(0) => {
            match libsys::fork() {
                Ok(0) => libsys::exit(0),
                Ok(_) => {
                    let _ = libsys::wait();
                }
                Err(_) => libsys::exit(1),
            }
            libsys::exit(0)
        }
        Ok(_) => {
            let _ = libsys::wait();
            0
        }
        Err(_) => 1,
    }
}
