//! Files: the file tree, open files, pipes, and each process's descriptors.
//!
//! - `initrd.rs`: the boot archive, read in place;
//! - `tree.rs`: the tree of directories and files built from it, plus /tmp;
//! - `kcore::path` (in the host-tested `kcore` crate): turning a user's
//!   path into a normalized absolute one;
//! - `file.rs`: `File`, what a descriptor refers to (console, pipe, node);
//! - `pipe.rs`: the pipe buffer;
//! - `fd_table.rs`: per-process descriptors and current directory;
//! - `poll.rs`: waiting for any of several descriptors to be ready.
pub mod fd_table;
pub mod file;
pub mod initrd;
pub mod pipe;
pub mod poll;
pub mod tree;
