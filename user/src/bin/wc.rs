//! wc: counts lines, words and bytes in files (or standard input).
//!
//! `wc [-l] [-w] [-c] [FILE...]` prints `LINES WORDS BYTES NAME` per file,
//! only the counts asked for if any of -l, -w, -c is given, and a total
//! when there are several files. A word is a run of non-space bytes.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use libsys::abi::O_RDONLY;
use libsys::{Args, Errno, eprintln, println};

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    bytes: u64,
}

/// Which counts to print: lines, words, bytes.
type Show = [bool; 3];

/// Counts what can be read from `fd`.
fn count(fd: usize) -> Result<Counts, Errno> {
    let mut counts = Counts::default();
    // Kept across reads: a word may be cut in two by the end of a buffer.
    let mut in_word = false;
    let mut buffer = [0u8; 512];
    loop {
        let n = libsys::read(fd, &mut buffer)?;
        if n == 0 {
            return Ok(counts);
        }
        counts.bytes += n as u64;
        for &byte in &buffer[..n] {
            if byte == b'\n' {
                counts.lines += 1;
            }
            if byte.is_ascii_whitespace() {
                in_word = false;
            } else if !in_word {
                in_word = true;
                counts.words += 1;
            }
        }
    }
}

fn print(counts: Counts, show: Show, name: &str) {
    let mut line = String::new();
    let values = [counts.lines, counts.words, counts.bytes];
    for (value, _) in values.iter().zip(show).filter(|(_, shown)| *shown) {
        if !line.is_empty() {
            line.push(' ');
        }
        let _ = write!(line, "{value}");
    }
    if !name.is_empty() {
        let _ = write!(line, " {name}");
    }
    println!("{line}");
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let mut show: Show = [false; 3];
    let mut paths = Vec::new();
    for arg in args.iter().skip(1) {
        if arg.len() > 1 && arg.starts_with('-') {
            for flag in arg.chars().skip(1) {
                match flag {
                    'l' => show[0] = true,
                    'w' => show[1] = true,
                    'c' => show[2] = true,
                    _ => {
                        eprintln!("wc: unknown option -{flag}");
                        return 2;
                    }
                }
            }
        } else {
            paths.push(arg);
        }
    }
    if show == [false; 3] {
        show = [true; 3];
    }
    if paths.is_empty() {
        return match count(0) {
            Ok(counts) => {
                print(counts, show, "");
                0
            }
            Err(e) => {
                eprintln!("wc: standard input: {e}");
                1
            }
        };
    }
    let mut status = 0;
    let mut total = Counts::default();
    for path in &paths {
        let counted = libsys::open(path, O_RDONLY).and_then(|fd| {
            let counts = count(fd);
            let _ = libsys::close(fd);
            counts
        });
        match counted {
            Ok(counts) => {
                print(counts, show, path);
                total.lines += counts.lines;
                total.words += counts.words;
                total.bytes += counts.bytes;
            }
            Err(e) => {
                eprintln!("wc: {path}: {e}");
                status = 1;
            }
        }
    }
    if paths.len() > 1 {
        print(total, show, "total");
    }
    status
}
