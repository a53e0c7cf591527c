//! profile: runs a command under the kernel's sampling profiler.
//!
//! `profile [-s SECONDS] COMMAND [ARGS...]` switches the profiler on, runs
//! COMMAND, waits for it (or, with `-s`, kills it after SECONDS: for a
//! server such as `httpd`, loaded from outside meanwhile), switches the
//! profiler off and prints `/dev/profile` between the lines
//! `profile: begin` and `profile: end`. `tools/profiler.py` boots the
//! kernel with `-- profile ...`, reads that from the serial line and makes
//! a flat profile and a flame graph of it (`make profile`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::abi::O_RDONLY;
use libsys::{Args, eprintln, println};

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let mut words: Vec<&str> = args.iter().skip(1).collect();
    let mut seconds = None;
    if words.first() == Some(&"-s") {
        seconds = words.get(1).and_then(|s| s.parse::<u64>().ok());
        if seconds.is_none() {
            eprintln!("profile: -s needs a number of seconds");
            return 2;
        }
        words.drain(..2);
    }
    if words.is_empty() {
        eprintln!("usage: profile [-s SECONDS] COMMAND [ARGS...]");
        return 2;
    }
    if let Err(e) = libsys::profile(true) {
        eprintln!("profile: cannot switch the profiler on: {e}");
        return 1;
    }
    let status = run(&words, seconds);
    let _ = libsys::profile(false);
    eprintln!("profile: {} exited with status {status}", words[0]);
    match print_samples() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("profile: /dev/profile: {e}");
            1
        }
    }
}

/// Runs the command; with `seconds`, kills it when they have passed.
fn run(words: &[&str], seconds: Option<u64>) -> i32 {
    let pid = match libsys::fork() {
        Ok(0) => {
            let path = alloc::format!("/bin/{}", words[0]);
            let path = if words[0].starts_with('/') {
                words[0]
            } else {
                &path
            };
            let error = libsys::exec(path, words);
            eprintln!("profile: cannot run {path}: {error}");
            libsys::exit(127)
        }
        Ok(pid) => pid,
        Err(e) => {
            eprintln!("profile: fork: {e}");
            return -1;
        }
    };
    if let Some(seconds) = seconds {
        libsys::sleep_ms(seconds.saturating_mul(1000)).ok();
        let _ = libsys::kill(pid);
    }
    loop {
        match libsys::wait() {
            Ok((done, status)) if done == pid => return status,
            Ok(_) => {}
            Err(_) => return -1,
        }
    }
}

fn print_samples() -> Result<(), libsys::Errno> {
    let fd = libsys::open("/dev/profile", O_RDONLY)?;
    println!("profile: begin");
    let mut buffer = [0u8; 4096];
    loop {
        let n = libsys::read(fd, &mut buffer)?;
        if n == 0 {
            break;
        }
        libsys::io::write_all(1, &buffer[..n])?;
    }
    println!("profile: end");
    libsys::close(fd)
}
