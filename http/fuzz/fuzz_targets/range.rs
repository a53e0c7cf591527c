//! Feeds arbitrary `Range` header values to `range::parse`, for a file size
//! taken from the first 8 bytes of the input: a part must lie in the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/properties/mod.rs"]
mod properties;

fuzz_target!(|bytes: &[u8]| {
    let (size, header) = bytes.split_at(bytes.len().min(8));
    let mut size_bytes = [0u8; 8];
    size_bytes[..size.len()].copy_from_slice(size);
    properties::check_range(
        &String::from_utf8_lossy(header),
        u64::from_le_bytes(size_bytes),
    );
});
