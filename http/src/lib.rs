//! `http`: the HTTP/1.1 of the web server, apart from any system call.
//!
//! Everything here is a pure function of bytes and numbers, so `cargo test
//! -p http` checks it on the host, and `user/src/bin/httpd` only adds the
//! sockets, the files and the event loop.
//!
//! | file | what it owns |
//! |------|--------------|
//! | `request.rs` | one request head: parsing (with `httparse`), limits, framing, keep-alive |
//! | `reader.rs` | the per-connection buffer: partial input, pipelining, body skipping |
//! | `status.rs` | the status codes we send |
//! | `response.rs` | the response head, error pages |
//! | `path.rs` | request-target to a safe path: decoding, `..`, NUL |
//! | `range.rs` | `Range: bytes=a-b` |
//! | `mime.rs` | `Content-Type` by extension |
//! | `json.rs`, `html.rs` | writing the live pages safely |
#![no_std]

extern crate alloc;

pub mod etag;
pub mod html;
pub mod json;
pub mod mime;
pub mod path;
pub mod range;
pub mod reader;
pub mod request;
pub mod response;
pub mod status;

pub use range::ByteRange;
pub use reader::{Next, RequestReader};
pub use request::{Method, Rejection, Request, Version};
pub use response::Response;
pub use status::Status;
