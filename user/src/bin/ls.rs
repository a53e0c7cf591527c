//! ls: lists directories. `ls [-l] [PATH...]` (default: `.`)
//!
//! Names come sorted, one per line, directories marked with a `/`. With
//! -l, each line also shows the kind (`d` directory, `-` file) and the
//! size: bytes for a file, entries for a directory. A PATH that is a file
//! lists just that file.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use libsys::abi::{DirEntry, FileKind, O_RDONLY};
use libsys::{Args, Errno, eprintln, println};

/// One line of output.
struct Entry {
    name: String,
    kind: Option<FileKind>,
    /// Only looked up with -l (it costs an open and an fstat per entry).
    size: Option<u64>,
}

fn print(entry: &Entry, long: bool) {
    let is_dir = entry.kind == Some(FileKind::Directory);
    let mark = if is_dir { "/" } else { "" };
    if long {
        let kind = match entry.kind {
            Some(FileKind::Directory) => 'd',
            Some(FileKind::Regular) => '-',
            Some(FileKind::Console) => 'c',
            Some(FileKind::Pipe) => 'p',
            Some(FileKind::Socket) => 's',
            None => '?',
        };
        let size = entry.size.map_or(String::from("?"), |s| format!("{s}"));
        println!("{kind} {size:>8} {}{mark}", entry.name);
    } else {
        println!("{}{mark}", entry.name);
    }
}

/// The size of the file at `path`, from `fstat`.
fn size_of(path: &str) -> Option<u64> {
    let fd = libsys::open(path, O_RDONLY).ok()?;
    let stat = libsys::fstat(fd);
    let _ = libsys::close(fd);
    stat.ok().map(|s| s.size)
}

/// Reads every entry of the directory open at `fd`.
fn read_directory(fd: usize) -> Result<Vec<Entry>, Errno> {
    let mut entries = Vec::new();
    let mut batch = [DirEntry::default(); 16];
    loop {
        // Each call continues where the last stopped; 0 means the end.
        let n = libsys::getdents(fd, &mut batch)?;
        if n == 0 {
            return Ok(entries);
        }
        for dirent in &batch[..n] {
            entries.push(Entry {
                name: String::from(dirent.name()),
                kind: FileKind::from_u8(dirent.kind),
                size: None,
            });
        }
    }
}

/// Lists `path` (a directory's entries, or the file itself).
fn list(path: &str, long: bool) -> Result<(), Errno> {
    let fd = libsys::open(path, O_RDONLY)?;
    let listed = libsys::fstat(fd).and_then(|stat| {
        let kind = FileKind::from_u8(stat.kind);
        if kind == Some(FileKind::Directory) {
            read_directory(fd)
        } else {
            let name = String::from(path);
            let size = Some(stat.size);
            Ok(alloc::vec![Entry { name, kind, size }])
        }
    });
    let _ = libsys::close(fd);
    let mut entries = listed?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for entry in &mut entries {
        if long && entry.size.is_none() {
            entry.size = size_of(&format!("{}/{}", path.trim_end_matches('/'), entry.name));
        }
        print(entry, long);
    }
    Ok(())
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let long = args.get(1) == Some("-l");
    let mut paths: Vec<&str> = args.iter().skip(if long { 2 } else { 1 }).collect();
    if paths.is_empty() {
        paths.push(".");
    }
    let mut status = 0;
    for (i, path) in paths.iter().enumerate() {
        // With several paths, say which listing is which.
        if paths.len() > 1 {
            if i > 0 {
                println!();
            }
            println!("{path}:");
        }
        if let Err(e) = list(path, long) {
            eprintln!("ls: {path}: {e}");
            status = 1;
        }
    }
    status
}
