//! The kernel console: formatted output to the serial port, and input.
//!
//! Output: `print!`/`println!` (and the log macros in `log.rs`) format into
//! the UART under one lock, so lines from different CPUs do not interleave.
//! The panic path bypasses the lock (`panic_print`), because the panicking
//! code may be the one holding it.
//!
//! Input: the UART raises an interrupt per received byte, and the handler
//! runs it through a small line discipline (echo, backspace, Ctrl-U to
//! erase the line, Ctrl-D for end of file), as xv6's `console.c` does.
//! `read` from the console sleeps until a whole line has been typed.

use crate::dev::uart;
use crate::sync::SpinLock;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU32, Ordering};

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

// ANCHOR: input
/// Typed characters waiting to be read, xv6-style: a ring buffer with three
/// indexes that only grow. `[read, write)` are complete lines a reader may
/// take; `[write, edit)` is the line being typed, which backspace can still
/// change.
struct Input {
    buffer: [u8; INPUT_SIZE],
    read: usize,
    write: usize,
    edit: usize,
}

const INPUT_SIZE: usize = 512;
const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
const CTRL_P: u8 = 0x10;
const CTRL_U: u8 = 0x15;
const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;

/// The process group Ctrl-C kills (0: none). The shell sets it to the job
/// it waits for.
static FOREGROUND: AtomicU32 = AtomicU32::new(0);

pub fn set_foreground(pgid: u32) {
    FOREGROUND.store(pgid, Ordering::Relaxed);
}

static INPUT: SpinLock<Input> = SpinLock::new(
    "console_input",
    Input {
        buffer: [0; INPUT_SIZE],
        read: 0,
        write: 0,
        edit: 0,
    },
);

/// Called from the trap handler on the UART's IRQ: take every received
/// byte through the line discipline.
pub fn on_interrupt() {
    while let Some(byte) = uart::get_byte() {
        receive(byte);
    }
}

/// The line discipline: editing keys act on the line being typed; Enter
/// (or Ctrl-D, or a full buffer) hands the line to readers.
fn receive(byte: u8) {
    let mut input = INPUT.lock();
    match byte {
        CTRL_C => {
            // Throw away the line being typed and kill the foreground job.
            input.edit = input.write;
            for b in *b"^C\n" {
                echo(b);
            }
            drop(input);
            crate::proc::lifecycle::kill_group(FOREGROUND.load(Ordering::Relaxed));
        }
        CTRL_P => {
            // xv6's procdump: what every process is doing, for a hang.
            drop(input);
            crate::proc::dump();
        }
        CTRL_U => {
            while input.edit != input.write && input.buffer[(input.edit - 1) % INPUT_SIZE] != b'\n'
            {
                input.edit -= 1;
                echo(BACKSPACE);
            }
        }
        BACKSPACE | DELETE if input.edit != input.write => {
            input.edit -= 1;
            echo(BACKSPACE);
        }
        BACKSPACE | DELETE => {} // nothing to erase
        _ if input.edit - input.read < INPUT_SIZE => {
            let byte = if byte == b'\r' { b'\n' } else { byte };
            let at = input.edit % INPUT_SIZE;
            input.buffer[at] = byte;
            input.edit += 1;
            if byte != CTRL_D {
                echo(byte);
            }
            if byte == b'\n' || byte == CTRL_D || input.edit == input.read + INPUT_SIZE {
                input.write = input.edit;
                crate::proc::scheduler::wakeup(crate::proc::Channel::of(&INPUT));
                crate::fs::poll::notify();
            }
        }
        _ => {} // buffer full: drop the byte
    }
}

fn echo(byte: u8) {
    let _guard = OUTPUT.lock();
    match byte {
        b'\n' => {
            uart::put_byte(b'\r');
            uart::put_byte(b'\n');
        }
        BACKSPACE => {
            for b in [BACKSPACE, b' ', BACKSPACE] {
                uart::put_byte(b);
            }
        }
        _ => uart::put_byte(byte),
    }
}

/// Reads up to one line (at most `buffer.len()` bytes) into `buffer`,
/// sleeping until a line is there. Returns 0 at end of file (Ctrl-D at the
/// start of a line). Fails with `EINTR` if the process is killed.
pub fn read_line(buffer: &mut [u8], nonblocking: bool) -> Result<usize, libsys::Errno> {
    let mut input = INPUT.lock();
    let mut count = 0;
    while count < buffer.len() {
        while input.read == input.write {
            if nonblocking || count > 0 {
                return if count > 0 {
                    Ok(count)
                } else {
                    Err(libsys::Errno::EAGAIN)
                };
            }
            if crate::proc::lifecycle::killed() {
                return Err(libsys::Errno::EINTR);
            }
            input = crate::proc::scheduler::sleep(crate::proc::Channel::of(&INPUT), input);
        }
        let byte = input.buffer[input.read % INPUT_SIZE];
        input.read += 1;
        if byte == CTRL_D {
            if count > 0 {
                input.read -= 1; // keep it: the next read returns 0
            }
            break;
        }
        buffer[count] = byte;
        count += 1;
        if byte == b'\n' {
            break;
        }
    }
    Ok(count)
}
// ANCHOR_END: input

/// Is a complete line waiting to be read?
pub fn line_ready() -> bool {
    let input = INPUT.lock();
    input.read != input.write
}

/// Writes bytes from a user program (newlines become CR LF).
pub fn write_bytes(bytes: &[u8]) {
    let _guard = OUTPUT.lock();
    for &byte in bytes {
        if byte == b'\n' {
            uart::put_byte(b'\r');
        }
        uart::put_byte(byte);
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
