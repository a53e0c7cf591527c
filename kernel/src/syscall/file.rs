//! System calls about files (xv6's `sysfile.c`): descriptors, pipes,
//! the file tree, the current directory.
//!
//! Each handler follows the same pattern: copy the user's arguments in
//! (paths through `copy_in_string`, checked), do the work on kernel data,
//! copy results out. Data moves through a kernel buffer of at most `CHUNK`
//! bytes at a time, so a huge `read` or `write` needs no huge allocation.

use super::SysResult;
use crate::fs::fd_table::{install, mine, my_file};
use crate::fs::file::{File, FileObject};
use crate::fs::pipe::Pipe;
use crate::fs::tree::{self, Node};
use crate::mem::user::UserPtr;
use crate::proc::with_my_space;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use kcore::path;
use libsys::Errno;
use libsys::abi::{
    DirEntry, F_GETFL, F_SETFL, MAX_FDS, MAX_PATH, O_ACCESS_MASK, O_APPEND, O_CREATE, O_NONBLOCK,
    O_RDONLY, O_TRUNC, O_WRONLY, POLLERR, POLLHUP, POLLNVAL, PollFd, Stat,
};

const CHUNK: usize = 64 * 1024;

/// A kernel buffer of `len` bytes, or ENOMEM (never a panic).
fn buffer(len: usize) -> Result<Vec<u8>, Errno> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    buffer.resize(len, 0);
    Ok(buffer)
}

/// A path argument, made absolute and normalized. The result is held to
/// `MAX_PATH` too: a relative path joined to a long working directory
/// could otherwise grow without bound (`chdir("a")` again and again).
fn path_argument(path: UserPtr<u8>, len: usize) -> Result<String, Errno> {
    let raw = with_my_space(|space| space.read_string(path, len, MAX_PATH))?;
    let absolute = path::normalize(&mine().cwd, &raw)?;
    if absolute.len() > MAX_PATH {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(absolute)
}

// ANCHOR: read_write
pub fn read(fd: usize, buffer_out: UserPtr<u8>, length: usize) -> SysResult {
    let file = my_file(fd)?;
    let destination = buffer_out.range(length)?;
    // Check the destination before reading: a pipe's bytes or a typed
    // line, once taken, could not be put back.
    with_my_space(|space| space.check(destination, true))?;
    let mut kernel_buffer = buffer(length.min(CHUNK))?;
    let n = file.read(&mut kernel_buffer)?;
    with_my_space(|space| space.copy_out(destination, &kernel_buffer[..n]))?;
    Ok(n as u64)
}

pub fn write(fd: usize, buffer_in: UserPtr<u8>, length: usize) -> SysResult {
    let file = my_file(fd)?;
    let source = buffer_in.range(length)?;
    with_my_space(|space| space.check(source, false))?;
    let mut kernel_buffer = buffer(length.min(CHUNK))?;
    let mut done = 0;
    while done < length {
        let n = length.saturating_sub(done).min(CHUNK); // done < length
        with_my_space(|space| space.copy_in(&mut kernel_buffer[..n], source.part(done, n)))?;
        match file.write(&kernel_buffer[..n]) {
            Ok(written) => {
                done = done.saturating_add(written); // written <= n
                if written < n {
                    break; // a short write (a pipe's reader left): report it
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done as u64)
}
// ANCHOR_END: read_write

// ANCHOR: open
pub fn open(path: UserPtr<u8>, path_len: usize, flags: u32) -> SysResult {
    let path = path_argument(path, path_len)?;
    let access = flags & O_ACCESS_MASK;
    let (readable, writable) = (access != O_WRONLY, access != O_RDONLY);
    let node = match tree::lookup(&path) {
        Ok(node) => node,
        Err(Errno::ENOENT) if flags & O_CREATE != 0 => tree::create_file(&path)?,
        Err(e) => return Err(e),
    };
    match &*node {
        Node::Directory(_) if writable => return Err(Errno::EISDIR),
        Node::InitrdFile(_) if writable => return Err(Errno::EROFS),
        Node::RamFile(contents) if writable && flags & O_TRUNC != 0 => {
            let mut contents = contents.lock();
            tree::uncharge_tmp(contents.len());
            contents.clear();
        }
        _ => {}
    }
    let mut file = File::new(FileObject::Node(node), readable, writable);
    file.append = flags & O_APPEND != 0;
    file.set_nonblocking(flags & O_NONBLOCK != 0);
    Ok(install(file.into_shared()?)? as u64)
}
// ANCHOR_END: open

pub fn close(fd: usize) -> SysResult {
    let file = mine().remove(fd)?;
    drop(file); // after the table's lock is released (see fd_table.rs)
    Ok(0)
}

pub fn dup(fd: usize) -> SysResult {
    let file = my_file(fd)?;
    Ok(install(file)? as u64)
}

pub fn dup2(fd: usize, new_fd: usize) -> SysResult {
    let mut table = mine();
    let file = table.get(fd)?;
    if fd == new_fd {
        return Ok(new_fd as u64);
    }
    let old = table.replace(new_fd, file)?;
    drop(table);
    drop(old);
    Ok(new_fd as u64)
}

// ANCHOR: pipe
pub fn pipe(fds_out: UserPtr<[i32; 2]>) -> SysResult {
    with_my_space(|space| space.check(fds_out.range(1)?, true))?;
    let pipe = Arc::new(Pipe::new()?);
    let reader = File::new(FileObject::PipeReader(pipe.clone()), true, false).into_shared()?;
    let writer = File::new(FileObject::PipeWriter(pipe), false, true).into_shared()?;
    let read_fd = install(reader)?;
    let write_fd = match install(writer) {
        Ok(fd) => fd,
        Err(e) => {
            let reader = mine().remove(read_fd);
            drop(reader); // the table's guard was a temporary: already gone
            return Err(e);
        }
    };
    with_my_space(|space| space.write(fds_out, &[read_fd as i32, write_fd as i32]))?;
    Ok(0)
}
// ANCHOR_END: pipe

pub fn fstat(fd: usize, stat_out: UserPtr<Stat>) -> SysResult {
    let stat = my_file(fd)?.stat();
    with_my_space(|space| space.write(stat_out, &stat))?;
    Ok(0)
}

pub fn lseek(fd: usize, offset: i64, whence: u32) -> SysResult {
    my_file(fd)?.seek(offset, whence)
}

pub fn getdents(fd: usize, entries_out: UserPtr<DirEntry>, capacity: usize) -> SysResult {
    let file = my_file(fd)?;
    let capacity = capacity.min(64);
    with_my_space(|space| space.check(entries_out.range(capacity)?, true))?;
    let mut entries = [DirEntry::default(); 64];
    let n = file.read_directory(&mut entries[..capacity])?;
    with_my_space(|space| space.write_slice(entries_out, &entries[..n]))?;
    Ok(n as u64)
}

pub fn chdir(path: UserPtr<u8>, path_len: usize) -> SysResult {
    let path = path_argument(path, path_len)?;
    if !matches!(&*tree::lookup(&path)?, Node::Directory(_)) {
        return Err(Errno::ENOTDIR);
    }
    mine().cwd = path;
    Ok(0)
}

pub fn getcwd(buffer_out: UserPtr<u8>, capacity: usize) -> SysResult {
    let cwd = mine().cwd.clone();
    if cwd.len() > capacity {
        return Err(Errno::ERANGE);
    }
    with_my_space(|space| space.copy_out(buffer_out.range(cwd.len())?, cwd.as_bytes()))?;
    Ok(cwd.len() as u64)
}

pub fn mkdir(path: UserPtr<u8>, path_len: usize) -> SysResult {
    tree::make_directory(&path_argument(path, path_len)?).map(|()| 0)
}

pub fn unlink(path: UserPtr<u8>, path_len: usize) -> SysResult {
    tree::remove(&path_argument(path, path_len)?).map(|()| 0)
}

/// poll(fds, count, timeout_ms): fills each entry's `revents`, sleeping
/// until at least one is non-zero or the timeout passes (-1: no timeout).
pub fn poll(fds_inout: UserPtr<PollFd>, count: usize, timeout_ms: i64) -> SysResult {
    if count > 4 * MAX_FDS {
        return Err(Errno::EINVAL);
    }
    let mut fds = Vec::new();
    fds.try_reserve_exact(count).map_err(|_| Errno::ENOMEM)?;
    fds.resize(count, PollFd::default());
    with_my_space(|space| {
        space.read_slice(fds_inout, &mut fds)?;
        space.check(fds_inout.range(count)?, true)
    })?;
    // A negative timeout waits forever; a huge one saturates (it is then
    // forever in practice) instead of overflowing.
    let deadline = u64::try_from(timeout_ms)
        .ok()
        .map(|ms| crate::time::nanoseconds().saturating_add(ms.saturating_mul(1_000_000)));
    let ready = crate::fs::poll::wait(deadline, || {
        let table = mine();
        for entry in fds.iter_mut() {
            entry.revents = match table.get(entry.fd as usize) {
                Ok(file) if entry.fd >= 0 => {
                    // Errors and hang-ups are reported whether asked or not.
                    crate::fs::poll::events_of(&file) & (entry.events | POLLERR | POLLHUP)
                }
                _ => POLLNVAL,
            };
        }
        Ok(fds.iter().filter(|entry| entry.revents != 0).count())
    })?;
    with_my_space(|space| space.write_slice(fds_inout, &fds))?;
    Ok(ready as u64)
}

/// fcntl(fd, F_GETFL) and fcntl(fd, F_SETFL, flags): only `O_NONBLOCK` can
/// be changed.
pub fn fcntl(fd: usize, command: u32, argument: u32) -> SysResult {
    let file = my_file(fd)?;
    match command {
        F_GETFL => {
            let access = match (file.readable, file.writable) {
                (true, true) => libsys::abi::O_RDWR,
                (false, true) => O_WRONLY,
                _ => O_RDONLY,
            };
            Ok((access | if file.is_nonblocking() { O_NONBLOCK } else { 0 }) as u64)
        }
        F_SETFL => {
            file.set_nonblocking(argument & O_NONBLOCK != 0);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
