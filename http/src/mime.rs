//! Content types by file extension.
//!
//! The browser decides what to do with a response by its `Content-Type`,
//! not by the name in the URL: a stylesheet sent as `text/plain` is not
//! applied, a PNG sent as `text/html` shows as garbage. Files carry no type
//! of their own, so the extension is our only clue.

// ANCHOR: types
const TYPES: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("txt", "text/plain; charset=utf-8"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("svg", "image/svg+xml"),
    ("ico", "image/vnd.microsoft.icon"),
];

/// What we call bytes we know nothing about: the browser offers to save
/// them rather than guess (RFC 9110 §8.3).
pub const UNKNOWN: &str = "application/octet-stream";
// ANCHOR_END: types

/// The content type of the file at `path`, from its extension.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, extension)) = name.rsplit_once('.') else {
        return UNKNOWN;
    };
    TYPES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        .map_or(UNKNOWN, |&(_, content_type)| content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_extension() {
        let expect = [
            ("/index.html", "text/html; charset=utf-8"),
            ("/style.css", "text/css; charset=utf-8"),
            ("/app.js", "text/javascript; charset=utf-8"),
            ("/api.json", "application/json"),
            ("/logo.png", "image/png"),
            ("/photo.jpg", "image/jpeg"),
            ("/photo.JPEG", "image/jpeg"),
            ("/logo.svg", "image/svg+xml"),
            ("/notes.txt", "text/plain; charset=utf-8"),
            ("/favicon.ico", "image/vnd.microsoft.icon"),
        ];
        for (path, content_type_expected) in expect {
            assert_eq!(content_type(path), content_type_expected, "{path}");
        }
    }

    #[test]
    fn unknown_and_missing_extensions() {
        assert_eq!(content_type("/big.bin"), UNKNOWN);
        assert_eq!(content_type("/README"), UNKNOWN);
        // The dot is in a directory name, not in the file's.
        assert_eq!(content_type("/v1.2/README"), UNKNOWN);
    }
}
