//! Kernel log: `error!`, `warn!`, `info!`, `debug!`, each line stamped with
//! the time since boot, from the TSC (the timer's ticks start too late to
//! stamp the boot). The level is set by `loglevel=` on the command line (default
//! `info`); `debug!` lines cost nothing but a comparison when filtered out.

use core::sync::atomic::{AtomicU8, Ordering};

/// The levels are defined with the command line that sets them.
pub use kcore::cmdline::Level;

static MAX_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

pub fn set_level(level: Level) {
    MAX_LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

#[doc(hidden)]
pub fn log(level: Level, args: core::fmt::Arguments) {
    if enabled(level) {
        let ms = crate::time::nanoseconds() / 1_000_000;
        let tag = match level {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
        };
        crate::println!("[{:>5}.{:03}] {} {}", ms / 1000, ms % 1000, tag, args);
    }
}

#[macro_export]
macro_rules! error { ($($arg:tt)*) => ($crate::log::log($crate::log::Level::Error, format_args!($($arg)*))); }
#[macro_export]
macro_rules! warn { ($($arg:tt)*) => ($crate::log::log($crate::log::Level::Warn, format_args!($($arg)*))); }
#[macro_export]
macro_rules! info { ($($arg:tt)*) => ($crate::log::log($crate::log::Level::Info, format_args!($($arg)*))); }
#[macro_export]
macro_rules! debug { ($($arg:tt)*) => ($crate::log::log($crate::log::Level::Debug, format_args!($($arg)*))); }
