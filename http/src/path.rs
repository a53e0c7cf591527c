//! From a request-target to a safe path under the document root.
//!
//! The target is attacker-controlled text. Before it goes anywhere near
//! `open`, it is decoded (`%2e` is `.`, `%2F` is `/`) and normalized
//! (`/a/./b/../c` is `/a/c`), in that order, because checking for `..`
//! before decoding is the classic mistake: `/%2e%2e/etc/motd` has no `..`
//! in it until it is decoded. A path that climbs above the root is refused
//! (403); one that decodes to a NUL byte, or to something that is not UTF-8,
//! is malformed (400): the kernel's paths are Rust strings.

use crate::Status;
use alloc::string::String;
use alloc::vec::Vec;

// ANCHOR: resolve
/// The normalized absolute path a request-target names: always starts with
/// `/`, has no `.`, `..` or empty segments, and ends with `/` only for a
/// directory (the root, or a target that ended with `/`).
pub fn resolve(target: &str) -> Result<String, Status> {
    let path = origin_path(target)?;
    // The query and fragment are not part of the file's name.
    let path = path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(Status::Forbidden); // above the root
                }
            }
            _ => segments.push(segment),
        }
    }
    let mut normalized = String::new();
    for segment in &segments {
        normalized.push('/');
        normalized.push_str(segment);
    }
    let is_directory = segments.is_empty() || decoded.ends_with('/');
    if is_directory {
        normalized.push('/');
    }
    Ok(normalized)
}
// ANCHOR_END: resolve

/// The path part of a request-target. Browsers send the origin form
/// (`/a/b?q`); RFC 9112 §3.2.2 also requires a server to accept the
/// absolute form (`http://host/a/b?q`) that proxies use.
fn origin_path(target: &str) -> Result<&str, Status> {
    if target.starts_with('/') {
        return Ok(target);
    }
    let scheme_len = if starts_with_ignore_case(target, "http://") {
        7
    } else if starts_with_ignore_case(target, "https://") {
        8
    } else {
        return Err(Status::BadRequest); // "*", "host:port" or nonsense
    };
    let rest = &target[scheme_len..];
    Ok(rest.find('/').map_or("/", |slash| &rest[slash..]))
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Replaces every `%XX` with the byte it names (RFC 3986 §2.1).
fn percent_decode(text: &str) -> Result<String, Status> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let [high, low, ..] = *tail else {
                return Err(Status::BadRequest); // "%" or "%4" at the end
            };
            let (Some(high), Some(low)) = (hex_digit(high), hex_digit(low)) else {
                return Err(Status::BadRequest);
            };
            bytes.push(high << 4 | low);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    if bytes.contains(&0) {
        return Err(Status::BadRequest);
    }
    String::from_utf8(bytes).map_err(|_| Status::BadRequest)
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths() {
        assert_eq!(resolve("/"), Ok("/".into()));
        assert_eq!(resolve("/index.html"), Ok("/index.html".into()));
        assert_eq!(resolve("/docs/"), Ok("/docs/".into()));
        assert_eq!(resolve("//a///b"), Ok("/a/b".into()));
    }

    #[test]
    fn query_and_fragment_are_dropped() {
        assert_eq!(resolve("/a.html?x=1#top"), Ok("/a.html".into()));
        assert_eq!(resolve("/?refresh"), Ok("/".into()));
    }

    #[test]
    fn dot_segments_are_removed() {
        assert_eq!(resolve("/a/./b/../c"), Ok("/a/c".into()));
        assert_eq!(resolve("/a/.."), Ok("/".into()));
    }

    // ANCHOR: forbidden_test
    #[test]
    fn climbing_above_the_root_is_forbidden() {
        assert_eq!(resolve("/.."), Err(Status::Forbidden));
        assert_eq!(resolve("/../etc/motd"), Err(Status::Forbidden));
        assert_eq!(resolve("/a/../../etc/motd"), Err(Status::Forbidden));
    }
    // ANCHOR_END: forbidden_test

    #[test]
    fn encoded_dots_and_slashes_are_decoded_before_checking() {
        assert_eq!(resolve("/%2e%2e/etc/motd"), Err(Status::Forbidden));
        assert_eq!(resolve("/%2E%2E%2Fetc"), Err(Status::Forbidden));
        assert_eq!(resolve("/a%2f..%2f..%2fb"), Err(Status::Forbidden));
        assert_eq!(resolve("/hello%20world.txt"), Ok("/hello world.txt".into()));
    }

    #[test]
    fn nul_bad_escapes_and_non_utf8_are_malformed() {
        assert_eq!(resolve("/a%00.html"), Err(Status::BadRequest));
        assert_eq!(resolve("/a%zz"), Err(Status::BadRequest));
        assert_eq!(resolve("/a%4"), Err(Status::BadRequest));
        assert_eq!(resolve("/a%"), Err(Status::BadRequest));
        assert_eq!(resolve("/%ff%fe"), Err(Status::BadRequest));
        assert_eq!(resolve("/caf%C3%A9"), Ok("/café".into()));
    }

    #[test]
    fn absolute_form_and_others() {
        assert_eq!(
            resolve("http://oxv6/style.css?v=2"),
            Ok("/style.css".into())
        );
        assert_eq!(resolve("HTTP://oxv6"), Ok("/".into()));
        assert_eq!(resolve("*"), Err(Status::BadRequest));
        assert_eq!(resolve("index.html"), Err(Status::BadRequest));
    }
}
