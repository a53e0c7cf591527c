//! Each process's file descriptors and current directory.
//!
//! A descriptor is an index into the process's table of `MAX_FDS` slots;
//! each slot holds an `Arc<File>` or nothing. New descriptors take the
//! lowest free slot, which is what makes the shell's redirection trick work
//! (close 1, open a file: it becomes 1).
//!
//! - `fork` copies the table: parent and child share the open files.
//! - `exec` keeps it: that is how a shell hands a program its redirections.
//! - `exit` closes every descriptor, before the process becomes a zombie,
//!   so that a pipe's reader sees end of file as soon as the writer exits.
//!
//! Like the address space, the table is touched only by its own process
//! (and by the parent during `fork`), so it has a lock per slot rather than
//! living under `PROCS`. Files are dropped only after that lock is
//! released: closing a pipe end wakes sleepers, which takes `PROCS`.

use super::file::File;
use crate::proc::{NPROC, me};
use crate::sync::SpinLock;
use alloc::string::String;
use alloc::sync::Arc;
use libsys::Errno;
use libsys::abi::MAX_FDS;

pub struct FdTable {
    files: [Option<Arc<File>>; MAX_FDS],
    /// The current directory: absolute and normalized (see `kcore::path`).
    pub cwd: String,
}

static TABLES: [SpinLock<FdTable>; NPROC] = [const {
    SpinLock::new(
        "fd_table",
        FdTable {
            files: [const { None }; MAX_FDS],
            cwd: String::new(),
        },
    )
}; NPROC];

impl FdTable {
    pub fn get(&self, fd: usize) -> Result<Arc<File>, Errno> {
        self.files
            .get(fd)
            .and_then(|f| f.clone())
            .ok_or(Errno::EBADF)
    }

    /// Puts `file` in the lowest free slot; returns its number. When the
    /// table is full the file comes back to the caller, who drops it after
    /// releasing the table's lock (dropping may close a pipe end).
    pub fn insert(&mut self, file: Arc<File>) -> Result<usize, (Errno, Arc<File>)> {
        match self.files.iter().position(|f| f.is_none()) {
            Some(fd) => {
                self.files[fd] = Some(file);
                Ok(fd)
            }
            None => Err((Errno::EMFILE, file)),
        }
    }

    /// Empties slot `fd`, returning the file (for the caller to drop).
    /// How many open descriptors refer to files for which `matches` holds.
    pub fn count(&self, matches: impl Fn(&File) -> bool) -> usize {
        self.files.iter().flatten().filter(|f| matches(f)).count()
    }

    pub fn remove(&mut self, fd: usize) -> Result<Arc<File>, Errno> {
        self.files
            .get_mut(fd)
            .and_then(|f| f.take())
            .ok_or(Errno::EBADF)
    }

    /// Makes `new_fd` refer to `file`; returns what was there before.
    pub fn replace(&mut self, new_fd: usize, file: Arc<File>) -> Result<Option<Arc<File>>, Errno> {
        let slot = self.files.get_mut(new_fd).ok_or(Errno::EBADF)?;
        Ok(slot.replace(file))
    }
}

/// The running process's table.
pub fn mine() -> crate::sync::spinlock::SpinLockGuard<'static, FdTable> {
    TABLES[me()].lock()
}

/// Gives `file` a descriptor in the running process's table.
pub fn install(file: Arc<File>) -> Result<usize, Errno> {
    let result = mine().insert(file);
    // The guard is gone here; a refused file is dropped without the lock.
    result.map_err(|(errno, _file)| errno)
}

/// The open file behind descriptor `fd` of the running process.
pub fn my_file(fd: usize) -> Result<Arc<File>, Errno> {
    mine().get(fd)
}

/// The first process starts with the console on 0, 1 and 2, in `/`.
pub fn init_first(slot: usize) {
    let mut table = TABLES[slot].lock();
    for fd in 0..3 {
        table.files[fd] = Some(File::console());
    }
    table.cwd = String::from("/");
}

/// `fork`: the child gets the parent's descriptors and directory.
pub fn copy_for_fork(parent: usize, child: usize) {
    let (files, cwd) = {
        let table = TABLES[parent].lock();
        (table.files.clone(), table.cwd.clone())
    };
    let old = {
        let mut table = TABLES[child].lock();
        table.cwd = cwd;
        core::mem::replace(&mut table.files, files)
    };
    drop(old); // a fresh slot's table is empty, but be safe
}

/// `exit`: closes every descriptor of `slot`.
pub fn close_all(slot: usize) {
    let files = core::mem::replace(&mut TABLES[slot].lock().files, [const { None }; MAX_FDS]);
    drop(files); // outside the lock: closing a pipe end takes PROCS
}
