//! Feeds arbitrary request-targets to `path::resolve`: whatever it accepts
//! must be absolute, normalized, and unable to climb above the root.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/properties/mod.rs"]
mod properties;

fuzz_target!(|bytes: &[u8]| properties::check_target(&String::from_utf8_lossy(bytes)));
