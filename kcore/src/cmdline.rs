//! The kernel command line: space-separated words, then `--` and the
//! arguments for init.
//!
//! - `loglevel=error|warn|info|debug`
//! - `test` or `test=FILTER`: run the in-kernel tests (those whose full
//!   name, `ktest/NAME`, contains FILTER), print the results, exit QEMU.
//! - `fault=KIND`: deliberately crash in a known way (see `ktest::faults`),
//!   so the test harness can check the crash report.
//! - `offload=off`: the e1000 computes no checksums and cuts no segments
//!   (the stack does it all), to measure what offload buys.
//! - `trace`: switch the trace ring on from boot, and print it at power-off
//!   (see the kernel's `trace.rs`; `tools/timeline.py` draws it).
//! - `init=PATH`: the first program (default `/bin/init`).
//! - `ip=ADDRESS/PREFIX` and `gw=ADDRESS` (or `gw=none`): the network
//!   interface's address and default gateway (default `ip=10.0.2.15/24
//!   gw=10.0.2.2`, QEMU's user network; see `net/config.rs`).
//! - `-- WORDS...`: everything after `--` is passed to init as arguments;
//!   `-- usertests` makes init run `/bin/usertests` and power off.

/// How much the kernel logs: each level includes the ones above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// `error`, `warn`, `info` or `debug`.
pub fn parse_level(name: &str) -> Option<Level> {
    match name {
        "error" => Some(Level::Error),
        "warn" => Some(Level::Warn),
        "info" => Some(Level::Info),
        "debug" => Some(Level::Debug),
        _ => None,
    }
}

/// What the kernel does after booting.
#[derive(Debug, PartialEq, Eq)]
pub enum Mode<'a> {
    Normal,
    Test(&'a str),
    Fault(&'a str),
}

/// The command line, parsed. Every string borrows from the line.
#[derive(Debug, PartialEq, Eq)]
pub struct Args<'a> {
    pub mode: Mode<'a>,
    pub log_level: Level,
    pub init: &'a str,
    /// The words after `--`, space-separated.
    pub init_args: &'a str,
    /// `offload=off` clears it: no checksum or segmentation offload.
    pub offload: bool,
    /// `ip=` and `gw=`, as written (parsed by `net::config`).
    pub ip: Option<&'a str>,
    pub gateway: Option<&'a str>,
    /// `trace`: record the trace ring from boot.
    pub trace: bool,
}

/// Parses `line`. Unknown words are ignored and an unknown log level means
/// `info`: a typo on the command line must not stop the boot.
pub fn parse(line: &str) -> Args<'_> {
    let (kernel_part, init_args) = match line.split_once("--") {
        Some((kernel, rest)) => (kernel, rest.trim()),
        None => (line, ""),
    };
    let mut args = Args {
        mode: Mode::Normal,
        log_level: Level::Info,
        init: "/bin/init",
        init_args,
        offload: true,
        ip: None,
        gateway: None,
        trace: false,
    };
    for word in kernel_part.split_ascii_whitespace() {
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        match key {
            "loglevel" => args.log_level = parse_level(value).unwrap_or(Level::Info),
            "test" => args.mode = Mode::Test(value),
            "fault" => args.mode = Mode::Fault(value),
            "init" => args.init = value,
            "offload" => args.offload = value != "off",
            "ip" => args.ip = Some(value),
            "gw" => args.gateway = Some(value),
            "trace" => args.trace = true,
            _ => {}
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_line_is_a_normal_boot() {
        let args = parse("");
        assert_eq!(args.mode, Mode::Normal);
        assert_eq!(args.log_level, Level::Info);
        assert_eq!(args.init, "/bin/init");
        assert_eq!(args.init_args, "");
        assert_eq!((args.ip, args.gateway), (None, None));
        assert!(args.offload);
    }

    #[test]
    fn trace_switches_the_ring_on() {
        assert!(!parse("loglevel=debug").trace);
        assert!(parse("trace loglevel=debug").trace);
        assert!(!parse("-- trace").trace, "a word for init, not the kernel");
    }

    #[test]
    fn test_with_and_without_a_filter() {
        assert_eq!(parse("test").mode, Mode::Test(""));
        assert_eq!(parse("test=ktest/mem::").mode, Mode::Test("ktest/mem::"));
    }

    #[test]
    fn fault_init_and_network_words() {
        let args = parse("fault=divide init=/bin/sh ip=10.0.3.15/24 gw=none");
        assert_eq!(args.mode, Mode::Fault("divide"));
        assert_eq!(args.init, "/bin/sh");
        assert_eq!(args.ip, Some("10.0.3.15/24"));
        assert_eq!(args.gateway, Some("none"));
    }

    #[test]
    fn words_after_the_double_dash_go_to_init() {
        let args = parse("loglevel=debug -- usertests  pipes ");
        assert_eq!(args.log_level, Level::Debug);
        assert_eq!(args.init_args, "usertests  pipes");
        // A kernel word after `--` belongs to init, not to the kernel.
        assert_eq!(parse("-- sh test").mode, Mode::Normal);
    }

    #[test]
    fn unknown_words_and_levels_are_ignored() {
        let args = parse("quiet loglevel=loud splash");
        assert_eq!(args.mode, Mode::Normal);
        assert_eq!(args.log_level, Level::Info);
    }

    #[test]
    fn the_last_word_wins() {
        assert_eq!(parse("test fault=panic").mode, Mode::Fault("panic"));
        assert_eq!(parse("loglevel=error loglevel=warn").log_level, Level::Warn);
    }

    #[test]
    fn offload_off_switches_it_off() {
        assert!(!parse("offload=off").offload);
        assert!(parse("offload=on").offload);
    }
}
