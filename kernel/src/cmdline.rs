//! The kernel command line: space-separated `key=value` words.
//!
//! - `loglevel=error|warn|info|debug`
//! - `test` or `test=FILTER`: run the in-kernel tests (those whose name
//!   contains FILTER), print the results, exit QEMU.
//! - `fault=KIND`: deliberately crash in a known way (see `ktest::faults`),
//!   so the test harness can check the crash report.

use crate::log::{self, Level};

pub enum Mode {
    Normal,
    Test(&'static str),
    Fault(&'static str),
}

pub struct Args {
    pub mode: Mode,
    pub log_level: Level,
}

pub fn parse(line: &'static str) -> Args {
    let mut args = Args {
        mode: Mode::Normal,
        log_level: Level::Info,
    };
    for word in line.split_ascii_whitespace() {
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        match key {
            "loglevel" => args.log_level = log::parse_level(value).unwrap_or(Level::Info),
            "test" => args.mode = Mode::Test(value),
            "fault" => args.mode = Mode::Fault(value),
            _ => {}
        }
    }
    args
}
