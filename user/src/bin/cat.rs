//! cat: copies files (or standard input) to standard output.
//!
//! `cat` and `cat -` read standard input; `cat a b` prints a, then b.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::abi::O_RDONLY;
use libsys::io::write_all;
use libsys::{Args, Errno, eprintln};

/// Why copying stopped early.
enum Failure {
    Read(Errno),
    Write(Errno),
}

/// Copies everything from `fd` to standard output.
fn copy(fd: usize) -> Result<(), Failure> {
    let mut buffer = [0u8; 512];
    loop {
        // A read returns what is there (one console line, one pipe's worth),
        // not necessarily a full buffer; only 0 means the end.
        let n = libsys::read(fd, &mut buffer).map_err(Failure::Read)?;
        if n == 0 {
            return Ok(());
        }
        write_all(1, &buffer[..n]).map_err(Failure::Write)?;
    }
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let mut paths: Vec<&str> = args.iter().skip(1).collect();
    if paths.is_empty() {
        paths.push("-");
    }
    let mut status = 0;
    for path in paths {
        let (fd, opened) = if path == "-" {
            (0, false)
        } else {
            match libsys::open(path, O_RDONLY) {
                Ok(fd) => (fd, true),
                Err(e) => {
                    eprintln!("cat: {path}: {e}");
                    status = 1;
                    continue;
                }
            }
        };
        let result = copy(fd);
        if opened {
            let _ = libsys::close(fd);
        }
        match result {
            Ok(()) => {}
            Err(Failure::Read(e)) => {
                eprintln!("cat: {path}: {e}");
                status = 1;
            }
            // Nobody reads our output any more (a closed pipe): stop.
            Err(Failure::Write(e)) => {
                eprintln!("cat: write: {e}");
                return 1;
            }
        }
    }
    status
}
