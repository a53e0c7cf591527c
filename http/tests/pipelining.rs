//! The reader over a byte stream: several requests in one buffer, one
//! request over many reads, bodies skipped in between, and whether the
//! connection stays open afterwards.

use http::{Next, RequestReader, Version};

/// Everything the reader hands out for `stream`, fed in pieces of `piece`
/// bytes, as a server reading a socket would see it.
fn targets(stream: &[u8], piece: usize) -> Vec<String> {
    let mut reader = RequestReader::new();
    let mut seen = Vec::new();
    for chunk in stream.chunks(piece) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let taken = reader.feed(rest);
            rest = &rest[taken..];
            loop {
                match reader.next_request() {
                    Next::Request(request) => seen.push(request.target),
                    Next::NeedMore => break,
                    Next::Reject(rejection) => panic!("{rejection:?}"),
                }
            }
        }
    }
    assert_eq!(reader.pending(), 0, "bytes left over");
    seen
}

const THREE: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n\
GET /c HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn three_pipelined_requests_in_one_buffer() {
    assert_eq!(targets(THREE, THREE.len()), ["/a", "/b", "/c"]);
}

#[test]
fn same_requests_whatever_the_read_sizes() {
    for piece in [1, 2, 3, 7, 16, 29, 30, 64] {
        assert_eq!(
            targets(THREE, piece),
            ["/a", "/b", "/c"],
            "pieces of {piece}"
        );
    }
}

#[test]
fn bodies_are_skipped_even_across_reads() {
    let stream = b"GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
GET /b HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nGET /fake/ x\
GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
    for piece in [1, 5, 40, stream.len()] {
        assert_eq!(
            targets(stream, piece),
            ["/a", "/b", "/c"],
            "pieces of {piece}"
        );
    }
}

#[test]
fn empty_lines_before_a_request_are_ignored() {
    let stream = b"\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n\nGET /b HTTP/1.0\n\n";
    for piece in [1, 3, stream.len()] {
        assert_eq!(targets(stream, piece), ["/a", "/b"], "pieces of {piece}");
    }
}

#[test]
fn a_stream_longer_than_the_buffer() {
    let mut stream = Vec::new();
    for i in 0..200 {
        let request = format!("GET /{i} HTTP/1.1\r\nHost: oxv6\r\nAccept: */*\r\n\r\n");
        stream.extend_from_slice(request.as_bytes());
    }
    let expected: Vec<String> = (0..200).map(|i| format!("/{i}")).collect();
    // Over 8 KiB in total: the buffer must make room as requests go.
    assert!(stream.len() > http::request::MAX_HEAD);
    assert_eq!(targets(&stream, 1000), expected);
}

#[test]
fn a_bad_request_after_good_ones_stops_the_stream() {
    let mut reader = RequestReader::new();
    reader
        .feed(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/9.9\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
    assert!(matches!(reader.next_request(), Next::Request(r) if r.target == "/a"));
    assert!(matches!(reader.next_request(), Next::Reject(_)));
}

fn keep_alive(head: &str) -> bool {
    let mut reader = RequestReader::new();
    reader.feed(head.as_bytes());
    match reader.next_request() {
        Next::Request(request) => request.keep_alive,
        other => panic!("{other:?}"),
    }
}

#[test]
fn keep_alive_rules_of_rfc_9112() {
    assert!(keep_alive("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert!(!keep_alive(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ));
    assert!(!keep_alive(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: CLOSE\r\n\r\n"
    ));
    assert!(!keep_alive(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade, close\r\n\r\n"
    ));
    assert!(!keep_alive(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: te\r\nConnection: close\r\n\r\n"
    ));
    assert!(!keep_alive("GET / HTTP/1.0\r\n\r\n"));
    assert!(keep_alive(
        "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
    ));
    assert!(!keep_alive(
        "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"
    ));
    // "keep-alive" inside another option's name is not the option.
    assert!(!keep_alive(
        "GET / HTTP/1.0\r\nConnection: no-keep-alive\r\n\r\n"
    ));
}

#[test]
fn versions_are_told_apart() {
    let mut reader = RequestReader::new();
    reader.feed(b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let versions: Vec<Version> = std::iter::from_fn(|| match reader.next_request() {
        Next::Request(request) => Some(request.version),
        _ => None,
    })
    .collect();
    assert_eq!(versions, [Version::Http10, Version::Http11]);
}
