//! init: the first process.
//!
//! The kernel starts it with the words after `--` on its command line.
//! - With words (`-- usertests`): run that one program, wait for it, and
//!   power the machine off with its status: how `make test` runs suites.
//! - Without: start the web server (`/bin/httpd`, port 80) in the
//!   background and the shell on the console, and start either again
//!   whenever it exits.
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

// ANCHOR: spawn
/// Starts `argv[0]` (from /bin unless it is a path) with `argv`; returns its pid.
fn spawn(argv: &[&str]) -> Option<u32> {
    match libsys::fork() {
        Ok(0) => {
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
    let mut service = spawn(SERVICE);
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
                    eprintln!(
                        "init: {} exited with status {}; restarting it",
                        SERVICE[0], status
                    );
                    libsys::sleep_ms(1000).ok();
                    service = spawn(SERVICE);
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
