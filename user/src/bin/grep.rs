//! grep: prints the lines that contain a string.
//!
//! `grep [-v] [-c] [-n] STRING [FILE...]` searches the files (or standard
//! input) for lines containing STRING, as it is: no regular expressions.
//!   -v  print the lines that do NOT contain it
//!   -c  print only how many lines were selected
//!   -n  put each line's number in front of it
//! With several files, each line starts with its file's name. The exit
//! status is 0 if a line was selected, 1 if none was, 2 on error (as Unix
//! grep: scripts can tell "not found" from "failed").
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::abi::O_RDONLY;
use libsys::io::{LineReader, write_all};
use libsys::{Args, Errno, eprintln, print, println};

#[derive(Default)]
struct Options {
    invert: bool,
    count: bool,
    numbers: bool,
}

/// Does `line` contain `pattern`? (The empty string is in every line.)
fn contains(line: &[u8], pattern: &[u8]) -> bool {
    pattern.is_empty() || line.windows(pattern.len()).any(|w| w == pattern)
}

/// Searches `fd`; returns how many lines were selected. `name` is printed
/// in front of each line when it is not empty.
fn search(fd: usize, pattern: &[u8], options: &Options, name: &str) -> Result<u64, Errno> {
    let mut reader = LineReader::new(fd);
    let (mut selected, mut number) = (0, 0);
    while let Some(line) = reader.next_line()? {
        number += 1;
        if contains(line, pattern) == options.invert {
            continue;
        }
        selected += 1;
        if options.count {
            continue;
        }
        if !name.is_empty() {
            print!("{name}:");
        }
        if options.numbers {
            print!("{number}:");
        }
        write_all(1, line)?;
        if !line.ends_with(b"\n") {
            write_all(1, b"\n")?;
        }
    }
    if options.count {
        if !name.is_empty() {
            print!("{name}:");
        }
        println!("{selected}");
    }
    Ok(selected)
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let mut options = Options::default();
    let mut words = Vec::new();
    for arg in args.iter().skip(1) {
        match arg {
            "-v" => options.invert = true,
            "-c" => options.count = true,
            "-n" => options.numbers = true,
            _ => words.push(arg),
        }
    }
    let Some((pattern, paths)) = words.split_first() else {
        eprintln!("usage: grep [-v] [-c] [-n] STRING [FILE...]");
        return 2;
    };
    let pattern = pattern.as_bytes();
    if paths.is_empty() {
        return match search(0, pattern, &options, "") {
            Ok(0) => 1,
            Ok(_) => 0,
            Err(e) => {
                eprintln!("grep: standard input: {e}");
                2
            }
        };
    }
    let (mut found, mut failed) = (false, false);
    for path in paths {
        let name = if paths.len() > 1 { path } else { "" };
        let searched = libsys::open(path, O_RDONLY).and_then(|fd| {
            let result = search(fd, pattern, &options, name);
            let _ = libsys::close(fd);
            result
        });
        match searched {
            Ok(selected) => found |= selected > 0,
            Err(e) => {
                eprintln!("grep: {path}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        2
    } else if found {
        0
    } else {
        1
    }
}
