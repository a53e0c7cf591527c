//! System calls about files (xv6's `sysfile.c`): descriptors, pipes,
//! the file tree, the current directory.
//!
//! Each handler follows the same pattern: copy the user's arguments in
//! (paths through `copy_in_string`, checked), do the work on kernel data,
//! copy results out. Data moves through a kernel buffer of at most `CHUNK`
//! bytes at a time, so a huge `read` or `write` needs no huge allocation.

use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table::{install, mine, my_file};
use crate::fs::file::{File, FileObject};
use crate::fs::path;
use crate::fs::pipe::Pipe;
use crate::fs::tree::{self, Node};
use crate::proc::with_my_space;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
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

/// The path argument at (`arg`, `arg + 1`), made absolute and normalized.
fn path_argument(frame: &TrapFrame, arg: usize) -> Result<String, Errno> {
    let raw = with_my_space(|space| {
        space.copy_in_string(frame.arg(arg), frame.arg(arg + 1) as usize, MAX_PATH)
    })?;
    path::normalize(&mine().cwd, &raw)
}

// ANCHOR: read_write
pub fn read(frame: &mut TrapFrame) -> SysResult {
    let (fd, user_buffer, length) = (frame.arg(0) as usize, frame.arg(1), frame.arg(2) as usize);
    let file = my_file(fd)?;
    // Check the destination before reading: a pipe's bytes or a typed
    // line, once taken, could not be put back.
    with_my_space(|space| space.check_range(user_buffer, length as u64, true))?;
    let mut kernel_buffer = buffer(length.min(CHUNK))?;
    let n = file.read(&mut kernel_buffer)?;
    with_my_space(|space| space.copy_out(user_buffer, &kernel_buffer[..n]))?;
    Ok(n as u64)
}

pub fn write(frame: &mut TrapFrame) -> SysResult {
    let (fd, user_buffer, length) = (frame.arg(0) as usize, frame.arg(1), frame.arg(2) as usize);
    let file = my_file(fd)?;
    with_my_space(|space| space.check_range(user_buffer, length as u64, false))?;
    let mut kernel_buffer = buffer(length.min(CHUNK))?;
    let mut done = 0;
    while done < length {
        let n = (length - done).min(CHUNK);
        with_my_space(|space| space.copy_in(&mut kernel_buffer[..n], user_buffer + done as u64))?;
        match file.write(&kernel_buffer[..n]) {
            Ok(written) => {
                done += written;
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
pub fn open(frame: &mut TrapFrame) -> SysResult {
    let path = path_argument(frame, 0)?;
    let flags = frame.arg(2) as u32;
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
        Node::RamFile(contents) if writable && flags & O_TRUNC != 0 => contents.lock().clear(),
        _ => {}
    }
    let mut file = File::new(FileObject::Node(node), readable, writable);
    file.append = flags & O_APPEND != 0;
    file.set_nonblocking(flags & O_NONBLOCK != 0);
    Ok(install(Arc::new(file))? as u64)
}
// ANCHOR_END: open

pub fn close(frame: &mut TrapFrame) -> SysResult {
    let file = mine().remove(frame.arg(0) as usize)?;
    drop(file); // after the table's lock is released (see fd_table.rs)
    Ok(0)
}

pub fn dup(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    Ok(install(file)? as u64)
}

pub fn dup2(frame: &mut TrapFrame) -> SysResult {
    let (fd, new_fd) = (frame.arg(0) as usize, frame.arg(1) as usize);
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
pub fn pipe(frame: &mut TrapFrame) -> SysResult {
    let user_fds = frame.arg(0);
    with_my_space(|space| space.check_range(user_fds, 8, true))?;
    let pipe = Arc::new(Pipe::new()?);
    let reader = Arc::new(File::new(FileObject::PipeReader(pipe.clone()), true, false));
    let writer = Arc::new(File::new(FileObject::PipeWriter(pipe), false, true));
    let read_fd = install(reader)?;
    let write_fd = match install(writer) {
        Ok(fd) => fd,
        Err(e) => {
            let reader = mine().remove(read_fd);
            drop(reader); // the table's guard was a temporary: already gone
            return Err(e);
        }
    };
    let fds = [read_fd as i32, write_fd as i32];
    let bytes = [fds[0].to_ne_bytes(), fds[1].to_ne_bytes()].concat();
    with_my_space(|space| space.copy_out(user_fds, &bytes))?;
    Ok(0)
}
// ANCHOR_END: pipe

pub fn fstat(frame: &mut TrapFrame) -> SysResult {
    let stat = my_file(frame.arg(0) as usize)?.stat();
    // SAFETY: `Stat` is plain `repr(C)` data.
    let bytes = unsafe {
        core::slice::from_raw_parts(&stat as *const Stat as *const u8, size_of::<Stat>())
    };
    with_my_space(|space| space.copy_out(frame.arg(1), bytes))?;
    Ok(0)
}

pub fn lseek(frame: &mut TrapFrame) -> SysResult {
    my_file(frame.arg(0) as usize)?.seek(frame.arg(1) as i64, frame.arg(2) as u32)
}

pub fn getdents(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    let (user_buffer, capacity) = (frame.arg(1), (frame.arg(2) as usize).min(64));
    with_my_space(|space| {
        space.check_range(user_buffer, (capacity * size_of::<DirEntry>()) as u64, true)
    })?;
    let mut entries = alloc::vec![DirEntry::default(); capacity];
    let n = file.read_directory(&mut entries)?;
    // SAFETY: `DirEntry` is plain `repr(C)` data.
    let bytes = unsafe {
        core::slice::from_raw_parts(entries.as_ptr() as *const u8, n * size_of::<DirEntry>())
    };
    with_my_space(|space| space.copy_out(user_buffer, bytes))?;
    Ok(n as u64)
}

pub fn chdir(frame: &mut TrapFrame) -> SysResult {
    let path = path_argument(frame, 0)?;
    if !matches!(&*tree::lookup(&path)?, Node::Directory(_)) {
        return Err(Errno::ENOTDIR);
    }
    mine().cwd = path;
    Ok(0)
}

pub fn getcwd(frame: &mut TrapFrame) -> SysResult {
    let cwd = mine().cwd.clone();
    if cwd.len() > frame.arg(1) as usize {
        return Err(Errno::ERANGE);
    }
    with_my_space(|space| space.copy_out(frame.arg(0), cwd.as_bytes()))?;
    Ok(cwd.len() as u64)
}

pub fn mkdir(frame: &mut TrapFrame) -> SysResult {
    tree::make_directory(&path_argument(frame, 0)?).map(|()| 0)
}

pub fn unlink(frame: &mut TrapFrame) -> SysResult {
    tree::remove(&path_argument(frame, 0)?).map(|()| 0)
}

/// poll(fds, count, timeout_ms): fills each entry's `revents`, sleeping
/// until at least one is non-zero or the timeout passes (-1: no timeout).
pub fn poll(frame: &mut TrapFrame) -> SysResult {
    let (user_fds, count, timeout) = (frame.arg(0), frame.arg(1) as usize, frame.arg(2) as i64);
    if count > 4 * MAX_FDS {
        return Err(Errno::EINVAL);
    }
    let mut fds = alloc::vec![PollFd::default(); count];
    // SAFETY: `PollFd` is plain `repr(C)` data; any bytes are a valid value.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(fds.as_mut_ptr() as *mut u8, count * size_of::<PollFd>())
    };
    with_my_space(|space| space.copy_in(bytes, user_fds))?;
    with_my_space(|space| space.check_range(user_fds, bytes.len() as u64, true))?;
    let deadline = (timeout >= 0).then(|| crate::time::nanoseconds() + timeout as u64 * 1_000_000);
    let ready = crate::fs::poll::wait(deadline, || {
        let table = mine();
        let mut ready = 0;
        for entry in fds.iter_mut() {
            entry.revents = match table.get(entry.fd as usize) {
                Ok(file) if entry.fd >= 0 => {
                    // Errors and hang-ups are reported whether asked or not.
                    crate::fs::poll::events_of(&file) & (entry.events | POLLERR | POLLHUP)
                }
                _ => POLLNVAL,
            };
            ready += (entry.revents != 0) as usize;
        }
        Ok(ready)
    })?;
    // SAFETY: as above.
    let bytes = unsafe {
        core::slice::from_raw_parts(fds.as_ptr() as *const u8, count * size_of::<PollFd>())
    };
    with_my_space(|space| space.copy_out(user_fds, bytes))?;
    Ok(ready as u64)
}

/// fcntl(fd, F_GETFL) and fcntl(fd, F_SETFL, flags): only `O_NONBLOCK` can
/// be changed.
pub fn fcntl(frame: &mut TrapFrame) -> SysResult {
    let file = my_file(frame.arg(0) as usize)?;
    match frame.arg(1) as u32 {
        F_GETFL => {
            let access = match (file.readable, file.writable) {
                (true, true) => libsys::abi::O_RDWR,
                (false, true) => O_WRONLY,
                _ => O_RDONLY,
            };
            Ok((access | if file.is_nonblocking() { O_NONBLOCK } else { 0 }) as u64)
        }
        F_SETFL => {
            file.set_nonblocking(frame.arg(2) as u32 & O_NONBLOCK != 0);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
