//! wget URL [-O FILE]: fetch a URL over HTTP/1.1 (GET).
//!
//! The body goes to standard output, or to FILE with `-O`; a summary (status
//! and size) goes to standard error. Only `http://` and numeric IPv4 hosts:
//! oxv6 has no DNS. Exits 0 for a 200 answer, 1 otherwise.
//!
//! The response is read until the server closes the connection (we ask it
//! to, with `Connection: close`), so the body is simply everything after
//! the blank line that ends the headers.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::abi::{O_CREATE, O_TRUNC, O_WRONLY, SOCK_STREAM, SocketAddr};
use libsys::io::write_all;
use libsys::{Args, eprintln};

/// `http://1.2.3.4:8080/path` → ([1,2,3,4], 8080, "/path").
fn parse_url(url: &str) -> Option<([u8; 4], u16, &str)> {
    let rest = url.strip_prefix("http://")?;
    let (host_port, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match host_port.split_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (host_port, 80),
    };
    let mut ip = [0u8; 4];
    let mut parts = host.split('.');
    for byte in ip.iter_mut() {
        *byte = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some((ip, port, path))
}

fn fetch(url: &str, out: usize) -> Result<(u32, usize), alloc::string::String> {
    let (ip, port, path) = parse_url(url).ok_or("not an http://A.B.C.D[:PORT]/path URL")?;
    let socket = libsys::socket(SOCK_STREAM, 0).map_err(|e| alloc::format!("socket: {e}"))?;
    libsys::connect(socket, &SocketAddr::new(ip, port))
        .map_err(|e| alloc::format!("connect: {e}"))?;
    let request = alloc::format!(
        "GET {path} HTTP/1.1\r\nHost: {}.{}.{}.{}:{port}\r\nUser-Agent: oxv6-wget\r\nConnection: close\r\n\r\n",
        ip[0],
        ip[1],
        ip[2],
        ip[3]
    );
    write_all(socket, request.as_bytes()).map_err(|e| alloc::format!("send: {e}"))?;

    // Read until the end of the headers, then stream the body out.
    let mut head: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 8192];
    let mut body_bytes = 0;
    let mut status = 0;
    loop {
        let n = libsys::read(socket, &mut buffer).map_err(|e| alloc::format!("receive: {e}"))?;
        if n == 0 {
            break;
        }
        let mut chunk = &buffer[..n];
        if status == 0 {
            head.extend_from_slice(chunk);
            let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                if head.len() > 64 * 1024 {
                    return Err("response headers too long".into());
                }
                continue;
            };
            let status_line = head.split(|&b| b == b'\r').next().unwrap_or(&[]);
            status = core::str::from_utf8(status_line)
                .ok()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|s| s.parse().ok())
                .ok_or("malformed status line")?;
            let body_start = end + 4;
            let first = head[body_start..].to_vec();
            write_all(out, &first).map_err(|e| alloc::format!("write: {e}"))?;
            body_bytes += first.len();
            chunk = &[];
        }
        write_all(out, chunk).map_err(|e| alloc::format!("write: {e}"))?;
        body_bytes += chunk.len();
    }
    let _ = libsys::close(socket);
    Ok((status, body_bytes))
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let Some(url) = args.get(1) else {
        eprintln!("usage: wget URL [-O FILE]");
        return 2;
    };
    let out = match (args.get(2), args.get(3)) {
        (Some("-O"), Some(path)) => match libsys::open(path, O_CREATE | O_WRONLY | O_TRUNC) {
            Ok(fd) => fd,
            Err(e) => {
                eprintln!("wget: {}: {}", path, e);
                return 1;
            }
        },
        _ => 1,
    };
    let start = libsys::uptime_ms();
    match fetch(url, out) {
        Ok((status, bytes)) => {
            eprintln!(
                "wget: {} -> status {}, {} bytes in {} ms",
                url,
                status,
                bytes,
                libsys::uptime_ms() - start
            );
            if status == 200 { 0 } else { 1 }
        }
        Err(message) => {
            eprintln!("wget: {}: {}", url, message);
            1
        }
    }
}
