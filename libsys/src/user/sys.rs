//! Safe wrappers around the system calls: Rust types in, `Result` out.
//!
//! Each function passes its arguments to the raw stub generated from the
//! table in `syscalls.rs` and turns a negative result into an `Errno`. The
//! raw stubs are `unsafe` because they take pointers; every `unsafe` block
//! here passes pointers made from Rust references and slices, valid for
//! exactly the length it passes with them.

use crate::abi::{
    DirEntry, MemInfo, NetInfo, PollFd, ProcInfo, SchedInfo, SocketAddr, Stat, StrRef,
    TcpSocketInfo,
};
use crate::errno::Errno;
use crate::syscalls::raw;

pub type SysResult<T> = Result<T, Errno>;

/// Ends the calling process with `status`; its parent's `wait` sees it.
pub fn exit(status: i32) -> ! {
    // SAFETY: no pointers.
    unsafe { raw::exit(status) };
    unreachable!("exit returned");
}

/// Creates a copy of the calling process. Returns the child's pid in the
/// parent and 0 in the child.
pub fn fork() -> SysResult<u32> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::fork() }).map(|pid| pid as u32)
}

/// Replaces the calling program with the one at `path`, passing `args`
/// (by convention `args[0]` is the program's name). Returns only on error.
pub fn exec(path: &str, args: &[&str]) -> Errno {
    let mut refs = [StrRef::default(); crate::abi::MAX_ARGS];
    if args.len() > refs.len() {
        return Errno::E2BIG;
    }
    for (r, arg) in refs.iter_mut().zip(args) {
        *r = StrRef {
            ptr: arg.as_ptr() as u64,
            len: arg.len() as u64,
        };
    }
    // SAFETY: `path` and `refs[..args.len()]` are valid for their lengths,
    // and each `StrRef` describes a live `&str`.
    let ret = unsafe { raw::exec(path.as_ptr(), path.len(), refs.as_ptr(), args.len()) };
    Errno::check(ret).err().unwrap_or(Errno::EINVAL)
}

// ANCHOR: wait
/// Waits for a child to exit; returns its pid and exit status.
pub fn wait() -> SysResult<(u32, i32)> {
    let mut status: i32 = 0;
    // SAFETY: `status` is a local the kernel may write.
    let pid = Errno::check(unsafe { raw::wait(&mut status) })?;
    Ok((pid as u32, status))
}
// ANCHOR_END: wait

/// Asks process `pid` to exit (it does so at its next return to user mode).
pub fn kill(pid: u32) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::kill(pid) }).map(drop)
}

pub fn getpid() -> u32 {
    // SAFETY: no pointers.
    unsafe { raw::getpid() as u32 }
}

// ANCHOR: getppid
pub fn getppid() -> u32 {
    // SAFETY: no pointers.
    unsafe { raw::getppid() as u32 }
}
// ANCHOR_END: getppid

/// Moves the program break by `increment` bytes (may be negative);
/// returns the old break, which is the start of any new memory.
pub fn sbrk(increment: isize) -> SysResult<usize> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::sbrk(increment) })
}

/// Sleeps for at least `milliseconds`. Fails with `EINTR` if killed.
pub fn sleep_ms(milliseconds: u64) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::sleep(milliseconds) }).map(drop)
}

/// Milliseconds since boot (resolution: one timer tick, 10 ms).
pub fn uptime_ms() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw::uptime() as u64 }
}

/// Nanoseconds since boot, from the CPU's time-stamp counter.
pub fn time_ns() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw::time_ns() as u64 }
}

/// Gives up the CPU to another runnable process, if there is one.
pub fn yield_now() {
    // SAFETY: no pointers.
    unsafe { raw::yield_now() };
}

pub fn read(fd: usize, buffer: &mut [u8]) -> SysResult<usize> {
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    Errno::check(unsafe { raw::read(fd, buffer.as_mut_ptr(), buffer.len()) })
}

pub fn write(fd: usize, buffer: &[u8]) -> SysResult<usize> {
    // SAFETY: the kernel reads `buffer.len()` bytes of `buffer`.
    Errno::check(unsafe { raw::write(fd, buffer.as_ptr(), buffer.len()) })
}

/// Fills `buffer` with one entry per process; returns how many it filled.
pub fn procinfo(buffer: &mut [ProcInfo]) -> SysResult<usize> {
    // SAFETY: at most `buffer.len()` entries are written.
    Errno::check(unsafe { raw::procinfo(buffer.as_mut_ptr(), buffer.len()) })
}

/// Powers the machine off (QEMU exits with `code`). Only init may do this.
pub fn halt(code: u32) -> Errno {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::halt(code) })
        .err()
        .unwrap_or(Errno::EINVAL)
}

/// Opens the file at `path` with `O_*` flags; returns a descriptor.
pub fn open(path: &str, flags: u32) -> SysResult<usize> {
    // SAFETY: `path` is valid for `path.len()` bytes.
    Errno::check(unsafe { raw::open(path.as_ptr(), path.len(), flags) })
}

pub fn close(fd: usize) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::close(fd) }).map(drop)
}

/// A new descriptor (the lowest free) for the same open file as `fd`.
pub fn dup(fd: usize) -> SysResult<usize> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::dup(fd) })
}

/// Makes `new_fd` refer to the same open file as `fd` (closing what
/// `new_fd` was first).
pub fn dup2(fd: usize, new_fd: usize) -> SysResult<usize> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::dup2(fd, new_fd) })
}

/// A pipe: returns (read end, write end).
pub fn pipe() -> SysResult<(usize, usize)> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is the two-descriptor array the kernel fills.
    Errno::check(unsafe { raw::pipe(&mut fds) })?;
    Ok((fds[0] as usize, fds[1] as usize))
}

pub fn fstat(fd: usize) -> SysResult<Stat> {
    let mut stat = Stat::default();
    // SAFETY: `stat` is a local the kernel fills.
    Errno::check(unsafe { raw::fstat(fd, &mut stat) })?;
    Ok(stat)
}

/// Moves the file offset; `whence` is `SEEK_SET`, `SEEK_CUR` or `SEEK_END`.
pub fn lseek(fd: usize, offset: i64, whence: u32) -> SysResult<u64> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::lseek(fd, offset, whence) }).map(|o| o as u64)
}

/// Reads directory entries from the directory open at `fd`; returns how
/// many it wrote (0 at the end of the directory).
pub fn getdents(fd: usize, entries: &mut [DirEntry]) -> SysResult<usize> {
    // SAFETY: at most `entries.len()` entries are written.
    Errno::check(unsafe { raw::getdents(fd, entries.as_mut_ptr(), entries.len()) })
}

pub fn chdir(path: &str) -> SysResult<()> {
    // SAFETY: `path` is valid for `path.len()` bytes.
    Errno::check(unsafe { raw::chdir(path.as_ptr(), path.len()) }).map(drop)
}

/// Writes the current directory into `buffer`; returns it as a `&str`.
pub fn getcwd(buffer: &mut [u8]) -> SysResult<&str> {
    // SAFETY: at most `buffer.len()` bytes are written.
    let n = Errno::check(unsafe { raw::getcwd(buffer.as_mut_ptr(), buffer.len()) })?;
    core::str::from_utf8(&buffer[..n]).map_err(|_| Errno::EINVAL)
}

pub fn mkdir(path: &str) -> SysResult<()> {
    // SAFETY: `path` is valid for `path.len()` bytes.
    Errno::check(unsafe { raw::mkdir(path.as_ptr(), path.len()) }).map(drop)
}

/// Removes a file (or an empty directory).
pub fn unlink(path: &str) -> SysResult<()> {
    // SAFETY: `path` is valid for `path.len()` bytes.
    Errno::check(unsafe { raw::unlink(path.as_ptr(), path.len()) }).map(drop)
}

/// Puts process `pid` (0: the caller) in process group `pgid` (0: a new
/// group named after `pid`).
pub fn setpgid(pid: u32, pgid: u32) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::setpgid(pid, pgid) }).map(drop)
}

/// Makes `pgid` the console's foreground group: the one Ctrl-C kills.
pub fn set_foreground(pgid: u32) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::set_foreground(pgid) }).map(drop)
}

pub fn meminfo() -> SysResult<MemInfo> {
    let mut info = MemInfo::default();
    // SAFETY: `info` is a local the kernel fills.
    Errno::check(unsafe { raw::meminfo(&mut info) })?;
    Ok(info)
}

/// A new socket: `kind` is `SOCK_STREAM` (TCP) or `SOCK_DGRAM` (UDP);
/// `flags` may be `O_NONBLOCK`.
pub fn socket(kind: u32, flags: u32) -> SysResult<usize> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::socket(crate::abi::AF_INET, kind, flags) })
}

pub fn bind(fd: usize, address: &SocketAddr) -> SysResult<()> {
    // SAFETY: `address` is a valid reference.
    Errno::check(unsafe { raw::bind(fd, address) }).map(drop)
}

pub fn listen(fd: usize, backlog: usize) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::listen(fd, backlog) }).map(drop)
}

/// Waits for a connection on a listening socket; returns its descriptor
/// and the peer's address.
pub fn accept(fd: usize) -> SysResult<(usize, SocketAddr)> {
    let mut peer = SocketAddr::default();
    // SAFETY: `peer` is a local the kernel fills.
    let new_fd = Errno::check(unsafe { raw::accept(fd, &mut peer) })?;
    Ok((new_fd, peer))
}

pub fn connect(fd: usize, address: &SocketAddr) -> SysResult<()> {
    // SAFETY: `address` is a valid reference.
    Errno::check(unsafe { raw::connect(fd, address) }).map(drop)
}

/// Sends a datagram to `to` (UDP), or data on a connected socket (`to` None).
pub fn sendto(fd: usize, data: &[u8], to: Option<&SocketAddr>) -> SysResult<usize> {
    let to = to.map_or(core::ptr::null(), |a| a as *const SocketAddr);
    // SAFETY: `data` is valid for its length; `to` is null or a reference.
    Errno::check(unsafe { raw::sendto(fd, data.as_ptr(), data.len(), to) })
}

/// Sends up to `length` bytes of the file open at `file`, from `offset`, on
/// the connected TCP socket `socket`, without copying them through this
/// program; returns how many were queued (0 at the end of the file). The
/// file's own offset does not move.
pub fn sendfile(socket: usize, file: usize, offset: u64, length: usize) -> SysResult<usize> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::sendfile(socket, file, offset, length) })
}

/// Receives a datagram (UDP) or data (TCP); returns its length and sender.
pub fn recvfrom(fd: usize, buffer: &mut [u8]) -> SysResult<(usize, SocketAddr)> {
    let mut from = SocketAddr::default();
    // SAFETY: at most `buffer.len()` bytes are written; `from` is a local.
    let n =
        Errno::check(unsafe { raw::recvfrom(fd, buffer.as_mut_ptr(), buffer.len(), &mut from) })?;
    Ok((n, from))
}

pub fn shutdown(fd: usize, how: u32) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::shutdown(fd, how) }).map(drop)
}

pub fn setsockopt(fd: usize, option: u32, value: usize) -> SysResult<()> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::setsockopt(fd, option, value) }).map(drop)
}

/// Waits until one of `fds` is ready, or `timeout_ms` passes (-1: forever,
/// 0: just look). Returns how many have non-zero `revents`.
pub fn poll(fds: &mut [PollFd], timeout_ms: i64) -> SysResult<usize> {
    // SAFETY: the kernel reads and rewrites exactly `fds.len()` entries.
    Errno::check(unsafe { raw::poll(fds.as_mut_ptr(), fds.len(), timeout_ms) })
}

pub fn fcntl(fd: usize, command: u32, argument: u32) -> SysResult<usize> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::fcntl(fd, command, argument) })
}

/// Fills `buffer` with the TCP sockets of the system; returns the count.
/// Switches the kernel's sampling profiler on (emptying it) or off;
/// returns whether it was on. The samples are in `/dev/profile`.
pub fn profile(on: bool) -> SysResult<bool> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::profile(on as u32) }).map(|was| was == 1)
}

pub fn tcpinfo(buffer: &mut [TcpSocketInfo]) -> SysResult<usize> {
    // SAFETY: at most `buffer.len()` entries are written.
    Errno::check(unsafe { raw::tcpinfo(buffer.as_mut_ptr(), buffer.len()) })
}

/// Sends one ICMP echo request ("ping") with sequence number `seq` to
/// `dst` (an IPv4 address in host order, `u32::from(Ipv4Addr)`), and waits
/// up to `timeout_ms` for the reply. Returns the round-trip time in
/// microseconds. `ETIMEDOUT` if no reply came, `ENETUNREACH` if there is no
/// route, `ENETDOWN` if the machine has no network card.
pub fn ping(dst: u32, seq: u16, timeout_ms: u64) -> SysResult<u64> {
    // SAFETY: no pointers.
    Errno::check(unsafe { raw::ping(dst, seq, timeout_ms) }).map(|us| us as u64)
}

/// The network interface: addresses, link, counters, ARP cache.
/// `ENETDOWN` if the machine has no network card.
pub fn netinfo(info: &mut NetInfo) -> SysResult<()> {
    // SAFETY: `info` is a valid exclusive reference.
    Errno::check(unsafe { raw::netinfo(info) }).map(drop)
}

/// The scheduler's counters: context switches, ticks, idle ticks per CPU.
pub fn schedinfo() -> SysResult<SchedInfo> {
    let mut info = SchedInfo::default();
    // SAFETY: `info` is a local the kernel fills.
    Errno::check(unsafe { raw::schedinfo(&mut info) })?;
    Ok(info)
}
