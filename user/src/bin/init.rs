//! init: the first process.
//!
//! The kernel starts it with the words after `--` on its command line.
//! - With words (`-- usertests`): run that one program, wait for it, and
//!   power the machine off with its status: how `make test` runs suites.
//! - Without: start the web server (`/bin/httpd`, port 80) in the
//!   background, wait until it is ready (so that its start-up line comes
//!   before the shell's first prompt), then the shell on the console; start
//!   either again whenever it exits. A server that keeps failing at once
//!   (no network card: `ENETDOWN`) is restarted after 1, 2, then 4 s, then
//!   given up with one line.
//!
//! Either way init also reaps orphans: the kernel gives it every process
//! whose parent exited, and only a `wait` frees a zombie.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::{Args, eprintln, println};

/// What init starts when the command line names nothing.
const DEFAULT_PROGRAM: &[&str] = &["/bin/sh"];
/// The service started beside the shell.
const SERVICE: &[&str] = &["/bin/httpd"];
/// Before the shell exists, this shows the scheduler at work.
const FALLBACK_PROGRAM: &[&str] = &["/bin/preempt"];

/// The service closes this descriptor when it is ready (or exits).
const READY_FD: usize = 3;
/// Restarts of a service that failed this soon after starting count as
/// failures in a row; after `MAX_FAILURES` of them, init gives up.
const QUICK_FAILURE_MS: u64 = 10_000;
const MAX_FAILURES: u32 = 4;

// ANCHOR: spawn
/// Starts `argv[0]` (from /bin unless it is a path) with `argv`; returns its pid.
fn spawn(argv: &[&str]) -> Option<u32> {
    spawn_with_ready(argv, None)
}

/// `spawn`, giving the child `ready` (a pipe's write end) as `READY_FD`.
fn spawn_with_ready(argv: &[&str], ready: Option<(usize, usize)>) -> Option<u32> {
    match libsys::fork() {
        Ok(0) => {
            if let Some((read_end, write_end)) = ready {
                // Close the read end first: it may be READY_FD itself.
                let _ = libsys::close(read_end);
                if write_end != READY_FD {
                    let _ = libsys::dup2(write_end, READY_FD);
                    let _ = libsys::close(write_end);
                }
            }
            let path = if argv[0].starts_with('/') {
                alloc::string::String::from(argv[0])
            } else {
                alloc::format!("/bin/{}", argv[0])
            };
            let error = libsys::exec(&path, argv);
            eprintln!("init: cannot run {}: {}", path, error);
            libsys::exit(127)
        }
        Ok(pid) => Some(pid),
        Err(e) => {
            eprintln!("init: fork failed: {}", e);
            None
        }
    }
}

/// Starts the service and waits until it says it is ready: it closes its
/// copy of a pipe's write end (or exits), and our `read` then sees the end
/// of the pipe.
fn spawn_service() -> Option<u32> {
    let Ok((read_end, write_end)) = libsys::pipe() else {
        return spawn(SERVICE);
    };
    let pid = spawn_with_ready(SERVICE, Some((read_end, write_end)));
    let _ = libsys::close(write_end);
    let mut byte = [0u8; 1];
    while let Ok(1) = libsys::read(read_end, &mut byte) {}
    let _ = libsys::close(read_end);
    pid
}

/// Waits until `pid` exits, reaping any orphan that exits meanwhile.
fn wait_for(pid: u32) -> i32 {
    loop {
        match libsys::wait() {
            Ok((done, status)) if done == pid => return status,
            Ok(_) => {} // an orphan: reaped, nothing more to do
            Err(e) => {
                eprintln!("init: wait failed: {}", e);
                return -1;
            }
        }
    }
}
// ANCHOR_END: spawn

// ANCHOR: main
#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    println!("init: started as pid {}", libsys::getpid());
    let words: Vec<&str> = args.iter().skip(1).collect();
    if !words.is_empty() {
        let status = match spawn(&words) {
            Some(pid) => wait_for(pid),
            None => -1,
        };
        println!("init: {} exited with status {}", words[0], status);
        libsys::halt(if status == 0 { 0 } else { 1 });
        return 1;
    }
    let mut service = spawn_service();
    let mut started_ms = libsys::uptime_ms();
    let mut failures = 0;
    loop {
        let Some(shell) = spawn(DEFAULT_PROGRAM).or_else(|| spawn(FALLBACK_PROGRAM)) else {
            libsys::sleep_ms(1000).ok();
            continue;
        };
        // Wait for the shell, restarting the service if it dies meanwhile,
        // and reaping orphans.
        loop {
            match libsys::wait() {
                Ok((pid, _)) if pid == shell => break,
                Ok((pid, status)) if Some(pid) == service => {
                    let quick = libsys::uptime_ms() - started_ms < QUICK_FAILURE_MS;
                    failures = if quick { failures + 1 } else { 1 };
                    if failures >= MAX_FAILURES {
                        eprintln!(
                            "init: {} failed {failures} times in a row (status {status}); \
                             not restarting it",
                            SERVICE[0]
                        );
                        service = None;
                        continue;
                    }
                    // Back off: 1, 2, 4 s between quick failures, quietly
                    // (the service says why it failed; init says once if
                    // it gives up). A failure after a long run is news.
                    let delay_ms = 1000 << (failures - 1);
                    if !quick {
                        eprintln!(
                            "init: {} exited with status {status}; restarting it",
                            SERVICE[0]
                        );
                    }
                    libsys::sleep_ms(delay_ms).ok();
                    service = spawn(SERVICE);
                    started_ms = libsys::uptime_ms();
                }
                Ok(_) => {} // an orphan: reaped
                Err(_) => {
                    libsys::sleep_ms(1000).ok();
                }
            }
        }
    }
}
// ANCHOR_END: main
