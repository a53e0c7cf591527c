//! The system-call table: the single place a system call is declared.
//!
//! Each line gives the number, the name and the typed arguments, as a user
//! program passes them. Everything else is generated from this one list:
//! - here: `nr::NAME` (the numbers), `NAMES` (number → name, for tracing
//!   and tests), `COUNT`, and a compile-time check that no number is used
//!   twice and no call takes more than six arguments;
//! - with the `user` feature: `raw::name(args) -> isize`, an `unsafe fn`
//!   that puts the arguments in the right registers and executes `syscall`;
//! - in the kernel (`kernel/src/syscall/table.rs`): the dispatch table,
//!   which converts each register to the argument's type and calls the
//!   handler of the same name. A table line without a handler, or a
//!   handler whose parameters do not match the line, does not compile.
//!
//! So adding a system call takes two edits: a line here and a handler in
//! the kernel. A safe wrapper in `user/sys.rs` is welcome but optional.
//!
//! Calling convention (the kernel's side is in `kernel/src/syscall/entry.rs`):
//! number in `rax`, arguments in `rdi, rsi, rdx, r10, r8, r9`, result in
//! `rax`: a value `>= 0` on success, `-errno` on failure. `rcx` and `r11` are
//! clobbered (the `syscall` instruction uses them).

// ANCHOR: table
/// Calls `$callback!` with the whole table. The table is a macro so that
/// both sides of the boundary — this crate's stubs and the kernel's
/// dispatcher — are generated from the same lines.
#[macro_export]
macro_rules! for_each_syscall {
    ($callback:ident) => {
        $callback! {
            0 => exit(status: i32);
            1 => fork();
            2 => exec(path: *const u8, path_len: usize, argv: *const StrRef, argc: usize);
            3 => wait(status_out: *mut i32);
            4 => kill(pid: u32);
            5 => getpid();
            // ANCHOR: getppid
            6 => getppid();
            // ANCHOR_END: getppid
            7 => sbrk(increment: isize);
            8 => sleep(milliseconds: u64);
            9 => uptime();
            10 => yield_now();
            11 => read(fd: usize, buffer: *mut u8, length: usize);
            12 => write(fd: usize, buffer: *const u8, length: usize);
            13 => procinfo(buffer: *mut ProcInfo, capacity: usize);
            14 => time_ns();
            15 => halt(code: u32);
            16 => open(path: *const u8, path_len: usize, flags: u32);
            17 => close(fd: usize);
            18 => dup(fd: usize);
            19 => dup2(fd: usize, new_fd: usize);
            20 => pipe(fds_out: *mut [i32; 2]);
            21 => fstat(fd: usize, stat_out: *mut Stat);
            22 => lseek(fd: usize, offset: i64, whence: u32);
            23 => getdents(fd: usize, buffer: *mut DirEntry, capacity: usize);
            24 => chdir(path: *const u8, path_len: usize);
            25 => getcwd(buffer: *mut u8, capacity: usize);
            26 => mkdir(path: *const u8, path_len: usize);
            27 => unlink(path: *const u8, path_len: usize);
            28 => setpgid(pid: u32, pgid: u32);
            29 => set_foreground(pgid: u32);
            30 => meminfo(info_out: *mut MemInfo);
            31 => schedinfo(info_out: *mut SchedInfo);
            40 => ping(dst_ip: u32, seq: u16, timeout_ms: u64);
            41 => netinfo(info_out: *mut NetInfo);
            59 => sendfile(socket: usize, file: usize, offset: u64, length: usize);
            60 => socket(domain: u32, kind: u32, flags: u32);
            61 => bind(fd: usize, address: *const SocketAddr);
            62 => listen(fd: usize, backlog: usize);
            63 => accept(fd: usize, address_out: *mut SocketAddr);
            64 => connect(fd: usize, address: *const SocketAddr);
            65 => sendto(fd: usize, buffer: *const u8, length: usize, address: *const SocketAddr);
            66 => recvfrom(fd: usize, buffer: *mut u8, length: usize, address_out: *mut SocketAddr);
            67 => shutdown(fd: usize, how: u32);
            68 => setsockopt(fd: usize, option: u32, value: usize);
            69 => poll(fds: *mut PollFd, count: usize, timeout_ms: i64);
            70 => fcntl(fd: usize, command: u32, argument: u32);
            71 => tcpinfo(buffer: *mut TcpSocketInfo, capacity: usize);
            72 => profile(on: u32);
        }
    };
}
// ANCHOR_END: table

// ANCHOR: macro
/// What this crate makes of the table: numbers, names and user stubs.
macro_rules! define_user_side {
    ($( $number:literal => $name:ident ( $($arg:ident : $type:ty),* ) ; )*) => {
        /// System-call numbers.
        #[allow(non_upper_case_globals)]
        pub mod nr {
            $( pub const $name: usize = $number; )*
        }

        /// Every system call's number and name, in table order.
        pub const NAMES: &[(usize, &str)] = &[ $( ($number, stringify!($name)) ),* ];

        /// One more than the highest number: the size of the kernel's table.
        pub const COUNT: usize = {
            let mut count = 0;
            $( if $number + 1 > count { count = $number + 1; } )*
            count
        };

        // A number used twice, or a call with more arguments than there
        // are registers, stops the build here with the call's name.
        const _: () = {
            let mut taken = [false; COUNT];
            $(
                assert!(!taken[$number], concat!(
                    "system call number ", stringify!($number), " (", stringify!($name),
                    ") is already taken: pick a free number",
                ));
                taken[$number] = true;
                assert!(
                    <[&str]>::len(&[$(stringify!($arg)),*]) <= 6,
                    concat!(stringify!($name), " takes more than six arguments"),
                );
            )*
        };

        /// The raw stubs: typed arguments in, the kernel's word out
        /// (`-errno` on failure). `unsafe`, because a pointer argument
        /// lets the kernel write into this program's memory wherever it
        /// points: the caller must pass pointers that are valid for what
        /// the call does with them. The safe wrappers in `user::sys` do.
        #[cfg(feature = "user")]
        pub mod raw {
            #[allow(unused_imports)]
            use $crate::abi::*;
            use $crate::syscalls::IntoRegister;
            $(
                /// # Safety
                /// Pointer arguments must be valid for the call (see the module).
                #[inline(always)]
                #[allow(clippy::too_many_arguments)]
                pub unsafe fn $name($($arg: $type),*) -> isize {
                    // SAFETY: the caller vouches for the pointers; the
                    // kernel checks that they are this process's memory.
                    unsafe {
                        $crate::user::syscall::call(
                            $number,
                            &[$(IntoRegister::into_register($arg)),*],
                        )
                    }
                }
            )*
        }
    };
}
// ANCHOR_END: macro

#[allow(unused_imports)]
use crate::abi::*;
for_each_syscall!(define_user_side);

/// How a user-side argument becomes a register: integers are widened
/// (signed ones sign-extended, as the C ABI does), pointers become their
/// address. The kernel does the reverse, checking that the value fits.
pub trait IntoRegister {
    fn into_register(self) -> usize;
}

macro_rules! into_register_by_cast {
    ($($t:ty),*) => { $(
        impl IntoRegister for $t {
            fn into_register(self) -> usize {
                self as usize
            }
        }
    )* };
}
into_register_by_cast!(u16, u32, u64, usize, i32, i64, isize);

impl<T> IntoRegister for *const T {
    fn into_register(self) -> usize {
        self as usize
    }
}

impl<T> IntoRegister for *mut T {
    fn into_register(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_and_ascending() {
        for pair in NAMES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} then {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn count_covers_the_highest_number() {
        assert_eq!(COUNT, NAMES.iter().map(|(n, _)| n + 1).max().unwrap());
    }

    #[test]
    fn signed_arguments_are_sign_extended() {
        assert_eq!((-1i32).into_register(), usize::MAX);
        assert_eq!((-2i64).into_register() as isize, -2);
    }

    #[test]
    fn names_match_constants() {
        let name_of = |nr: usize| NAMES.iter().find(|(n, _)| *n == nr).map(|(_, name)| *name);
        assert_eq!(name_of(nr::fork), Some("fork"));
        assert_eq!(name_of(nr::write), Some("write"));
        assert_eq!(name_of(nr::ping), Some("ping"));
        assert_eq!(name_of(nr::netinfo), Some("netinfo"));
        assert_eq!(nr::ping, 40);
        assert_eq!(name_of(nr::accept), Some("accept"));
    }
}
