//! What must hold for *any* input to the parsers, whoever wrote it. Used by
//! the deterministic mutation test (`tests/mutation.rs`, in every `cargo
//! test`) and by the coverage-guided fuzz targets in `http/fuzz/`, so both
//! check the same contract: no panic, and answers that make sense.
#![allow(dead_code)] // each user calls only some of these

use http::{ByteRange, Next, RequestReader, Status};

/// The verdicts a server reaches on `bytes`, received `chunk` bytes at a
/// time (then the client closes): each request, up to the first rejection.
pub fn verdicts(bytes: &[u8], chunk: usize) -> Vec<Result<http::Request, Status>> {
    let mut reader = RequestReader::new();
    let mut verdicts = Vec::new();
    let mut rest = bytes;
    loop {
        let taken = reader.feed(&rest[..chunk.min(rest.len())]);
        rest = &rest[taken..];
        let closed = rest.is_empty();
        loop {
            let next = if closed {
                reader.next_at_end()
            } else {
                reader.next_request()
            };
            match next {
                Next::NeedMore => break,
                Next::Request(request) => verdicts.push(Ok(request)),
                Next::Reject(rejection) => {
                    verdicts.push(Err(rejection.status));
                    return verdicts;
                }
            }
        }
        if closed {
            return verdicts;
        }
        // A full buffer is always answered (431 or 400), never left waiting.
        assert!(
            taken > 0,
            "the reader takes no more bytes but gives no verdict"
        );
    }
}

/// The reader's contract for any bytes: no panic, the same verdicts however
/// the bytes are split into reads, and every request's resource passes
/// `check_resolved`.
pub fn check_request_bytes(bytes: &[u8]) {
    let whole = verdicts(bytes, usize::MAX);
    for chunk in [1, 7, 512] {
        assert_eq!(
            verdicts(bytes, chunk),
            whole,
            "read in pieces of {chunk} bytes"
        );
    }
    for request in whole.into_iter().flatten() {
        if let Ok(path) = request.resource() {
            check_resolved(&path);
        }
        assert!(request.body_length <= http::request::MAX_BODY);
    }
    // The parser on its own, on the same bytes: never a head longer than
    // the input.
    if let Ok(http::request::Head::Complete(_, length)) = http::request::parse(bytes) {
        assert!(length <= bytes.len());
    }
}

/// A path `path::resolve` accepted: absolute, normalized, no way up.
pub fn check_resolved(path: &str) {
    assert!(path.starts_with('/'), "{path:?} is not absolute");
    assert!(!path.contains("//"), "{path:?} has an empty segment");
    for segment in path.split('/') {
        assert!(
            segment != "." && segment != "..",
            "{path:?} still has {segment:?}"
        );
    }
}

/// `path::resolve` on any target: no panic, and a sane answer.
pub fn check_target(target: &str) {
    if let Ok(path) = http::path::resolve(target) {
        check_resolved(&path);
    }
}

/// `range::parse` on any header and size: no panic, and a part that lies
/// inside the file.
pub fn check_range(header: &str, size: u64) {
    match http::range::parse(header, size) {
        ByteRange::Part { first, last } => {
            assert!(
                first <= last && last < size,
                "{header:?} of {size}: {first}..={last}"
            );
            let range = http::range::parse(header, size);
            assert_eq!(range.length(size), last - first + 1);
            assert_eq!(range.offset(), first);
        }
        ByteRange::Full | ByteRange::Unsatisfiable => {}
    }
}
