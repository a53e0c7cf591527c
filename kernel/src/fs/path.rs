//! Path names: joining a path to the current directory and normalizing it.
//!
//! Every process keeps its current directory as an absolute, normalized
//! path ("/tmp/notes"). A path from a system call is joined to it (unless
//! it starts with `/`), and then `.` and `..` are resolved by looking at the
//! text alone. That is correct here because the tree has no symbolic links,
//! and it means a directory needs no pointer to its parent.

use alloc::string::String;
use alloc::vec::Vec;
use libsys::Errno;
use libsys::abi::{MAX_NAME, MAX_PATH};

/// `path` made absolute (relative to `cwd`) and normalized: the result is
/// `/` or `/a/b` with no `.`, `..`, empty or trailing components.
pub fn normalize(cwd: &str, path: &str) -> Result<String, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() > MAX_PATH {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut parts: Vec<&str> = Vec::new();
    let start = if path.starts_with('/') { "" } else { cwd };
    for part in start.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop(); // `..` of the root is the root
            }
            name if name.len() > MAX_NAME => return Err(Errno::ENAMETOOLONG),
            name => parts.push(name),
        }
    }
    let mut result = String::new();
    for part in &parts {
        result.push('/');
        result.push_str(part);
    }
    if result.is_empty() {
        result.push('/');
    }
    Ok(result)
}

/// Splits a normalized path into its parent directory and last name:
/// "/tmp/x" gives ("/tmp", "x"). The root has no last name.
pub fn split_last(path: &str) -> Option<(&str, &str)> {
    let (parent, name) = path.rsplit_once('/')?;
    if name.is_empty() {
        return None;
    }
    Some((if parent.is_empty() { "/" } else { parent }, name))
}
