//! Every status code the server sends, as bytes on the wire: each response
//! is read back with `httparse`'s response parser, as a client would, and
//! its framing (Content-Length against the body) checked.

use http::response::{ALLOWED_METHODS, error_page};
use http::{ByteRange, Response, Status, range};

/// A parsed response: code, header fields (names lowercased), body.
struct Parsed {
    code: u16,
    fields: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Parsed {
    fn field(&self, name: &str) -> Option<&str> {
        let mut found = self.fields.iter().filter(|(n, _)| n == name);
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "{name} twice");
        first
    }
}

fn read_back(bytes: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(length) = response.parse(bytes).expect("well-formed") else {
        panic!("incomplete response head");
    };
    let fields: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8(h.value.to_vec()).unwrap(),
            )
        })
        .collect();
    Parsed {
        code: response.code.unwrap(),
        fields,
        body: bytes[length..].to_vec(),
    }
}

fn file_head(range_header: &str, size: u64) -> Parsed {
    let mut bytes = Vec::new();
    Response::for_file(range::parse(range_header, size), size, "text/plain").write_head(&mut bytes);
    read_back(&bytes)
}

#[test]
fn ok_200_has_length_type_and_accept_ranges() {
    let parsed = file_head("", 1234);
    assert_eq!(parsed.code, 200);
    assert_eq!(parsed.field("content-length"), Some("1234"));
    assert_eq!(parsed.field("content-type"), Some("text/plain"));
    assert_eq!(parsed.field("accept-ranges"), Some("bytes"));
    assert_eq!(parsed.field("content-range"), None);
    assert_eq!(parsed.field("date"), None, "no clock, so no Date");
}

#[test]
fn partial_206_says_which_bytes() {
    let parsed = file_head("bytes=100-199", 1000);
    assert_eq!(parsed.code, 206);
    assert_eq!(parsed.field("content-length"), Some("100"));
    assert_eq!(parsed.field("content-range"), Some("bytes 100-199/1000"));
    let suffix = file_head("bytes=-10", 1000);
    assert_eq!(suffix.field("content-range"), Some("bytes 990-999/1000"));
}

#[test]
fn unsatisfiable_416_gives_the_size() {
    let parsed = file_head("bytes=5000-", 1000);
    assert_eq!(parsed.code, 416);
    assert_eq!(parsed.field("content-length"), Some("0"));
    assert_eq!(parsed.field("content-range"), Some("bytes */1000"));
}

/// An error page as GET would get it: framing must be exact.
fn error(status: Status, keep_alive: bool) -> Parsed {
    let parsed = read_back(&error_page(status, "because <reasons>", keep_alive, true));
    assert_eq!(parsed.code, status.code());
    let length: usize = parsed.field("content-length").unwrap().parse().unwrap();
    assert_eq!(length, parsed.body.len(), "Content-Length matches the body");
    let body = String::from_utf8(parsed.body.clone()).unwrap();
    assert!(body.contains(&status.code().to_string()));
    assert!(
        body.contains("because &lt;reasons&gt;"),
        "the reason is escaped"
    );
    parsed
}

#[test]
fn client_errors_400_403_404() {
    for status in [Status::BadRequest, Status::Forbidden, Status::NotFound] {
        let parsed = error(status, true);
        assert_eq!(parsed.field("connection"), Some("keep-alive"));
        assert_eq!(
            parsed.field("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
}

#[test]
fn method_not_allowed_405_lists_get_and_head() {
    let parsed = error(Status::MethodNotAllowed, true);
    assert_eq!(parsed.field("allow"), Some(ALLOWED_METHODS));
    assert_eq!(ALLOWED_METHODS, "GET, HEAD");
}

#[test]
fn closing_errors_408_413_431_501_505_say_close() {
    for status in [
        Status::RequestTimeout,
        Status::ContentTooLarge,
        Status::HeaderFieldsTooLarge,
        Status::NotImplemented,
        Status::VersionNotSupported,
    ] {
        assert_eq!(
            error(status, false).field("connection"),
            Some("close"),
            "{status:?}"
        );
    }
}

#[test]
fn server_errors_500_and_503_with_retry_after() {
    assert_eq!(
        error(Status::InternalServerError, false).field("retry-after"),
        None
    );
    let busy = error(Status::ServiceUnavailable, false);
    assert_eq!(busy.field("retry-after"), Some("1"));
    assert_eq!(busy.field("connection"), Some("close"));
}

#[test]
fn head_gets_the_same_head_and_no_body() {
    let get = error_page(Status::NotFound, "no such file", true, true);
    let head = error_page(Status::NotFound, "no such file", true, false);
    assert!(get.starts_with(&head));
    let parsed = read_back(&head);
    assert!(parsed.body.is_empty());
    assert_ne!(
        parsed.field("content-length"),
        Some("0"),
        "HEAD reports GET's length"
    );
}

#[test]
fn full_range_is_200() {
    assert_eq!(ByteRange::Full.length(77), 77);
    assert_eq!(file_head("bytes=0-", 77).code, 206);
    assert_eq!(file_head("bytes=0-1,3-4", 77).code, 200);
}
