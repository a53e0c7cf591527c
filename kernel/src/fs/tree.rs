//! The file tree: every file and directory the system knows, in memory.
//!
//! At boot the tree is built from the initrd (read-only: programs in /bin,
//! configuration in /etc, pages in /www), and one writable directory is
//! added: /tmp, whose files live in kernel memory until they are removed.
//!
//! A `Node` is shared (`Arc`) between the tree and every open file that
//! refers to it, so removing a file that is open keeps its data alive until
//! the last descriptor is closed, as on Unix.
//!
//! Locking: each directory's entries and each RAM file's bytes have their
//! own lock. Only `remove` holds two (a directory, then the child it checks
//! for emptiness); nothing takes them the other way round.
//!
//! Memory: /tmp lives in the kernel heap, so it has a budget (`TMP_BUDGET`,
//! half the heap): every node created at run time and every byte a /tmp
//! file grows by is charged to it (`ENOSPC` when it is spent) and given
//! back when the node is freed. One program filling /tmp cannot take the
//! memory that other programs' pipes and sockets need.

use crate::sync::SpinLock;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use kcore::path;
use libsys::Errno;
use libsys::abi::FileKind;
use spin::Once;

// ANCHOR: node
pub enum Node {
    Directory(Directory),
    /// A file from the initrd: its bytes, read-only, for as long as the
    /// kernel runs.
    InitrdFile(&'static [u8]),
    /// A file created at run time (in /tmp).
    RamFile(SpinLock<Vec<u8>>),
}

pub struct Directory {
    /// Can files be created and removed here?
    pub writable: bool,
    pub entries: SpinLock<BTreeMap<String, Arc<Node>>>,
}
// ANCHOR_END: node

impl Node {
    fn directory(writable: bool) -> Arc<Node> {
        Arc::new(Node::Directory(Directory {
            writable,
            entries: SpinLock::new("directory", BTreeMap::new()),
        }))
    }

    pub fn kind(&self) -> FileKind {
        match self {
            Node::Directory(_) => FileKind::Directory,
            _ => FileKind::Regular,
        }
    }

    /// Bytes in a file, entries in a directory.
    pub fn size(&self) -> u64 {
        match self {
            Node::Directory(d) => d.entries.lock().len() as u64,
            Node::InitrdFile(data) => data.len() as u64,
            Node::RamFile(data) => data.lock().len() as u64,
        }
    }

    pub fn is_writable(&self) -> bool {
        match self {
            Node::Directory(d) => d.writable,
            Node::InitrdFile(_) => false,
            Node::RamFile(_) => true,
        }
    }

    fn as_directory(&self) -> Result<&Directory, Errno> {
        match self {
            Node::Directory(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }
}

// ANCHOR: budget
/// What a node created at run time costs /tmp's budget besides its bytes:
/// the node, its `Arc`, its directory entry and name (a generous bound).
pub const NODE_COST: usize = 256;

/// Bytes of /tmp's budget in use.
static TMP_USED: AtomicUsize = AtomicUsize::new(0);

/// /tmp may use at most half the kernel heap.
fn tmp_budget() -> usize {
    crate::mem::heap::stats().total / 2
}

/// Takes `bytes` from /tmp's budget, or fails with `ENOSPC`.
pub fn charge_tmp(bytes: usize) -> Result<(), Errno> {
    crate::mem::heap::charge(bytes).map_err(|_| Errno::ENOSPC)?;
    let budget = tmp_budget();
    TMP_USED
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
            used.checked_add(bytes).filter(|&total| total <= budget)
        })
        .map(drop)
        .map_err(|_| Errno::ENOSPC)
}

/// Gives `bytes` back to /tmp's budget.
pub fn uncharge_tmp(bytes: usize) {
    TMP_USED.fetch_sub(bytes, Ordering::AcqRel);
}

impl Drop for Node {
    /// Nodes created at run time (RAM files, writable directories other
    /// than /tmp itself, which is never freed) give their charge back.
    fn drop(&mut self) {
        match self {
            Node::RamFile(data) => uncharge_tmp(NODE_COST + data.get_mut().len()),
            Node::Directory(d) if d.writable => uncharge_tmp(NODE_COST),
            _ => {}
        }
    }
}
// ANCHOR_END: budget

static ROOT: Once<Arc<Node>> = Once::new();

fn root() -> &'static Arc<Node> {
    ROOT.get().expect("file tree used before fs::tree::init")
}

/// Builds the tree from the initrd and adds the writable /tmp.
pub fn init() {
    ROOT.call_once(|| Node::directory(false));
    for entry in super::initrd::entries() {
        if entry.path.is_empty() {
            continue;
        }
        let node = if entry.is_dir {
            Node::directory(false)
        } else {
            Arc::new(Node::InitrdFile(entry.data))
        };
        let path = alloc::format!("/{}", entry.path);
        if let Err(e) = insert(&path, node, true) {
            crate::warn!("initrd: skipping {}: {}", path, e);
        }
    }
    insert("/tmp", Node::directory(true), true).expect("cannot create /tmp");
    // Listed by `ls /dev`; its contents are made at each open (`generated`).
    insert(TRACE_PATH, Arc::new(Node::InitrdFile(&[])), true).expect("cannot create /dev/trace");
    insert(PROFILE_PATH, Arc::new(Node::InitrdFile(&[])), true)
        .expect("cannot create /dev/profile");
}

/// The kernel's trace ring as a file (see `trace.rs`).
const TRACE_PATH: &str = "/dev/trace";
/// The profiler's samples as a file (see `profile.rs`).
const PROFILE_PATH: &str = "/dev/profile";

/// Files whose contents the kernel makes when they are opened: each open
/// gets its own snapshot, a RAM file outside the tree, so reads, seeks and
/// `fstat` behave as for any file and never see a half-written ring.
fn generated(path: &str) -> Option<Arc<Node>> {
    let snapshot = match path {
        TRACE_PATH => crate::trace::open(),
        PROFILE_PATH => crate::profile::snapshot(),
        _ => return None,
    }
    .into_bytes();
    Some(Arc::new(Node::RamFile(SpinLock::new("ram_file", snapshot))))
}

/// Puts `node` at the normalized `path`. With `boot`, missing parent
/// directories are created and read-only ones may be written.
fn insert(path: &str, node: Arc<Node>, boot: bool) -> Result<(), Errno> {
    let (parent_path, name) = path::split_last(path).ok_or(Errno::EEXIST)?;
    let parent = match lookup(parent_path) {
        Ok(parent) => parent,
        Err(Errno::ENOENT) if boot => {
            insert(parent_path, Node::directory(false), true)?;
            lookup(parent_path)?
        }
        Err(e) => return Err(e),
    };
    let directory = parent.as_directory()?;
    if !directory.writable && !boot {
        return Err(Errno::EROFS);
    }
    let mut entries = directory.entries.lock();
    if entries.contains_key(name) {
        return Err(Errno::EEXIST);
    }
    entries.insert(String::from(name), node);
    Ok(())
}

// ANCHOR: lookup
/// The node at the normalized absolute `path`, walking from the root.
pub fn lookup(path: &str) -> Result<Arc<Node>, Errno> {
    if let Some(node) = generated(path) {
        return Ok(node);
    }
    let mut node = root().clone();
    for name in path.split('/').filter(|n| !n.is_empty()) {
        let next = node.as_directory()?.entries.lock().get(name).cloned();
        node = next.ok_or(Errno::ENOENT)?;
    }
    Ok(node)
}
// ANCHOR_END: lookup

/// Creates an empty file at `path` (in a writable directory).
pub fn create_file(path: &str) -> Result<Arc<Node>, Errno> {
    charge_tmp(NODE_COST)?; // given back by `Node::drop`, even if `insert` fails
    let node = Arc::new(Node::RamFile(SpinLock::new("ram_file", Vec::new())));
    insert(path, node.clone(), false)?;
    Ok(node)
}

pub fn make_directory(path: &str) -> Result<(), Errno> {
    charge_tmp(NODE_COST)?;
    insert(path, Node::directory(true), false)
}

/// Removes the file or empty directory at `path`.
pub fn remove(path: &str) -> Result<(), Errno> {
    let (parent_path, name) = path::split_last(path).ok_or(Errno::EBUSY)?;
    let parent = lookup(parent_path)?;
    let directory = parent.as_directory()?;
    let mut entries = directory.entries.lock();
    let node = entries.get(name).ok_or(Errno::ENOENT)?;
    if !directory.writable {
        return Err(Errno::EROFS);
    }
    if let Node::Directory(d) = &**node
        && !d.entries.lock().is_empty()
    {
        return Err(Errno::ENOTEMPTY);
    }
    entries.remove(name);
    Ok(())
}
