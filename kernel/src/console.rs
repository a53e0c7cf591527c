//! The kernel console: formatted output to the serial port, and input.
//!
//! Output: `print!`/`println!` (and the log macros in `log.rs`) format into
//! the UART under one lock, so lines from different CPUs do not interleave.
//! The panic path bypasses the lock (`panic_print`), because the panicking
//! code may be the one holding it.
//!
//! Input: the UART raises an interrupt per received byte; the handler echoes
//! it (turning the Enter key's `\r` into a new line) and counts it.

use crate::dev::uart;
use crate::sync::SpinLock;
use core::fmt::{self, Write};

/// The lock that serializes console output.
static OUTPUT: SpinLock<()> = SpinLock::new("console", ());

struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' {
                uart::put_byte(b'\r');
            }
            uart::put_byte(byte);
        }
        Ok(())
    }
}

pub fn init() {
    uart::init();
}

#[doc(hidden)]
pub fn print(args: fmt::Arguments) {
    let _guard = OUTPUT.lock();
    let _ = Uart.write_fmt(args);
}

/// Writes without taking the console lock: for the panic handler only.
pub fn panic_print(args: fmt::Arguments) {
    let _ = Uart.write_fmt(args);
}

/// Called from the trap handler on the UART's IRQ: drain and echo input.
pub fn on_interrupt() {
    while let Some(byte) = uart::get_byte() {
        let _guard = OUTPUT.lock();
        match byte {
            b'\r' | b'\n' => {
                uart::put_byte(b'\r');
                uart::put_byte(b'\n');
            }
            // Backspace and DEL: rub out the character on the terminal.
            0x08 | 0x7f => {
                for b in [0x08, b' ', 0x08] {
                    uart::put_byte(b);
                }
            }
            _ => uart::put_byte(byte),
        }
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::console::print(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::console::print(format_args!("{}\n", format_args!($($arg)*))));
}
