//! Every class of bad input, fed through the reader as a server would:
//! truncated, oversized, bad method, bad version, header injection,
//! bad framing. Each must get the right status, never a panic.

use http::request::{MAX_BODY, MAX_HEAD, MAX_HEADERS};
use http::{Method, Next, RequestReader, Status};

/// What a server makes of `bytes`, the whole of what a client sent.
fn verdict(bytes: &[u8]) -> Result<http::Request, Status> {
    let mut reader = RequestReader::new();
    reader.feed(bytes);
    match reader.next_request() {
        Next::Request(request) => Ok(request),
        Next::Reject(rejection) => Err(rejection.status),
        Next::NeedMore => panic!("no verdict for {:?}", String::from_utf8_lossy(bytes)),
    }
}

fn status_of(bytes: &[u8]) -> Status {
    match verdict(bytes) {
        Ok(request) => request.resource().map(|_| Status::Ok).unwrap_or_else(|s| s),
        Err(status) => status,
    }
}

#[test]
fn truncated_head_waits_then_is_400_at_end_of_input() {
    let mut reader = RequestReader::new();
    reader.feed(b"GET /index.html HTTP/1.1\r\nHost: oxv6\r\n");
    assert_eq!(reader.next_request(), Next::NeedMore);
    match reader.next_at_end() {
        Next::Reject(rejection) => assert_eq!(rejection.status, Status::BadRequest),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_request_line_waits() {
    let mut reader = RequestReader::new();
    reader.feed(b"GET /ind");
    assert_eq!(reader.next_request(), Next::NeedMore);
    assert_eq!(reader.pending(), 8);
}

#[test]
fn nothing_sent_is_not_an_error() {
    let mut reader = RequestReader::new();
    assert_eq!(reader.next_at_end(), Next::NeedMore);
}

#[test]
fn head_of_exactly_8_kib_is_accepted() {
    let mut head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ".to_vec();
    let padding = MAX_HEAD - head.len() - 4;
    head.extend(std::iter::repeat_n(b'a', padding));
    head.extend_from_slice(b"\r\n\r\n");
    assert_eq!(head.len(), MAX_HEAD);
    assert!(verdict(&head).is_ok());
}

#[test]
fn head_over_8_kib_is_431() {
    let mut head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', MAX_HEAD));
    assert_eq!(status_of(&head), Status::HeaderFieldsTooLarge);
}

#[test]
fn long_request_line_is_431() {
    let mut head = b"GET /".to_vec();
    head.extend(std::iter::repeat_n(b'a', MAX_HEAD));
    assert_eq!(status_of(&head), Status::HeaderFieldsTooLarge);
}

fn with_headers(count: usize) -> Vec<u8> {
    let mut head = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 1..count {
        head.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    head
}

#[test]
fn header_count_limit_is_32() {
    assert!(verdict(&with_headers(MAX_HEADERS)).is_ok());
    assert_eq!(
        status_of(&with_headers(MAX_HEADERS + 1)),
        Status::HeaderFieldsTooLarge
    );
}

#[test]
fn garbage_filling_the_buffer_is_400_not_431() {
    let garbage = vec![0x01u8; MAX_HEAD];
    assert_eq!(status_of(&garbage), Status::BadRequest);
}

#[test]
fn body_over_the_limit_is_413() {
    let head = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY + 1
    );
    assert_eq!(status_of(head.as_bytes()), Status::ContentTooLarge);
    let huge = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    assert_eq!(status_of(huge), Status::ContentTooLarge);
}

#[test]
fn other_methods_are_405_and_lowercase_is_another_method() {
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "BREW", "get"] {
        let head = format!("{method} / HTTP/1.1\r\nHost: x\r\n\r\n");
        let request = verdict(head.as_bytes()).unwrap();
        assert_eq!(request.method, Method::Other, "{method}");
        assert_eq!(
            request.resource(),
            Err(Status::MethodNotAllowed),
            "{method}"
        );
    }
}

#[test]
fn method_that_is_not_a_token_is_400() {
    assert_eq!(
        status_of(b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::BadRequest
    );
    assert_eq!(
        status_of(b" GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::BadRequest
    );
}

#[test]
fn other_versions_are_505_and_non_versions_400() {
    for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"] {
        let head = format!("GET / {version}\r\nHost: x\r\n\r\n");
        assert_eq!(
            status_of(head.as_bytes()),
            Status::VersionNotSupported,
            "{version}"
        );
    }
    for version in ["HTTX/1.1", "HTTP/1", "http/1.1", "HTTP/1.1x"] {
        let head = format!("GET / {version}\r\nHost: x\r\n\r\n");
        assert_eq!(status_of(head.as_bytes()), Status::BadRequest, "{version}");
    }
    // HTTP/0.9's request line had no version at all.
    assert_eq!(status_of(b"GET /\r\n\r\n"), Status::BadRequest);
}

#[test]
fn header_injection_is_400() {
    let cases: [&[u8]; 6] = [
        // A bare CR inside a value, hoping something downstream splits on it.
        b"GET / HTTP/1.1\r\nHost: x\rX-Evil: 1\r\n\r\n",
        // Obsolete line folding: RFC 9112 §5.2 lets a server reject it.
        b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        // Space between the name and the colon (RFC 9112 §5.1: MUST 400).
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        // NUL and other controls in a value.
        b"GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n",
        // A header name that is not a token.
        b"GET / HTTP/1.1\r\nHo\"st: x\r\n\r\n",
        // A line without a colon.
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
    ];
    for case in cases {
        assert_eq!(
            status_of(case),
            Status::BadRequest,
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn bare_lf_line_endings_are_accepted() {
    let request = verdict(b"GET /a HTTP/1.1\nHost: x\n\n").unwrap();
    assert_eq!(request.target, "/a");
}

#[test]
fn host_rules_for_http_1_1() {
    assert_eq!(status_of(b"GET / HTTP/1.1\r\n\r\n"), Status::BadRequest);
    assert_eq!(
        status_of(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        Status::BadRequest
    );
    // HTTP/1.0 predates Host.
    assert_eq!(status_of(b"GET / HTTP/1.0\r\n\r\n"), Status::Ok);
}

#[test]
fn framing_conflicts() {
    let both =
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(status_of(both), Status::BadRequest);
    let chunked = b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(status_of(chunked), Status::NotImplemented);
    let old = b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(status_of(old), Status::BadRequest);
    let differing = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
    assert_eq!(status_of(differing), Status::BadRequest);
    let same = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc";
    assert_eq!(status_of(same), Status::Ok);
    for bad in ["-1", "+3", "3a", "", "0x10", "1 2"] {
        let head = format!("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: {bad}\r\n\r\n");
        assert_eq!(status_of(head.as_bytes()), Status::BadRequest, "{bad:?}");
    }
}

#[test]
fn bad_targets() {
    assert_eq!(
        status_of(b"GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::BadRequest
    );
    assert_eq!(
        status_of(b"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::BadRequest
    );
    assert_eq!(
        status_of(b"GET /../etc/motd HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::Forbidden
    );
    assert_eq!(
        status_of(b"GET /%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::Forbidden
    );
    assert_eq!(
        status_of(b"GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::BadRequest
    );
    // Not UTF-8 in the raw target.
    assert_eq!(
        status_of(b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n"),
        Status::BadRequest
    );
}

#[test]
fn every_prefix_of_a_good_request_needs_more() {
    let whole = b"GET /index.html HTTP/1.1\r\nHost: oxv6\r\nRange: bytes=0-9\r\n\r\n";
    for cut in 0..whole.len() {
        let mut reader = RequestReader::new();
        reader.feed(&whole[..cut]);
        assert_eq!(reader.next_request(), Next::NeedMore, "cut at {cut}");
    }
}
