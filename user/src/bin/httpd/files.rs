//! Static files from /www: looking them up, and sending them in pieces.
//!
//! A file is not read whole into memory: a 1 MiB download would need
//! 1 MiB of heap per client. Its first chunk of `CHUNK` bytes is read
//! and goes out with the response's head, in one write (all of a small
//! page); the rest goes with `sendfile`, a chunk at a time as the socket
//! takes them, from the file to the socket without passing through here.
//!
//! Nor do we keep the file open while it is sent. A process has only
//! `MAX_FDS` descriptors (256), and every one held by a download is one
//! client fewer we can serve. So each later chunk opens the file, sends
//! from it and closes it again: two more system calls per 64 KiB (the most
//! one `write` hands the kernel), against a whole descriptor per client for
//! the length of the download. The first chunk is read through the
//! descriptor `serve` opened to look at the file: a small file costs
//! `open`, `fstat`, `read` and `close`, four calls per request. (The files
//! under /www come from the initrd and cannot change while we read them.)
//!
//! Each file gets an entity tag, a hash of its bytes, computed the first
//! time it is served and remembered (again: the files cannot change). A
//! browser that sends the tag back in `If-None-Match` gets `304 Not
//! Modified` and no body.

use crate::router::Reply;
use crate::site::Site;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use http::{ByteRange, Request, Response, Status};
use libsys::abi::{FileKind, O_RDONLY, SEEK_SET, Stat};
use libsys::{Errno, SysResult};

/// Where the files are: `/style.css` is `/www/style.css`.
pub const ROOT: &str = "/www";
/// How much of a file is read at a time.
const CHUNK: usize = 64 * 1024;

/// The part of a file still to be sent.
pub struct FileBody {
    path: String,
    offset: u64,
    remaining: u64,
}

impl FileBody {
    // ANCHOR: first_chunk
    /// Appends the next chunk, read from `file`, just opened: the first,
    /// which goes out with the head.
    fn chunk_from(&mut self, file: &OpenFile, out: &mut Vec<u8>) -> SysResult<()> {
        let want = (self.remaining as usize).min(CHUNK);
        read_at(file, self.offset, want, out)?;
        self.offset += want as u64;
        self.remaining -= want as u64;
        Ok(())
    }
    // ANCHOR_END: first_chunk

    /// Is all of the file sent?
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }

    // ANCHOR: send_to
    /// Sends the next piece, at most `budget` bytes, on `socket` with
    /// `sendfile`: the kernel moves the bytes from the file into the
    /// socket, and they never pass through this program (no `read` into
    /// our buffer, no `sendto` out of it). Returns how many went, or
    /// `EAGAIN` if the socket has no room. The caller checks `is_done`
    /// first, and gives a `budget` above 0.
    pub fn send_to(&mut self, socket: usize, budget: usize) -> SysResult<usize> {
        let want = (self.remaining as usize).min(CHUNK).min(budget);
        let file = OpenFile::open(&self.path)?;
        match libsys::sendfile(socket, file.0, self.offset, want)? {
            // Shorter than when we measured it: we cannot send what we
            // promised in Content-Length.
            0 => Err(Errno::EIO),
            sent => {
                self.offset += sent as u64;
                self.remaining -= sent as u64;
                Ok(sent)
            }
        }
    }
    // ANCHOR_END: send_to
}

/// A file open for reading, closed when dropped (on every path out).
struct OpenFile(usize);

impl OpenFile {
    fn open(path: &str) -> SysResult<OpenFile> {
        libsys::open(path, O_RDONLY).map(OpenFile)
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        let _ = libsys::close(self.0);
    }
}

/// Appends exactly `length` bytes of `file` (just opened, so at offset 0)
/// from `offset`.
fn read_at(file: &OpenFile, offset: u64, length: usize, out: &mut Vec<u8>) -> SysResult<()> {
    let fd = file.0;
    if offset > 0 {
        libsys::lseek(fd, offset as i64, SEEK_SET)?;
    }
    let start = out.len();
    out.resize(start + length, 0);
    let mut filled = start;
    while filled < out.len() {
        match libsys::read(fd, &mut out[filled..]) {
            // Shorter than when we measured it: we cannot send what we
            // promised in Content-Length.
            Ok(0) => {
                out.truncate(start);
                return Err(Errno::EIO);
            }
            Ok(count) => filled += count,
            Err(e) => {
                out.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Opens `path` and says what it is. The descriptor serves for the first
/// chunk too: for a small file, one `open` per request, not two.
fn open_and_stat(path: &str) -> SysResult<(OpenFile, Stat)> {
    let file = OpenFile::open(path)?;
    let stat = libsys::fstat(file.0)?;
    Ok((file, stat))
}

/// The reply to a GET or HEAD of the file at `path` (already made safe
/// by `http::path::resolve`).
pub fn serve(path: &str, request: &Request, site: &mut Site) -> Reply {
    let mut full = format!("{ROOT}{path}");
    if full.ends_with('/') {
        full.push_str("index.html");
    }
    let opened = match open_and_stat(&full) {
        Ok((_, stat)) if stat.kind == FileKind::Directory as u8 => {
            // `/docs` for a directory: serve its index, as for `/docs/`.
            full.push_str("/index.html");
            open_and_stat(&full).map_err(|error| error_reply(error, request))
        }
        Ok(opened) => Ok(opened),
        Err(error) => Err(error_reply(error, request)),
    };
    let (file, stat) = match opened {
        Ok((file, stat)) if stat.kind == FileKind::Regular as u8 => (file, stat),
        Ok(_) => return Reply::error(Status::NotFound, "not a file", request),
        Err(reply) => return reply,
    };
    let etag = match etag_of(&full, site) {
        Ok(etag) => etag,
        Err(error) => return error_reply(error, request),
    };
    let content_type = http::mime::content_type(&full);
    if request
        .if_none_match
        .as_deref()
        .is_some_and(|tags| http::etag::matches(tags, &etag))
    {
        // RFC 9110 §15.4.5: no body; Content-Length, if sent, is what a 200
        // would have carried.
        let mut bytes = Vec::new();
        Response::new(Status::NotModified)
            .content_type(content_type)
            .content_length(stat.size)
            .header("ETag", &etag)
            .keep_alive(request.keep_alive)
            .write_head(&mut bytes);
        return Reply::new(bytes, None, !request.keep_alive);
    }
    let range = match &request.range {
        Some(header) => http::range::parse(header, stat.size),
        None => ByteRange::Full,
    };
    let response = Response::for_file(range, stat.size, content_type)
        .header("ETag", &etag)
        .keep_alive(request.keep_alive);
    let mut bytes = Vec::new();
    response.write_head(&mut bytes);
    if !request.wants_body() || range == ByteRange::Unsatisfiable {
        return Reply::new(bytes, None, !request.keep_alive);
    }
    let mut body = FileBody {
        path: full,
        offset: range.offset(),
        remaining: range.length(stat.size),
    };
    // The first chunk goes out with the head: for a small file, that is
    // the whole response in one write.
    if body.remaining > 0 && body.chunk_from(&file, &mut bytes).is_err() {
        return Reply::error(Status::InternalServerError, "cannot read the file", request);
    }
    Reply::new(bytes, Some(body), !request.keep_alive)
}

// ANCHOR: etag
/// The entity tag of the file at `path`: a hash of its bytes, computed
/// once per file (reading it in chunks) and then taken from `site.etags`.
fn etag_of(path: &str, site: &mut Site) -> SysResult<String> {
    if let Some(etag) = site.etags.get(path) {
        return Ok(etag.clone());
    }
    let fd = libsys::open(path, O_RDONLY)?;
    let mut hash = http::etag::FNV_OFFSET;
    let mut chunk = [0u8; 4096];
    let result = loop {
        match libsys::read(fd, &mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => hash = http::etag::fnv1a(hash, &chunk[..n]),
            Err(e) => break Err(e),
        }
    };
    let _ = libsys::close(fd);
    result?;
    let etag = http::etag::from_hash(hash);
    site.etags.insert(String::from(path), etag.clone());
    Ok(etag)
}
// ANCHOR_END: etag

fn error_reply(error: Errno, request: &Request) -> Reply {
    match error {
        Errno::ENOENT | Errno::ENOTDIR | Errno::ENAMETOOLONG => {
            Reply::error(Status::NotFound, "no such file", request)
        }
        Errno::EACCES | Errno::EPERM => Reply::error(Status::Forbidden, "not allowed", request),
        _ => Reply::error(Status::InternalServerError, error.description(), request),
    }
}
