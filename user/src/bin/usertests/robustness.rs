//! What an adversarial program can throw at the kernel: addresses at the
//! very end of the address space, lengths and counts near `u64::MAX`,
//! arguments too wide for their type, one process trying to take a whole
//! shared resource. Each gets an error code; the kernel and every other
//! process carry on. (`fuzz` throws the same at random; these are the
//! classes it must never find again, one named test each.)

use crate::{TestResult, check, in_child, syscall};
use alloc::format;
use libsys::Errno;
use libsys::abi::{AF_INET, O_CREATE, O_RDWR, SOCK_DGRAM, SocketAddr, StrRef};
use libsys::syscalls::nr;

/// The last bytes of the 64-bit address space: `pointer + length` wraps.
const LAST_PAGE: usize = 0xffff_ffff_ffff_fff0;

fn returns(ret: isize, errno: Errno) -> bool {
    ret == errno.as_return()
}

/// Every call that copies a path, a struct or an argument from the last
/// page of the address space gets EFAULT (the kernel used to overflow).
pub fn last_page_of_the_address_space() -> TestResult {
    let efault = |ret| returns(ret, Errno::EFAULT);
    check!(efault(syscall(nr::open, &[LAST_PAGE, 8, 0])), "open");
    check!(efault(syscall(nr::fstat, &[1, LAST_PAGE])), "fstat");
    check!(efault(syscall(nr::write, &[1, LAST_PAGE, 16])), "write");
    check!(efault(syscall(nr::read, &[0, LAST_PAGE, 16])), "read");
    check!(efault(syscall(nr::chdir, &[LAST_PAGE, 4])), "chdir");
    check!(efault(syscall(nr::wait, &[LAST_PAGE])), "wait");
    check!(efault(syscall(nr::pipe, &[LAST_PAGE])), "pipe");
    check!(efault(syscall(nr::meminfo, &[LAST_PAGE])), "meminfo");
    check!(efault(syscall(nr::poll, &[LAST_PAGE, 1, 0])), "poll");
    check!(efault(syscall(nr::procinfo, &[LAST_PAGE, 2])), "procinfo");
    check!(
        efault(syscall(nr::exec, &[LAST_PAGE, 8, 0, 0])),
        "exec path"
    );
    let path = "/bin/true";
    check!(
        efault(syscall(
            nr::exec,
            &[path.as_ptr() as usize, path.len(), LAST_PAGE, 1]
        )),
        "exec argv"
    );
    let arg = StrRef {
        ptr: LAST_PAGE as u64,
        len: 16,
    };
    let argv = &arg as *const StrRef as usize;
    check!(
        efault(syscall(
            nr::exec,
            &[path.as_ptr() as usize, path.len(), argv, 1]
        )),
        "exec argument string"
    );
    Ok(())
}

/// Lengths, counts and sizes near the top of their range.
pub fn huge_lengths_and_counts() -> TestResult {
    let mut byte = [0u8; 1];
    let buffer = byte.as_mut_ptr() as usize;
    check!(returns(
        syscall(nr::write, &[1, buffer, usize::MAX]),
        Errno::EFAULT
    ));
    check!(returns(
        syscall(nr::read, &[0, buffer, usize::MAX]),
        Errno::EFAULT
    ));
    check!(returns(
        syscall(nr::open, &[buffer, usize::MAX, 0]),
        Errno::ENAMETOOLONG
    ));
    check!(returns(
        syscall(nr::getdents, &[99, buffer, usize::MAX]),
        Errno::EBADF
    ));
    check!(returns(
        syscall(nr::poll, &[buffer, usize::MAX, 0]),
        Errno::EINVAL
    ));
    check!(returns(
        syscall(nr::procinfo, &[0x1000, usize::MAX]),
        Errno::EFAULT
    ));
    // An argument of u64::MAX bytes: the sum of the lengths used to overflow.
    let path = "/bin/true";
    let arg = StrRef {
        ptr: path.as_ptr() as u64,
        len: u64::MAX,
    };
    let ret = syscall(
        nr::exec,
        &[
            path.as_ptr() as usize,
            path.len(),
            &arg as *const StrRef as usize,
            1,
        ],
    );
    check!(
        returns(ret, Errno::E2BIG),
        "exec with a u64::MAX argument: {ret}"
    );
    check!(returns(
        syscall(nr::sbrk, &[isize::MAX as usize]),
        Errno::ENOMEM
    ));
    check!(returns(
        syscall(nr::sbrk, &[isize::MIN as usize]),
        Errno::ENOMEM
    ));
    Ok(())
}

/// Timeouts that would overflow a deadline in nanoseconds.
pub fn huge_timeouts() -> TestResult {
    let (r, w) = libsys::pipe().map_err(|e| format!("pipe: {e}"))?;
    libsys::write(w, b"x").map_err(|e| format!("write: {e}"))?;
    let mut fds = [libsys::abi::PollFd {
        fd: r as i32,
        events: libsys::abi::POLLIN,
        revents: 0,
    }];
    // Ready at once, whatever the timeout: the deadline must not wrap
    // (before: a panic in debug builds, an instant timeout in release).
    check!(
        libsys::poll(&mut fds, i64::MAX) == Ok(1),
        "poll with i64::MAX"
    );
    check!(fds[0].revents & libsys::abi::POLLIN != 0);
    // A sleep of u64::MAX milliseconds is still a sleep that `kill` ends.
    fn sleeper() -> i32 {
        let _ = libsys::sleep_ms(u64::MAX);
        0
    }
    let pid = libsys::fork().map_err(|e| format!("fork: {e}"))?;
    if pid == 0 {
        libsys::exit(sleeper());
    }
    libsys::sleep_ms(20).map_err(|e| format!("sleep: {e}"))?;
    libsys::kill(pid).map_err(|e| format!("kill: {e}"))?;
    check!(
        libsys::wait() == Ok((pid, libsys::abi::STATUS_KILLED)),
        "the endless sleeper"
    );
    let _ = (libsys::close(r), libsys::close(w));
    Ok(())
}

/// Arguments wider than their type are refused, not truncated.
pub fn arguments_wider_than_their_type() -> TestResult {
    let socket = syscall(
        nr::socket,
        &[(1 << 32) | AF_INET as usize, SOCK_DGRAM as usize, 0],
    );
    check!(
        returns(socket, Errno::EINVAL),
        "socket(1<<32 | 2) gave {socket}"
    );
    let pid = libsys::getpid() as usize;
    check!(returns(
        syscall(nr::kill, &[(1 << 32) | pid]),
        Errno::EINVAL
    ));
    check!(returns(syscall(nr::exit, &[1 << 40]), Errno::EINVAL));
    check!(returns(syscall(nr::ping, &[0, 1 << 16, 0]), Errno::EINVAL));
    check!(returns(
        syscall(nr::fcntl, &[0, (1 << 32) | 3, 0]),
        Errno::EINVAL
    ));
    Ok(())
}

/// The working directory and every path argument stay within MAX_PATH,
/// however many relative steps a program takes.
pub fn paths_stay_within_max_path() -> TestResult {
    fn child() -> i32 {
        let name = "d".repeat(50);
        if libsys::chdir("/tmp").is_err() {
            return 1;
        }
        let mut depth = 0;
        loop {
            match libsys::mkdir(&name) {
                Ok(()) => {}
                Err(Errno::ENAMETOOLONG) => break,
                Err(_) => return 2,
            }
            if libsys::chdir(&name).is_err() {
                return 3;
            }
            depth += 1;
            if depth > 10 {
                return 4; // 10 × 51 bytes is past MAX_PATH: must have stopped
            }
        }
        let mut buffer = [0u8; libsys::abi::MAX_PATH];
        match libsys::getcwd(&mut buffer) {
            Ok(cwd) if cwd.len() <= libsys::abi::MAX_PATH => {}
            _ => return 5,
        }
        // Clean up, deepest first.
        for _ in 0..depth {
            if libsys::chdir("..").is_err() || libsys::unlink(&name).is_err() {
                return 6;
            }
        }
        0
    }
    check!(in_child(child)? == 0, "a relative path grew past MAX_PATH");
    Ok(())
}

/// One process filling /tmp gets ENOSPC — for file bytes and for the
/// nodes themselves (each file or directory is charged to /tmp's budget) —
/// and meanwhile another process can still make pipes.
pub fn tmp_nodes_cannot_exhaust_the_kernel_heap() -> TestResult {
    fn filler() -> i32 {
        if libsys::mkdir("/tmp/many").is_err() {
            return 1;
        }
        // Spend most of the budget on 1 MiB files, quickly...
        let block = alloc::vec![0u8; 65536]; // not on the 64 KiB stack
        let mut files = 0;
        'filling: while let Ok(fd) =
            libsys::open(&format!("/tmp/many/big{files}"), O_CREATE | O_RDWR)
        {
            files += 1;
            for _ in 0..16 {
                if libsys::write(fd, &block).is_err() {
                    let _ = libsys::close(fd);
                    break 'filling;
                }
            }
            let _ = libsys::close(fd);
            if files > 1000 {
                return 2; // a gigabyte of /tmp in a 128 MiB machine?
            }
        }
        // ...then the rest on nodes, until they are refused too.
        let mut made = 0u32;
        let failure = loop {
            let path = format!("/tmp/many/f{made}");
            let result = if made.is_multiple_of(2) {
                libsys::open(&path, O_CREATE | O_RDWR).and_then(libsys::close)
            } else {
                libsys::mkdir(&path)
            };
            match result {
                Ok(()) => made += 1,
                Err(e) => break e,
            }
            if made > 100_000 {
                return 3; // nodes without end: they are not charged
            }
        };
        if failure != Errno::ENOSPC && failure != Errno::ENOMEM {
            return 4;
        }
        // While /tmp is full, pipes still work.
        let Ok((r, w)) = libsys::pipe() else {
            return 5;
        };
        let _ = (libsys::close(r), libsys::close(w));
        for i in 0..made {
            if libsys::unlink(&format!("/tmp/many/f{i}")).is_err() {
                return 6;
            }
        }
        for i in 0..files {
            if libsys::unlink(&format!("/tmp/many/big{i}")).is_err() {
                return 7;
            }
        }
        if libsys::unlink("/tmp/many").is_err() {
            8
        } else {
            0
        }
    }
    let status = in_child(filler)?;
    check!(status == 0, "filling /tmp: status {status}");
    // All of it came back: a big file fits again.
    let fd = libsys::open("/tmp/after", O_CREATE | O_RDWR).map_err(|e| format!("open: {e}"))?;
    let block = [7u8; 4096];
    for _ in 0..256 {
        libsys::write(fd, &block).map_err(|e| format!("write after cleanup: {e}"))?;
    }
    libsys::close(fd).map_err(|e| format!("close: {e}"))?;
    libsys::unlink("/tmp/after").map_err(|e| format!("unlink: {e}"))?;
    Ok(())
}

/// One process may hold only its share of the system's UDP ports; another
/// process can still bind one while the first holds all it may.
pub fn udp_ports_are_shared_fairly() -> TestResult {
    let (r, w) = libsys::pipe().map_err(|e| format!("pipe: {e}"))?;
    let hog = libsys::fork().map_err(|e| format!("fork: {e}"))?;
    if hog == 0 {
        let mut held = 0u8;
        let error = loop {
            let Ok(fd) = libsys::socket(SOCK_DGRAM, 0) else {
                libsys::exit(1);
            };
            match libsys::bind(fd, &SocketAddr::new([0; 4], 0)) {
                Ok(()) => held += 1,
                Err(e) => break e,
            }
            if held > 64 {
                libsys::exit(2);
            }
        };
        let report = if error == Errno::EMFILE { held } else { 0 };
        let _ = libsys::write(w, &[report]);
        let _ = libsys::sleep_ms(u64::MAX); // hold the ports until killed
        libsys::exit(3);
    }
    let _ = libsys::close(w);
    let mut held = [0u8];
    let n = libsys::read(r, &mut held).map_err(|e| format!("read: {e}"))?;
    // While the hog holds all it may, this process still gets a port.
    let fd = libsys::socket(SOCK_DGRAM, 0).map_err(|e| format!("socket: {e}"))?;
    let bound = libsys::bind(fd, &SocketAddr::new([0; 4], 0));
    let _ = (
        libsys::close(fd),
        libsys::close(r),
        libsys::kill(hog),
        libsys::wait(),
    );
    check!(
        n == 1 && held[0] > 0,
        "the hog was not stopped by EMFILE ({n}, {})",
        held[0]
    );
    check!(bound.is_ok(), "no port left for another process: {bound:?}");
    Ok(())
}

/// exec of a /tmp file too large to copy fails cleanly (or runs, if it
/// is a program); the kernel's heap is not exhausted by it.
pub fn exec_of_a_large_tmp_file() -> TestResult {
    let fd = libsys::open("/tmp/big", O_CREATE | O_RDWR).map_err(|e| format!("open: {e}"))?;
    let block = [0x41u8; 4096];
    let mut written = 0;
    while written < (4 << 20) {
        match libsys::write(fd, &block) {
            Ok(n) => written += n,
            Err(_) => break,
        }
    }
    libsys::close(fd).map_err(|e| format!("close: {e}"))?;
    let error = libsys::exec("/tmp/big", &["big"]);
    let _ = libsys::unlink("/tmp/big");
    check!(
        error == Errno::ENOEXEC || error == Errno::ENOMEM,
        "exec of 4 MiB of 'A's: {error}"
    );
    Ok(())
}
