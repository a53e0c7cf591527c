//! Structures and constants that cross the user/kernel boundary.
//!
//! Every structure is declared with [`plain!`](crate::plain!): `#[repr(C)]`
//! with fixed-size integer fields and explicit padding, so the kernel and
//! user programs agree on its layout byte for byte, and the kernel may copy
//! it to and from user memory as bytes (see `plain.rs`).

use crate::plain;

mod netinfo;
pub use netinfo::*;

/// Lowest address a user program may use (the first page is never mapped,
/// so a null pointer dereference faults).
pub const USER_BASE: u64 = 0x1000;
/// Where user programs are linked (`user/user.ld`).
pub const USER_TEXT: u64 = 0x40_0000;
/// One past the highest user address (the start of the non-canonical hole).
pub const USER_TOP: u64 = 0x0000_8000_0000_0000;
/// The top of the user stack; a guard page lies below the stack.
pub const USER_STACK_TOP: u64 = 0x0000_7fff_ffff_f000;
/// Size of the user stack.
pub const USER_STACK_SIZE: u64 = 64 * 1024;

/// Longest path a system call accepts.
pub const MAX_PATH: usize = 256;
/// Most arguments `exec` accepts, and longest total size of their text.
pub const MAX_ARGS: usize = 32;
pub const MAX_ARG_BYTES: usize = 4096;
/// Length of a process name, including padding.
pub const PROC_NAME_LEN: usize = 16;

/// Exit status of a process killed with `kill`, as a shell would show it
/// (128 + 9, SIGKILL's number on Unix).
pub const STATUS_KILLED: i32 = 137;
/// Exit status of a process killed because it faulted (128 + 11, SIGSEGV).
pub const STATUS_FAULTED: i32 = 139;

/// The states a process can be in (`ProcInfo::state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ProcState {
    Unused = 0,
    Embryo = 1,
    Sleeping = 2,
    Runnable = 3,
    Running = 4,
    Zombie = 5,
}

impl ProcState {
    pub fn from_u8(value: u8) -> Option<ProcState> {
        Some(match value {
            0 => ProcState::Unused,
            1 => ProcState::Embryo,
            2 => ProcState::Sleeping,
            3 => ProcState::Runnable,
            4 => ProcState::Running,
            5 => ProcState::Zombie,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ProcState::Unused => "unused",
            ProcState::Embryo => "embryo",
            ProcState::Sleeping => "sleeping",
            ProcState::Runnable => "runnable",
            ProcState::Running => "running",
            ProcState::Zombie => "zombie",
        }
    }
}

plain! {
    /// A string passed to the kernel: address and length, no terminating NUL
    /// (`exec` takes its arguments as an array of these).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct StrRef {
        pub ptr: u64,
        pub len: u64,
    }
}

plain! {
    /// One process, as `procinfo` reports it.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct ProcInfo {
        pub pid: u32,
        pub parent_pid: u32,
        /// A `ProcState` as `u8`.
        pub state: u8,
        /// 1 for kernel threads, which have no user half.
        pub kernel_thread: u8,
        pub _pad: [u8; 6],
        /// Timer ticks during which this process was running.
        pub cpu_ticks: u64,
        /// Bytes of user memory mapped (code, data, heap, stack).
        pub memory_bytes: u64,
        /// NUL-padded name (the file name it was started from).
        pub name: [u8; PROC_NAME_LEN],
    }
}

impl ProcInfo {
    pub fn name(&self) -> &str {
        padded_str(&self.name)
    }
}

/// The text in a NUL-padded byte field (a name in a fixed-size struct):
/// everything before the first NUL, or "?" if it is not UTF-8.
pub fn padded_str(field: &[u8]) -> &str {
    let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    core::str::from_utf8(&field[..len]).unwrap_or("?")
}

/// `open` flags (Linux's values).
pub const O_RDONLY: u32 = 0;
pub const O_WRONLY: u32 = 1;
pub const O_RDWR: u32 = 2;
pub const O_ACCESS_MASK: u32 = 3;
pub const O_CREATE: u32 = 0o100;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;

/// `lseek` origins.
pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;

/// Most descriptors a process may have open at once.
pub const MAX_FDS: usize = 256;

/// What an open file is (`Stat::kind`, `DirEntry::kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FileKind {
    Regular = 1,
    Directory = 2,
    Console = 3,
    Pipe = 4,
    Socket = 5,
}

impl FileKind {
    pub fn from_u8(value: u8) -> Option<FileKind> {
        Some(match value {
            1 => FileKind::Regular,
            2 => FileKind::Directory,
            3 => FileKind::Console,
            4 => FileKind::Pipe,
            5 => FileKind::Socket,
            _ => return None,
        })
    }
}

plain! {
    /// What `fstat` reports.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Stat {
        /// A `FileKind` as `u8`.
        pub kind: u8,
        /// 1 if the file can be written (a file in /tmp, a pipe's write end...).
        pub writable: u8,
        pub _pad: [u8; 6],
        /// Bytes in a file; entries in a directory; bytes waiting in a pipe.
        pub size: u64,
    }
}

/// Longest file name (one path component).
pub const MAX_NAME: usize = 60;

plain! {
    /// One directory entry, as `getdents` writes them (an array of these).
    #[derive(Clone, Copy, Debug)]
    pub struct DirEntry {
        /// A `FileKind` as `u8`.
        pub kind: u8,
        pub name_len: u8,
        pub _pad: [u8; 2],
        pub name: [u8; MAX_NAME],
    }
}

impl Default for DirEntry {
    fn default() -> DirEntry {
        DirEntry {
            kind: 0,
            name_len: 0,
            _pad: [0; 2],
            name: [0; MAX_NAME],
        }
    }
}

impl DirEntry {
    pub fn name(&self) -> &str {
        let len = (self.name_len as usize).min(MAX_NAME);
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }
}

plain! {
    /// What `meminfo` reports, in bytes.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct MemInfo {
        pub frames_total: u64,
        pub frames_free: u64,
        pub heap_total: u64,
        pub heap_used: u64,
        pub page_size: u64,
    }
}

// ANCHOR: sockets
/// Address family: IPv4 (the only one).
pub const AF_INET: u32 = 2;
/// Socket kinds.
pub const SOCK_STREAM: u32 = 1; // TCP
pub const SOCK_DGRAM: u32 = 2; // UDP

plain! {
    /// An IPv4 address and port. Unlike C's `sockaddr_in`, both fields are in
    /// the machine's own byte order: the kernel converts at the wire.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct SocketAddr {
        pub family: u16,
        pub port: u16,
        pub addr: [u8; 4],
    }
}

impl SocketAddr {
    pub const fn new(addr: [u8; 4], port: u16) -> SocketAddr {
        SocketAddr {
            family: AF_INET as u16,
            port,
            addr,
        }
    }
}

/// `shutdown` directions.
pub const SHUT_RD: u32 = 0;
pub const SHUT_WR: u32 = 1;
pub const SHUT_RDWR: u32 = 2;

/// `setsockopt` options (value is an integer).
pub const SO_REUSEADDR: u32 = 2;

/// `fcntl` commands: get and set the `O_NONBLOCK` flag.
pub const F_GETFL: u32 = 3;
pub const F_SETFL: u32 = 4;

plain! {
    /// One descriptor to watch, for `poll`.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct PollFd {
        pub fd: i32,
        /// What to wait for: `POLLIN` and/or `POLLOUT`.
        pub events: i16,
        /// What happened (set by the kernel).
        pub revents: i16,
    }
}

pub const POLLIN: i16 = 0x1;
pub const POLLOUT: i16 = 0x4;
pub const POLLERR: i16 = 0x8;
pub const POLLHUP: i16 = 0x10;
pub const POLLNVAL: i16 = 0x20;

plain! {
    /// One TCP socket, as `tcpinfo` reports it (for `netstat` and the web pages).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct TcpSocketInfo {
        pub local: SocketAddr,
        pub remote: SocketAddr,
        /// The RFC 9293 state, as a NUL-padded name ("ESTABLISHED").
        pub state: [u8; 12],
        pub send_queue: u32,
        pub receive_queue: u32,
        pub rto_ms: u32,
        pub srtt_ms: u32,
        pub cwnd: u32,
        pub _pad: u32,
    }
}
impl TcpSocketInfo {
    /// The state's name ("ESTABLISHED", "TIME-WAIT", ...).
    pub fn state_name(&self) -> &str {
        padded_str(&self.state)
    }
}
// ANCHOR_END: sockets

// ANCHOR: schedinfo
/// Most CPUs `SchedInfo` reports.
pub const SCHED_MAX_CPUS: usize = 8;

plain! {
    /// What `schedinfo` reports: the scheduler's own counters since boot.
    /// Rates come from two samples (switches per second = change / time).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct SchedInfo {
        /// Context switches into a process so far.
        pub context_switches: u64,
        /// Timer ticks since boot (10 ms each).
        pub ticks: u64,
        /// CPUs running the scheduler.
        pub cpus: u32,
        pub _pad: u32,
        /// Per CPU: timer ticks that found it idle (no process to run).
        pub idle_ticks: [u64; SCHED_MAX_CPUS],
        /// Per CPU: context switches into a process on that CPU.
        pub cpu_switches: [u64; SCHED_MAX_CPUS],
        /// How many entries of `locks` are filled.
        pub lock_count: u32,
        pub _pad2: u32,
        /// Per lock class (every lock of one name), in the kernel's lock order.
        pub locks: [LockStat; SCHED_MAX_LOCKS],
    }
}

/// Most lock classes `SchedInfo` reports.
pub const SCHED_MAX_LOCKS: usize = 32;

plain! {
    /// One lock class's counters since boot.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct LockStat {
        /// The class name, NUL-padded.
        pub name: [u8; PROC_NAME_LEN],
        /// Times a lock of this class was taken.
        pub acquisitions: u64,
        /// Of those, how many found it held by another CPU and spun.
        pub contended: u64,
        /// Turns of the spin loop over all those waits.
        pub spins: u64,
    }
}
// ANCHOR_END: schedinfo

impl LockStat {
    pub fn name(&self) -> &str {
        padded_str(&self.name)
    }
}

impl SchedInfo {
    /// The filled lock entries (a count beyond the array is clamped).
    pub fn locks(&self) -> &[LockStat] {
        &self.locks[..(self.lock_count as usize).min(SCHED_MAX_LOCKS)]
    }
}
