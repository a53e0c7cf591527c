//! Feeds arbitrary bytes to the request reader, as a client's stream: whole,
//! and split into reads of 1, 7 and 512 bytes, which must all give the same
//! verdicts; each request's resource must resolve to a safe path.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/properties/mod.rs"]
mod properties;

fuzz_target!(|bytes: &[u8]| properties::check_request_bytes(bytes));
