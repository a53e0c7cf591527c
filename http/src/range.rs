//! `Range: bytes=a-b`: asking for part of a file (RFC 9110 §14).
//!
//! A download that broke at 600 KB resumes with `Range: bytes=600000-`; a
//! video player seeks with `bytes=1000000-1999999`. The answer is 206 with
//! only those bytes and a `Content-Range` saying which they are.
//!
//! A server may always ignore a Range and send the whole file with 200, so
//! anything we do not handle (several ranges at once, another unit, a
//! syntax error) falls back to that. Only a well-formed range that lies
//! wholly past the end of the file is an error: 416.

/// What to send of a file of a given size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// All of it (200).
    Full,
    /// Bytes `first..=last` (206).
    Part { first: u64, last: u64 },
    /// Nothing of it (416).
    Unsatisfiable,
}

impl ByteRange {
    /// How many bytes of a file of `size` bytes this sends.
    pub fn length(self, size: u64) -> u64 {
        match self {
            ByteRange::Full => size,
            ByteRange::Part { first, last } => last - first + 1,
            ByteRange::Unsatisfiable => 0,
        }
    }

    /// The offset of the first byte sent.
    pub fn offset(self) -> u64 {
        match self {
            ByteRange::Part { first, .. } => first,
            _ => 0,
        }
    }
}

// ANCHOR: parse
/// Interprets a `Range` header value for a file of `size` bytes.
pub fn parse(header: &str, size: u64) -> ByteRange {
    let header = header.trim();
    let Some(unit) = header.get(..6) else {
        return ByteRange::Full;
    };
    if !unit.eq_ignore_ascii_case("bytes=") {
        return ByteRange::Full;
    }
    let spec = header[6..].trim();
    if spec.contains(',') {
        return ByteRange::Full; // several ranges: we send the whole file
    }
    let Some((first, last)) = spec.split_once('-') else {
        return ByteRange::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    match (number(first), number(last)) {
        // "-n": the last n bytes.
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 || size == 0 {
                ByteRange::Unsatisfiable
            } else {
                ByteRange::Part {
                    first: size - suffix.min(size),
                    last: size - 1,
                }
            }
        }
        // "a-" and "a-b": from a, to b or the end (b may pass the end).
        (Some(first), last_number) if last.is_empty() || last_number.is_some() => {
            let last = last_number.unwrap_or(u64::MAX);
            if first > last {
                ByteRange::Full // invalid: ignored
            } else if first >= size {
                ByteRange::Unsatisfiable
            } else {
                ByteRange::Part {
                    first,
                    last: last.min(size - 1),
                }
            }
        }
        _ => ByteRange::Full,
    }
}
// ANCHOR_END: parse

/// A decimal number of digits only (no sign, no spaces), if it fits.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ByteRange::*;

    #[test]
    fn first_to_last() {
        assert_eq!(parse("bytes=0-99", 1000), Part { first: 0, last: 99 });
        assert_eq!(
            parse("bytes=10-10", 1000),
            Part {
                first: 10,
                last: 10
            }
        );
        assert_eq!(
            parse("bytes=900-5000", 1000),
            Part {
                first: 900,
                last: 999
            }
        );
        assert_eq!(
            Part {
                first: 10,
                last: 19
            }
            .length(1000),
            10
        );
    }

    #[test]
    fn open_ended_and_suffix() {
        assert_eq!(
            parse("bytes=600-", 1000),
            Part {
                first: 600,
                last: 999
            }
        );
        assert_eq!(
            parse("bytes=-100", 1000),
            Part {
                first: 900,
                last: 999
            }
        );
        assert_eq!(
            parse("bytes=-5000", 1000),
            Part {
                first: 0,
                last: 999
            }
        );
        assert_eq!(parse("BYTES = 1-2", 1000), Full); // space inside the unit
        assert_eq!(parse(" Bytes=1-2 ", 1000), Part { first: 1, last: 2 });
    }

    #[test]
    fn past_the_end_is_unsatisfiable() {
        assert_eq!(parse("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse("bytes=2000-3000", 1000), Unsatisfiable);
        assert_eq!(parse("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), Unsatisfiable);
    }

    #[test]
    fn anything_else_is_ignored() {
        for header in [
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=1",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(parse(header, 1000), Full, "{header}");
        }
    }
}
