//! One request head: from bytes to a `Request`, under this server's rules.
//!
//! `httparse` does the tokenizing (request line, header names and values)
//! and knows nothing else. This file adds what RFC 9110/9112 and a careful
//! server require on top: the size limits, which methods we serve, how the
//! body is framed (and whether we are willing to skip it), whether the
//! connection stays open, and which headers must appear exactly once.
//!
//! Every problem is a `Rejection`: a status code, and the decision to close
//! the connection afterwards, because once a request is malformed we can no
//! longer tell where the next one starts.

use crate::Status;
use alloc::string::String;

// ANCHOR: limits
/// Longest request head (request line + headers + blank line) we accept:
/// larger is answered with 431. A connection buffers at most this much.
pub const MAX_HEAD: usize = 8 * 1024;
/// Most header lines in one request: more is answered with 431.
pub const MAX_HEADERS: usize = 32;
/// Largest body we are willing to read and throw away (we serve only GET
/// and HEAD, which have no use for a body): larger is answered with 413.
pub const MAX_BODY: usize = 16 * 1024;
// ANCHOR_END: limits

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    /// Any other well-formed method (POST, PUT, BREW...): answered with 405.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// A request head that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The request-target exactly as sent (see `path::resolve`).
    pub target: String,
    pub version: Version,
    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    pub keep_alive: bool,
    /// The `Range` header, if there was exactly one (see `range::parse`).
    pub range: Option<String>,
    /// The `If-None-Match` header: tags of versions the client already has.
    pub if_none_match: Option<String>,
    /// Bytes of body that follow the head; the reader skips them.
    pub body_length: usize,
}

/// Why a request cannot be served. The connection closes after the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub status: Status,
    /// A short explanation, for the error page and the server's log.
    pub why: &'static str,
}

impl Request {
    // ANCHOR: resource
    /// The checks every request goes through before anything is looked up:
    /// a method we serve (else 405), then a safe path (else 400 or 403).
    pub fn resource(&self) -> Result<String, Status> {
        if self.method == Method::Other {
            return Err(Status::MethodNotAllowed);
        }
        crate::path::resolve(&self.target)
    }
    // ANCHOR_END: resource

    /// HEAD asks for the head of the response that GET would get, alone.
    pub fn wants_body(&self) -> bool {
        self.method != Method::Head
    }
}

const fn reject(status: Status, why: &'static str) -> Rejection {
    Rejection { status, why }
}

/// What `parse` found at the start of a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Head {
    /// The head is not complete yet: read more.
    Partial,
    /// A request whose head is the first `usize` bytes of the buffer.
    Complete(Request, usize),
}

// ANCHOR: parse
/// Parses the request head at the start of `buffer`.
pub fn parse(buffer: &[u8]) -> Result<Head, Rejection> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let length = match parsed.parse(buffer) {
        Ok(httparse::Status::Complete(length)) if length > MAX_HEAD => {
            return Err(reject(
                Status::HeaderFieldsTooLarge,
                "request head over 8 KiB",
            ));
        }
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if buffer.len() >= MAX_HEAD => {
            return Err(reject(
                Status::HeaderFieldsTooLarge,
                "request head over 8 KiB",
            ));
        }
        Ok(httparse::Status::Partial) => return Ok(Head::Partial),
        Err(error) => return Err(classify(error, buffer)),
    };
    // A complete parse fills in all three.
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(reject(Status::BadRequest, "incomplete request line"));
    };
    let version = if version == 0 {
        Version::Http10
    } else {
        Version::Http11
    };
    let fields = Fields::collect(parsed.headers)?;
    let request = Request {
        method: match method {
            // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET.
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            _ => Method::Other,
        },
        target: String::from(target),
        version,
        keep_alive: fields.keep_alive(version),
        range: fields.range.map(String::from),
        if_none_match: fields.if_none_match.map(String::from),
        body_length: fields.body_length(version)?,
    };
    if version == Version::Http11 && fields.hosts != 1 {
        // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request
        // with no Host, or with more than one.
        return Err(reject(
            Status::BadRequest,
            "HTTP/1.1 needs exactly one Host",
        ));
    }
    Ok(Head::Complete(request, length))
}
// ANCHOR_END: parse

/// The status for a head `httparse` refused.
fn classify(error: httparse::Error, buffer: &[u8]) -> Rejection {
    match error {
        httparse::Error::TooManyHeaders => {
            reject(Status::HeaderFieldsTooLarge, "more than 32 header lines")
        }
        // "HTTP/2.0" is a version, just not ours (505); "HTTX/1.1" or
        // "HTTP/one" is not a version at all (400).
        httparse::Error::Version if names_a_version(buffer) => {
            reject(Status::VersionNotSupported, "only HTTP/1.0 and HTTP/1.1")
        }
        httparse::Error::Version => reject(Status::BadRequest, "malformed HTTP version"),
        httparse::Error::HeaderName => reject(Status::BadRequest, "invalid header name"),
        httparse::Error::HeaderValue => reject(Status::BadRequest, "invalid header value"),
        httparse::Error::NewLine => reject(Status::BadRequest, "invalid line ending"),
        httparse::Error::Token | httparse::Error::Status => {
            reject(Status::BadRequest, "malformed request line")
        }
    }
}

/// Whether the request line ends in `HTTP/d.d` (the version syntax of
/// RFC 9112 §2.3), whatever the digits.
fn names_a_version(buffer: &[u8]) -> bool {
    let start = buffer.iter().position(|&b| b != b'\r' && b != b'\n');
    let line = &buffer[start.unwrap_or(buffer.len())..];
    let line = &line[..line.iter().position(|&b| b == b'\n').unwrap_or(line.len())];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let version = line.rsplit(|&b| b == b' ').next().unwrap_or(b"");
    matches!(version, [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
        if major.is_ascii_digit() && minor.is_ascii_digit())
}

/// The header fields this server acts on, gathered from all the lines.
#[derive(Default)]
struct Fields<'a> {
    hosts: usize,
    content_length: Option<usize>,
    transfer_encoding: bool,
    close: bool,
    keep_alive: bool,
    range: Option<&'a str>,
    ranges: usize,
    if_none_match: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn collect(headers: &[httparse::Header<'a>]) -> Result<Fields<'a>, Rejection> {
        let mut fields = Fields::default();
        for header in headers {
            let name = header.name;
            let value = core::str::from_utf8(header.value).ok();
            if name.eq_ignore_ascii_case("host") {
                fields.hosts += 1;
            } else if name.eq_ignore_ascii_case("content-length") {
                fields.add_content_length(value)?;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                fields.transfer_encoding = true;
            } else if name.eq_ignore_ascii_case("connection") {
                // A comma-separated list of options, case-insensitive, and
                // may be split over several Connection lines.
                for option in value.unwrap_or("").split(',').map(str::trim) {
                    fields.close |= option.eq_ignore_ascii_case("close");
                    fields.keep_alive |= option.eq_ignore_ascii_case("keep-alive");
                }
            } else if name.eq_ignore_ascii_case("if-none-match") {
                fields.if_none_match = value;
            } else if name.eq_ignore_ascii_case("range") {
                fields.ranges += 1;
                fields.range = value;
            }
        }
        if fields.ranges > 1 {
            fields.range = None; // ambiguous: serve the whole file
        }
        Ok(fields)
    }

    /// RFC 9110 §8.6: 1*DIGIT; a list of identical values counts as one.
    fn add_content_length(&mut self, value: Option<&str>) -> Result<(), Rejection> {
        for item in value.unwrap_or("").split(',').map(str::trim) {
            if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                return Err(reject(Status::BadRequest, "invalid Content-Length"));
            }
            // Too many digits for a usize is certainly too large a body.
            let length = item.parse::<usize>().unwrap_or(usize::MAX);
            if self.content_length.is_some_and(|seen| seen != length) {
                return Err(reject(Status::BadRequest, "conflicting Content-Length"));
            }
            self.content_length = Some(length);
        }
        Ok(())
    }

    // ANCHOR: keep_alive
    /// RFC 9112 §9.3: "close" always closes; HTTP/1.1 is persistent by
    /// default; HTTP/1.0 only when the client asked for "keep-alive".
    fn keep_alive(&self, version: Version) -> bool {
        if self.close {
            false
        } else {
            version == Version::Http11 || self.keep_alive
        }
    }
    // ANCHOR_END: keep_alive

    /// How many body bytes follow the head (RFC 9112 §6.3).
    fn body_length(&self, version: Version) -> Result<usize, Rejection> {
        if self.transfer_encoding {
            // Both framings at once is how requests are smuggled past
            // proxies (§6.1); an HTTP/1.0 message cannot use it at all.
            if self.content_length.is_some() || version == Version::Http10 {
                return Err(reject(
                    Status::BadRequest,
                    "Transfer-Encoding not allowed here",
                ));
            }
            // A chunked body has no length up front; we do not decode one.
            return Err(reject(
                Status::NotImplemented,
                "Transfer-Encoding in a request",
            ));
        }
        match self.content_length {
            Some(length) if length > MAX_BODY => {
                Err(reject(Status::ContentTooLarge, "request body over 16 KiB"))
            }
            Some(length) => Ok(length),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(bytes: &[u8]) -> (Request, usize) {
        match parse(bytes) {
            Ok(Head::Complete(request, length)) => (request, length),
            other => panic!("expected a complete request, got {other:?}"),
        }
    }

    #[test]
    fn simple_get() {
        let bytes = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nnext";
        let (request, length) = complete(bytes);
        assert_eq!(request.method, Method::Get);
        assert_eq!(request.target, "/index.html");
        assert_eq!(request.version, Version::Http11);
        assert!(request.keep_alive);
        assert_eq!(request.range, None);
        assert_eq!(request.body_length, 0);
        assert_eq!(&bytes[length..], b"next");
    }

    #[test]
    fn version_syntax() {
        assert!(names_a_version(b"GET / HTTP/2.0\r\n"));
        assert!(names_a_version(b"\r\nGET / HTTP/3.1\n"));
        assert!(!names_a_version(b"GET / HTTX/1.1\r\n"));
        assert!(!names_a_version(b"GET / HTTP/10.1\r\n"));
    }

    #[test]
    fn two_range_headers_are_ignored() {
        let (request, _) =
            complete(b"GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n");
        assert_eq!(request.range, None);
    }
}
