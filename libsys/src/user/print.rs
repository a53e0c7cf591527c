//! `print!`, `println!`, `eprint!`, `eprintln!`: formatted output to
//! standard output (fd 1) and standard error (fd 2).
//!
//! Output is gathered in a small buffer and written with as few `write`
//! calls as possible, so a `println!` is usually one system call.

use core::fmt::{self, Write};

struct Buffered {
    fd: usize,
    buffer: [u8; 256],
    used: usize,
}

impl Buffered {
    fn flush(&mut self) {
        let mut done = 0;
        while done < self.used {
            match super::sys::write(self.fd, &self.buffer[done..self.used]) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        self.used = 0;
    }
}

impl Write for Buffered {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &byte in s.as_bytes() {
            if self.used == self.buffer.len() {
                self.flush();
            }
            self.buffer[self.used] = byte;
            self.used += 1;
        }
        Ok(())
    }
}

fn print_to(fd: usize, args: fmt::Arguments) {
    let mut out = Buffered {
        fd,
        buffer: [0; 256],
        used: 0,
    };
    let _ = out.write_fmt(args);
    out.flush();
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    print_to(1, args);
}

#[doc(hidden)]
pub fn _eprint(args: fmt::Arguments) {
    print_to(2, args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::_print(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::_print(format_args!("{}\n", format_args!($($arg)*))));
}

#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => ($crate::_eprint(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! eprintln {
    () => ($crate::eprint!("\n"));
    ($($arg:tt)*) => ($crate::_eprint(format_args!("{}\n", format_args!($($arg)*))));
}
