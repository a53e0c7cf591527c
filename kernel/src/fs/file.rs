//! Open files: what a file descriptor refers to.
//!
//! Whatever is behind a descriptor (the console, one end of a pipe, a file
//! or directory in the tree, and later a network socket), the system calls
//! see one type, `File`, and call the same few methods on it: `read`,
//! `write`, `stat`, `seek`. Each method matches on the kind of object and
//! does the right thing for it; a kind that cannot do something says so
//! with an error (`ESPIPE` for seeking a pipe, `EISDIR` for reading a
//! directory...).
//!
//! Sharing: descriptors hold `Arc<File>`. `dup` and `fork` copy the `Arc`,
//! so both descriptors share one offset, as Unix requires (`(echo a; echo
//! b) > f` must not have the second write overwrite the first). When the
//! last `Arc` goes, `Drop` closes the object (a pipe end counts itself out).

use super::pipe::Pipe;
use super::poll::Readiness;
use super::tree::Node;
use crate::sync::SpinLock;
use alloc::borrow::Cow;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use libsys::Errno;
use libsys::abi::{DirEntry, FileKind, MAX_NAME, SEEK_CUR, SEEK_END, SEEK_SET, Stat};

// ANCHOR: file
pub enum FileObject {
    Console,
    PipeReader(Arc<Pipe>),
    PipeWriter(Arc<Pipe>),
    Node(Arc<Node>),
    Socket(crate::socket::Socket),
}

pub struct File {
    pub object: FileObject,
    pub readable: bool,
    pub writable: bool,
    /// Writes go to the end of the file (O_APPEND).
    pub append: bool,
    /// Reads and writes fail with EAGAIN instead of sleeping (O_NONBLOCK;
    /// `fcntl` can change it, hence atomic).
    pub nonblocking: AtomicBool,
    /// Where the next read or write starts (files and directories).
    offset: SpinLock<u64>,
}
// ANCHOR_END: file

impl File {
    pub fn new(object: FileObject, readable: bool, writable: bool) -> File {
        File {
            object,
            readable,
            writable,
            append: false,
            nonblocking: AtomicBool::new(false),
            offset: SpinLock::new("file_offset", 0),
        }
    }

    pub fn console() -> Arc<File> {
        Arc::new(File::new(FileObject::Console, true, true))
    }

    /// The open file on the heap, shared by the descriptors that will refer
    /// to it; `ENOMEM` rather than eat into the heap's reserve.
    pub fn into_shared(self) -> Result<Arc<File>, Errno> {
        crate::mem::heap::charge(size_of::<File>() + 16)?; // + the Arc's counts
        Ok(Arc::new(self))
    }

    // ANCHOR: read
    pub fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        match &self.object {
            FileObject::Console => crate::console::read_line(buffer, self.is_nonblocking()),
            FileObject::PipeReader(pipe) => pipe.read(buffer, self.is_nonblocking()),
            FileObject::PipeWriter(_) => Err(Errno::EBADF),
            FileObject::Socket(socket) => socket.read(buffer, self.is_nonblocking()),
            FileObject::Node(node) => {
                let mut offset = self.offset.lock();
                let n = match &**node {
                    Node::Directory(_) => return Err(Errno::EISDIR),
                    Node::InitrdFile(data) => copy_from(data, *offset, buffer),
                    Node::RamFile(data) => copy_from(&data.lock(), *offset, buffer),
                };
                *offset += n as u64;
                Ok(n)
            }
        }
    }
    // ANCHOR_END: read

    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        if !self.writable {
            return Err(Errno::EBADF);
        }
        match &self.object {
            FileObject::Console => {
                crate::console::write_bytes(data);
                Ok(data.len())
            }
            FileObject::PipeWriter(pipe) => pipe.write(data, self.is_nonblocking()),
            FileObject::PipeReader(_) => Err(Errno::EBADF),
            FileObject::Socket(socket) => socket.write(data, self.is_nonblocking()),
            FileObject::Node(node) => {
                let Node::RamFile(contents) = &**node else {
                    return Err(Errno::EBADF);
                };
                let mut offset = self.offset.lock();
                let mut contents = contents.lock();
                if self.append {
                    *offset = contents.len() as u64;
                }
                let start = *offset as usize;
                let end = start.checked_add(data.len()).ok_or(Errno::EINVAL)?;
                if end > contents.len() {
                    let grow = end - contents.len();
                    // /tmp lives in the kernel heap: charge its budget first.
                    crate::fs::tree::charge_tmp(grow)?;
                    if contents.try_reserve(grow).is_err() {
                        crate::fs::tree::uncharge_tmp(grow);
                        return Err(Errno::ENOSPC);
                    }
                    contents.resize(end, 0);
                }
                contents[start..end].copy_from_slice(data);
                *offset = end as u64;
                Ok(data.len())
            }
        }
    }

    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(Ordering::Relaxed)
    }

    pub fn set_nonblocking(&self, on: bool) {
        self.nonblocking.store(on, Ordering::Relaxed);
    }

    /// What this file can do without sleeping (for `poll`).
    pub fn readiness(&self) -> Readiness {
        match &self.object {
            FileObject::Console => Readiness {
                readable: crate::console::line_ready(),
                writable: true,
                ..Default::default()
            },
            FileObject::PipeReader(pipe) => {
                let (waiting, _room, writers) = pipe.status(false);
                Readiness {
                    readable: waiting > 0 || writers == 0,
                    hangup: writers == 0,
                    ..Default::default()
                }
            }
            FileObject::PipeWriter(pipe) => {
                let (_waiting, room, readers) = pipe.status(true);
                Readiness {
                    writable: room > 0 && readers > 0,
                    error: readers == 0,
                    ..Default::default()
                }
            }
            FileObject::Node(_) => Readiness {
                readable: self.readable,
                writable: self.writable,
                ..Default::default()
            },
            FileObject::Socket(socket) => socket.readiness(),
        }
    }

    pub fn stat(&self) -> Stat {
        let (kind, size, writable) = match &self.object {
            FileObject::Console => (FileKind::Console, 0, true),
            FileObject::PipeReader(pipe) => (FileKind::Pipe, pipe.available() as u64, false),
            FileObject::PipeWriter(pipe) => (FileKind::Pipe, pipe.available() as u64, true),
            FileObject::Node(node) => (node.kind(), node.size(), node.is_writable()),
            FileObject::Socket(_) => (FileKind::Socket, 0, true),
        };
        Stat {
            kind: kind as u8,
            writable: writable as u8,
            _pad: [0; 6],
            size,
        }
    }

    /// Moves the offset of a file; pipes and the console cannot seek.
    pub fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let FileObject::Node(node) = &self.object else {
            return Err(Errno::ESPIPE);
        };
        let mut current = self.offset.lock();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *current,
            SEEK_END => node.size(),
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add_signed(offset).ok_or(Errno::EINVAL)?;
        *current = new;
        Ok(new)
    }

    /// Fills `out` with the next directory entries; returns how many.
    pub fn read_directory(&self, out: &mut [DirEntry]) -> Result<usize, Errno> {
        let FileObject::Node(node) = &self.object else {
            return Err(Errno::ENOTDIR);
        };
        let Node::Directory(directory) = &**node else {
            return Err(Errno::ENOTDIR);
        };
        let mut offset = self.offset.lock();
        let entries = directory.entries.lock();
        let mut count = 0;
        for (name, child) in entries.iter().skip(*offset as usize).take(out.len()) {
            let mut entry = DirEntry {
                kind: child.kind() as u8,
                name_len: name.len().min(MAX_NAME) as u8,
                ..Default::default()
            };
            entry.name[..entry.name_len as usize]
                .copy_from_slice(&name.as_bytes()[..entry.name_len as usize]);
            out[count] = entry;
            count += 1;
        }
        *offset += count as u64;
        Ok(count)
    }
}

/// Copies from `data` at `offset` into `buffer`; 0 past the end.
impl File {
    // ANCHOR: bytes_at
    /// Up to `length` bytes of a file from `offset`, for `sendfile`: the
    /// initrd's own bytes, borrowed (they never change nor go away), or a
    /// copy of a run-time file's (which must not stay locked while a
    /// socket waits for room). Empty past the end.
    pub fn bytes_at(&self, offset: u64, length: usize) -> Result<Cow<'static, [u8]>, Errno> {
        if !self.readable {
            return Err(Errno::EBADF);
        }
        let FileObject::Node(node) = &self.object else {
            return Err(Errno::EINVAL); // a pipe, the console or a socket
        };
        let part = |data: &[u8]| {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(data.len());
            start..start + length.min(data.len() - start)
        };
        match &**node {
            Node::Directory(_) => Err(Errno::EISDIR),
            Node::InitrdFile(data) => Ok(Cow::Borrowed(&data[part(data)])),
            Node::RamFile(data) => {
                let data = data.lock();
                let range = part(&data);
                let mut copy = Vec::new();
                copy.try_reserve_exact(range.len())
                    .map_err(|_| Errno::ENOMEM)?;
                copy.extend_from_slice(&data[range]);
                Ok(Cow::Owned(copy))
            }
        }
    }
    // ANCHOR_END: bytes_at
}

fn copy_from(data: &[u8], offset: u64, buffer: &mut [u8]) -> usize {
    let start = (offset as usize).min(data.len());
    let n = buffer.len().min(data.len() - start);
    buffer[..n].copy_from_slice(&data[start..start + n]);
    n
}

impl Drop for File {
    fn drop(&mut self) {
        match &self.object {
            FileObject::PipeReader(pipe) => pipe.close_end(false),
            FileObject::PipeWriter(pipe) => pipe.close_end(true),
            _ => {}
        }
    }
}
