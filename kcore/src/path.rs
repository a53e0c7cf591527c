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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn ok(cwd: &str, path: &str) -> String {
        normalize(cwd, path).unwrap()
    }

    #[test]
    fn absolute_paths_ignore_the_current_directory() {
        assert_eq!(ok("/tmp", "/etc/motd"), "/etc/motd");
        assert_eq!(ok("/tmp", "/"), "/");
    }

    #[test]
    fn relative_paths_join_the_current_directory() {
        assert_eq!(ok("/tmp", "notes"), "/tmp/notes");
        assert_eq!(ok("/", "bin/sh"), "/bin/sh");
        assert_eq!(ok("/tmp", "."), "/tmp");
    }

    #[test]
    fn dots_and_empty_components_are_resolved() {
        assert_eq!(ok("/", "//a///b/./c/"), "/a/b/c");
        assert_eq!(ok("/a/b", "../c"), "/a/c");
        assert_eq!(ok("/a", "b/../../c"), "/c");
    }

    #[test]
    fn dot_dot_of_the_root_is_the_root() {
        assert_eq!(ok("/", ".."), "/");
        assert_eq!(ok("/tmp", "../../../etc"), "/etc");
    }

    #[test]
    fn empty_path_is_enoent() {
        assert_eq!(normalize("/", ""), Err(Errno::ENOENT));
    }

    #[test]
    fn long_paths_and_names_are_enametoolong() {
        let long_name = "x".repeat(MAX_NAME + 1);
        assert_eq!(normalize("/", &long_name), Err(Errno::ENAMETOOLONG));
        assert_eq!(
            ok("/", &"x".repeat(MAX_NAME)),
            "/".to_string() + &"x".repeat(MAX_NAME)
        );
        let long_path = "/a".repeat(MAX_PATH / 2 + 1);
        assert_eq!(normalize("/", &long_path), Err(Errno::ENAMETOOLONG));
    }

    #[test]
    fn split_last_gives_parent_and_name() {
        assert_eq!(split_last("/tmp/x"), Some(("/tmp", "x")));
        assert_eq!(split_last("/x"), Some(("/", "x")));
        assert_eq!(split_last("/"), None);
    }
}
