//! The kernel command line: space-separated words, then `--` and the
//! arguments for init.
//!
//! - `loglevel=error|warn|info|debug`
//! - `test` or `test=FILTER`: run the in-kernel tests (those whose full
//!   name, `ktest/NAME`, contains FILTER), print the results, exit QEMU.
//! - `fault=KIND`: deliberately crash in a known way (see `ktest::faults`),
//!   so the test harness can check the crash report.
//! - `init=PATH`: the first program (default `/bin/init`).
//! - `ip=ADDRESS/PREFIX` and `gw=ADDRESS` (or `gw=none`): the network
//!   interface's address and default gateway (default `ip=10.0.2.15/24
//!   gw=10.0.2.2`, QEMU's user network; see `net/config.rs`).
//! - `-- WORDS...`: everything after `--` is passed to init as arguments;
//!   `-- usertests` makes init run `/bin/usertests` and power off.

use crate::log::{self, Level};

pub enum Mode {
    Normal,
    Test(&'static str),
    Fault(&'static str),
}

pub struct Args {
    pub mode: Mode,
    pub log_level: Level,
    pub init: &'static str,
    /// The words after `--`, space-separated.
    pub init_args: &'static str,
    /// `ip=` and `gw=`, as written (parsed by `net::config`).
    pub ip: Option<&'static str>,
    pub gateway: Option<&'static str>,
}

pub fn parse(line: &'static str) -> Args {
    let (kernel_part, init_args) = match line.split_once("--") {
        Some((kernel, rest)) => (kernel, rest.trim()),
        None => (line, ""),
    };
    let mut args = Args {
        mode: Mode::Normal,
        log_level: Level::Info,
        init: "/bin/init",
        init_args,
        ip: None,
        gateway: None,
    };
    for word in kernel_part.split_ascii_whitespace() {
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        match key {
            "loglevel" => args.log_level = log::parse_level(value).unwrap_or(Level::Info),
            "test" => args.mode = Mode::Test(value),
            "fault" => args.mode = Mode::Fault(value),
            "init" => args.init = value,
            "ip" => args.ip = Some(value),
            "gw" => args.gateway = Some(value),
            _ => {}
        }
    }
    args
}
