//! Building a response head: the status line and the header fields.
//!
//! ```text
//! HTTP/1.1 200 OK\r\n
//! Server: oxv6-httpd\r\n
//! Content-Type: text/html; charset=utf-8\r\n
//! Content-Length: 1234\r\n
//! Connection: keep-alive\r\n
//! \r\n
//! ...1234 bytes of body...
//! ```
//!
//! Every response carries a `Content-Length`: it is what lets the client
//! find where this response ends and the next begins on a kept-alive
//! connection (RFC 9112 §6.3). We never use chunked encoding: every body we
//! send, a file or a page built in memory, has a size known in advance.
//!
//! No `Date` header: RFC 9110 §6.6.1 says an origin server without a
//! reliable clock MUST NOT send one, and oxv6 has no wall clock, only the
//! time since boot.

use crate::Status;
use crate::range::ByteRange;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// What `Allow` lists in a 405: the methods this server serves.
pub const ALLOWED_METHODS: &str = "GET, HEAD";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub content_type: Option<&'static str>,
    pub content_length: u64,
    pub keep_alive: bool,
    /// Further fields: `Allow`, `Content-Range`, `Cache-Control`...
    pub extra: Vec<(&'static str, String)>,
}

impl Response {
    /// A response with no body that keeps the connection open.
    pub fn new(status: Status) -> Response {
        Response {
            status,
            content_type: None,
            content_length: 0,
            keep_alive: true,
            extra: Vec::new(),
        }
    }

    pub fn content_type(mut self, content_type: &'static str) -> Response {
        self.content_type = Some(content_type);
        self
    }

    pub fn content_length(mut self, length: u64) -> Response {
        self.content_length = length;
        self
    }

    pub fn keep_alive(mut self, keep_alive: bool) -> Response {
        self.keep_alive = keep_alive;
        self
    }

    /// Adds a header field. CR and LF are dropped from the value: a value
    /// built from request data must not be able to end our header and
    /// start one of its own ("response splitting").
    pub fn header(mut self, name: &'static str, value: &str) -> Response {
        let value = value.chars().filter(|&c| c != '\r' && c != '\n').collect();
        self.extra.push((name, value));
        self
    }

    /// The answer to a file of `size` bytes for the range asked: 200 with
    /// all of it, 206 with part of it, or 416 with nothing.
    pub fn for_file(range: ByteRange, size: u64, content_type: &'static str) -> Response {
        let response = match range {
            ByteRange::Full => Response::new(Status::Ok),
            ByteRange::Part { first, last } => Response::new(Status::PartialContent)
                .header("Content-Range", &format!("bytes {first}-{last}/{size}")),
            ByteRange::Unsatisfiable => {
                return Response::new(Status::RangeNotSatisfiable)
                    .header("Content-Range", &format!("bytes */{size}"));
            }
        };
        response
            .content_type(content_type)
            .content_length(range.length(size))
            .header("Accept-Ranges", "bytes")
    }

    // ANCHOR: write_head
    /// Appends the status line and header fields, and the empty line that
    /// ends them, to `out`.
    pub fn write_head(&self, out: &mut Vec<u8>) {
        let mut head = String::new();
        // We speak HTTP/1.1 even to a 1.0 client: the version is what the
        // server supports, and 1.1 is compatible (RFC 9110 §6.2).
        let _ = write!(
            head,
            "HTTP/1.1 {} {}\r\n",
            self.status.code(),
            self.status.reason()
        );
        head.push_str("Server: oxv6-httpd\r\n");
        if let Some(content_type) = self.content_type {
            let _ = write!(head, "Content-Type: {content_type}\r\n");
        }
        let _ = write!(head, "Content-Length: {}\r\n", self.content_length);
        for (name, value) in &self.extra {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        // Said explicitly either way, so both kinds of client know: a 1.0
        // client only keeps the connection if told "keep-alive".
        let connection = if self.keep_alive {
            "keep-alive"
        } else {
            "close"
        };
        let _ = write!(head, "Connection: {connection}\r\n\r\n");
        out.extend_from_slice(head.as_bytes());
    }
    // ANCHOR_END: write_head
}

/// A whole response with a small HTML body explaining an error: head and
/// body (the body only for GET; a HEAD gets the same head and no body).
pub fn error_page(status: Status, why: &str, keep_alive: bool, with_body: bool) -> Vec<u8> {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n\
         <body><h1>{code} {reason}</h1>\n<p>{why}</p></body></html>\n",
        code = status.code(),
        reason = status.reason(),
        why = crate::html::escape(why),
    );
    let mut response = Response::new(status)
        .content_type("text/html; charset=utf-8")
        .content_length(body.len() as u64)
        .keep_alive(keep_alive);
    match status {
        Status::MethodNotAllowed => response = response.header("Allow", ALLOWED_METHODS),
        // Come back in a second: connections will have closed by then.
        Status::ServiceUnavailable => response = response.header("Retry-After", "1"),
        _ => {}
    }
    let mut bytes = Vec::new();
    response.write_head(&mut bytes);
    if with_body {
        bytes.extend_from_slice(body.as_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(response: &Response) -> String {
        let mut out = Vec::new();
        response.write_head(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn status_line_and_fields() {
        let text = head(
            &Response::new(Status::Ok)
                .content_type("text/plain")
                .content_length(5),
        );
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nServer: oxv6-httpd\r\nContent-Type: text/plain\r\n\
             Content-Length: 5\r\nConnection: keep-alive\r\n\r\n"
        );
        let closing = head(&Response::new(Status::NotFound).keep_alive(false));
        assert!(closing.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(closing.ends_with("Content-Length: 0\r\nConnection: close\r\n\r\n"));
        assert!(!closing.contains("Date:"));
    }

    #[test]
    fn header_values_cannot_split_the_response() {
        let text = head(&Response::new(Status::Ok).header("X-Name", "a\r\nSet-Cookie: x=1"));
        assert!(text.contains("X-Name: aSet-Cookie: x=1\r\n"));
        assert_eq!(text.matches("\r\n").count(), 6);
    }
}
