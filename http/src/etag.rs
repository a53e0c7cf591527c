//! Entity tags and `If-None-Match` (RFC 9110 §8.8.3, §13.1.2): "send it
//! only if it changed".
//!
//! A browser that already has `/style.css` sends the tag it got with it;
//! if the file's tag is still the same, the server answers `304 Not
//! Modified` with no body and the browser uses its copy. Our tags are
//! *strong*: a hash of the file's bytes, so equal tags mean equal bytes.

use alloc::format;
use alloc::string::String;

/// The tag for content with this 64-bit hash: `"0123456789abcdef"`.
pub fn from_hash(hash: u64) -> String {
    format!("\"{hash:016x}\"")
}

/// FNV-1a, 64 bits: a simple, well-spread hash; enough to tell versions of
/// a file apart (it is not a defence against someone forging collisions).
pub fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    let mut hash = state;
    for &byte in bytes {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The starting state for `fnv1a`.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

// ANCHOR: matches
/// Does an `If-None-Match` field value match `etag`? The value is `*` (any
/// current version) or a comma-separated list of tags; the comparison is
/// the weak one (§8.8.3.2), so `W/"x"` matches `"x"`.
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    let etag = etag.trim_start_matches("W/");
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(str::trim)
            .any(|tag| tag.trim_start_matches("W/") == etag)
}
// ANCHOR_END: matches

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_quoted_hex() {
        assert_eq!(from_hash(0xabc), "\"0000000000000abc\"");
    }

    #[test]
    fn a_listed_tag_matches_and_others_do_not() {
        let tag = from_hash(42);
        assert!(matches(&tag, &tag));
        assert!(matches(&format!("\"x\", {tag} , \"y\""), &tag));
        assert!(matches(&format!("W/{tag}"), &tag), "weak comparison");
        assert!(matches("*", &tag));
        assert!(!matches("\"other\"", &tag));
        assert!(!matches("", &tag));
    }

    #[test]
    fn fnv1a_known_values() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        // Hashing in pieces gives the same result as at once.
        assert_eq!(
            fnv1a(fnv1a(FNV_OFFSET, b"hello "), b"world"),
            fnv1a(FNV_OFFSET, b"hello world")
        );
    }
}
