//! Small I/O helpers for user programs: write everything, read lines.
//!
//! `read` and `write` may move fewer bytes than asked (a pipe hands over
//! what it holds, the console one line at a time), so programs that care
//! about every byte loop; these helpers are those loops, written once.

// `libsys` itself does not use `alloc`; only this module does.
extern crate alloc;

use super::sys::{SysResult, read, write};
use crate::errno::Errno;
use alloc::vec::Vec;

/// How much one `read` asks for.
const CHUNK: usize = 512;

/// Writes all of `bytes` to `fd`, however many `write` calls that takes.
pub fn write_all(fd: usize, mut bytes: &[u8]) -> SysResult<()> {
    while !bytes.is_empty() {
        match write(fd, bytes)? {
            // A write that makes no progress would loop forever.
            0 => return Err(Errno::EIO),
            n => bytes = &bytes[n..],
        }
    }
    Ok(())
}

/// Reads a descriptor line by line, however its data arrives.
pub struct LineReader {
    fd: usize,
    /// Bytes read but not yet handed out, from `start` on.
    buffer: Vec<u8>,
    start: usize,
    end_of_file: bool,
}

impl LineReader {
    pub fn new(fd: usize) -> LineReader {
        LineReader {
            fd,
            buffer: Vec::new(),
            start: 0,
            end_of_file: false,
        }
    }

    /// The next line, with its `\n` (the last line of a file may lack
    /// one), or `None` at end of file.
    pub fn next_line(&mut self) -> SysResult<Option<&[u8]>> {
        loop {
            let pending = &self.buffer[self.start..];
            if let Some(i) = pending.iter().position(|&b| b == b'\n') {
                let line = self.start..self.start + i + 1;
                self.start = line.end;
                return Ok(Some(&self.buffer[line]));
            }
            if self.end_of_file {
                if pending.is_empty() {
                    return Ok(None);
                }
                let line = self.start..self.buffer.len();
                self.start = line.end;
                return Ok(Some(&self.buffer[line]));
            }
            // No whole line yet: drop what was handed out, then read more.
            self.buffer.drain(..self.start);
            self.start = 0;
            let mut chunk = [0u8; CHUNK];
            let n = read(self.fd, &mut chunk)?;
            self.buffer.extend_from_slice(&chunk[..n]);
            self.end_of_file = n == 0;
        }
    }
}
