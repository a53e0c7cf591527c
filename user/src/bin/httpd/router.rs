//! From a request to a reply: which page or file, or which error.
//!
//! ```text
//! /                  -> /www/index.html
//! /proc, /mem, ...   -> a live page, as HTML      (pages/)
//! /api/proc, ...     -> the same page, as JSON    (pages/)
//! anything else      -> a file under /www         (files.rs)
//! ```

use crate::files::{self, FileBody};
use crate::pages::{self, Format};
use crate::site::Site;
use alloc::vec::Vec;
use http::{Request, Response, Status};

/// A response ready to send: its first bytes (head, and all or part of
/// the body), maybe a file to send after them, and whether to close after.
pub struct Reply {
    pub bytes: Vec<u8>,
    pub file: Option<FileBody>,
    pub close: bool,
}

impl Reply {
    pub fn new(bytes: Vec<u8>, file: Option<FileBody>, close: bool) -> Reply {
        Reply { bytes, file, close }
    }

    /// A reply after which the connection closes.
    pub fn closing(bytes: Vec<u8>) -> Reply {
        Reply::new(bytes, None, true)
    }

    /// An error page for a request that was well-formed (so the
    /// connection may stay open, if the client wants).
    pub fn error(status: Status, why: &str, request: &Request) -> Reply {
        let bytes =
            http::response::error_page(status, why, request.keep_alive, request.wants_body());
        Reply::new(bytes, None, !request.keep_alive)
    }

    /// A page built in memory.
    pub fn page(body: &[u8], content_type: &'static str, request: &Request) -> Reply {
        let mut bytes = Vec::new();
        Response::new(Status::Ok)
            .content_type(content_type)
            .content_length(body.len() as u64)
            .keep_alive(request.keep_alive)
            // Live figures: a cached copy would be a wrong copy.
            .header("Cache-Control", "no-store")
            .write_head(&mut bytes);
        if request.wants_body() {
            bytes.extend_from_slice(body);
        }
        Reply::new(bytes, None, !request.keep_alive)
    }
}

pub fn respond(request: &Request, site: &mut Site) -> Reply {
    let path = match request.resource() {
        Ok(path) => path,
        Err(status) => return Reply::error(status, why(status), request),
    };
    let (name, format) = match path.strip_prefix("/api/") {
        Some(name) => (name, Format::Json),
        None => (&path[1..], Format::Html),
    };
    if let Some(page) = pages::find(name) {
        let body = (page.render)(site, format);
        return Reply::page(body.as_bytes(), format.content_type(), request);
    }
    if format == Format::Json {
        return Reply::error(Status::NotFound, "no such API page", request);
    }
    files::serve(&path, request, site)
}

fn why(status: Status) -> &'static str {
    match status {
        Status::MethodNotAllowed => "this server only answers GET and HEAD",
        Status::Forbidden => "that path leads outside the web root",
        _ => "malformed request target",
    }
}
