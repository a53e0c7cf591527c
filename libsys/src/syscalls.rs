//! The system-call table: the single place a system call is declared.
//!
//! Each line gives the number, the name and the arguments. From it the
//! macro below generates:
//! - `nr::NAME`: the numbers, which the kernel's dispatcher matches on;
//! - `NAMES`: number → name, for tracing and for tests;
//! - with the `user` feature, `raw::name(args) -> isize`: a function that
//!   executes `syscall` with the arguments in the right registers.
//!
//! Adding a system call takes three edits: a line here, a handler in the
//! kernel (`kernel/src/syscall/`), and a line in the kernel's dispatcher
//! (`kernel/src/syscall/mod.rs`). A safe wrapper in `user/sys.rs` is
//! welcome but optional.
//!
//! Calling convention (the kernel's side is in `kernel/src/syscall/entry.rs`):
//! number in `rax`, arguments in `rdi, rsi, rdx, r10, r8, r9`, result in
//! `rax`: a value `>= 0` on success, `-errno` on failure. `rcx` and `r11` are
//! clobbered (the `syscall` instruction uses them).

// ANCHOR: macro
macro_rules! syscall_table {
    ($( $number:literal => $name:ident ( $($arg:ident),* ) ; )*) => {
        /// System-call numbers.
        #[allow(non_upper_case_globals)]
        pub mod nr {
            $( pub const $name: usize = $number; )*
        }

        /// Every system call's number and name.
        pub const NAMES: &[(usize, &str)] = &[ $( ($number, stringify!($name)) ),* ];

        /// The raw stubs: arguments as machine words, result as `isize`.
        #[cfg(feature = "user")]
        pub mod raw {
            $(
                #[inline(always)]
                #[allow(clippy::too_many_arguments)]
                pub fn $name($($arg: usize),*) -> isize {
                    // SAFETY: a system call cannot corrupt this program's
                    // memory except through pointers it was given, and the
                    // safe wrappers in `user::sys` only pass valid ones. Raw
                    // callers pass whatever they like; the kernel checks it.
                    unsafe { $crate::user::syscall::call($number, &[$($arg),*]) }
                }
            )*
        }
    };
}
// ANCHOR_END: macro

// ANCHOR: table
syscall_table! {
    0 => exit(status);
    1 => fork();
    2 => exec(path, path_len, argv, argc);
    3 => wait(status_out);
    4 => kill(pid);
    5 => getpid();
    // ANCHOR: getppid
    6 => getppid();
    // ANCHOR_END: getppid
    7 => sbrk(increment);
    8 => sleep(milliseconds);
    9 => uptime();
    10 => yield_now();
    11 => read(fd, buffer, length);
    12 => write(fd, buffer, length);
    13 => procinfo(buffer, capacity);
    14 => time_ns();
    15 => halt(code);
    16 => open(path, path_len, flags);
    17 => close(fd);
    18 => dup(fd);
    19 => dup2(fd, new_fd);
    20 => pipe(fds_out);
    21 => fstat(fd, stat_out);
    22 => lseek(fd, offset, whence);
    23 => getdents(fd, buffer, capacity);
    24 => chdir(path, path_len);
    25 => getcwd(buffer, capacity);
    26 => mkdir(path, path_len);
    27 => unlink(path, path_len);
    28 => setpgid(pid, pgid);
    29 => set_foreground(pgid);
    30 => meminfo(info_out);
    31 => schedinfo(info_out);
    40 => ping(dst_ip, seq, timeout_ms);
    41 => netinfo(info_out);
    60 => socket(domain, kind, flags);
    61 => bind(fd, address);
    62 => listen(fd, backlog);
    63 => accept(fd, address_out);
    64 => connect(fd, address);
    65 => sendto(fd, buffer, length, address);
    66 => recvfrom(fd, buffer, length, address_out);
    67 => shutdown(fd, how);
    68 => setsockopt(fd, option, value);
    69 => poll(fds, count, timeout_ms);
    70 => fcntl(fd, command, argument);
    71 => tcpinfo(buffer, capacity);
}
// ANCHOR_END: table

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
    fn numbers_below_the_reserved_gap_are_dense() {
        // 0-30 leave no hole, so the table can be read as an array there.
        for (i, (number, _)) in NAMES.iter().take_while(|(n, _)| *n <= 30).enumerate() {
            assert_eq!(*number, i);
        }
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
