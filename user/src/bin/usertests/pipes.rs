//! Pipes: data in order, end of file, EPIPE, blocking both ways.

use crate::{TestResult, check};
use libsys::Errno;
use libsys::abi::{FileKind, STATUS_KILLED};

fn err(e: Errno) -> alloc::string::String {
    alloc::format!("{e}")
}

pub fn bytes_in_order() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    check!(libsys::write(w, b"hello ") == Ok(6));
    check!(libsys::write(w, b"pipe") == Ok(4));
    check!(libsys::fstat(r).map_err(err)?.kind == FileKind::Pipe as u8);
    check!(libsys::fstat(r).map_err(err)?.size == 10);
    let mut buffer = [0u8; 32];
    check!(libsys::read(r, &mut buffer) == Ok(10));
    check!(&buffer[..10] == b"hello pipe");
    check!(
        libsys::read(w, &mut buffer) == Err(Errno::EBADF),
        "read from the write end"
    );
    check!(
        libsys::write(r, b"x") == Err(Errno::EBADF),
        "wrote to the read end"
    );
    check!(libsys::lseek(r, 0, 0) == Err(Errno::ESPIPE));
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    Ok(())
}

pub fn end_of_file_when_writers_close() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    libsys::write(w, b"last").map_err(err)?;
    libsys::close(w).map_err(err)?;
    let mut buffer = [0u8; 8];
    check!(libsys::read(r, &mut buffer) == Ok(4));
    check!(libsys::read(r, &mut buffer) == Ok(0), "no end of file");
    libsys::close(r).map_err(err)?;
    Ok(())
}

pub fn epipe_when_readers_close() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    libsys::close(r).map_err(err)?;
    check!(libsys::write(w, b"nobody listens") == Err(Errno::EPIPE));
    libsys::close(w).map_err(err)?;
    Ok(())
}

/// The reader blocks until the writer, sleeping first, writes.
pub fn reader_waits_for_writer() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    let start = libsys::uptime_ms();
    if libsys::fork().map_err(err)? == 0 {
        libsys::close(r).ok();
        libsys::sleep_ms(100).ok();
        libsys::write(w, b"late").ok();
        libsys::exit(0);
    }
    libsys::close(w).map_err(err)?;
    let mut buffer = [0u8; 8];
    check!(libsys::read(r, &mut buffer) == Ok(4));
    check!(
        libsys::uptime_ms() - start >= 100,
        "read returned before anything was written"
    );
    check!(
        libsys::read(r, &mut buffer) == Ok(0),
        "no end of file after the writer exited"
    );
    libsys::close(r).map_err(err)?;
    libsys::wait().map_err(err)?;
    Ok(())
}

fn pattern(i: usize) -> u8 {
    (i * 7 + i / 4093) as u8
}

const TRANSFER: usize = 1 << 20;

/// A child writes 1 MiB in chunks of varying size while a CPU hog runs
/// too; the parent reads it all back intact. The pipe holds only 16 KiB,
/// so both sides block many times, and the timer preempts them.
pub fn one_mebibyte_intact_under_preemption() -> TestResult {
    let hog = libsys::fork().map_err(err)?;
    if hog == 0 {
        libsys::exec("/bin/testhelper", &["testhelper", "spin"]);
        libsys::exit(1);
    }
    let (r, w) = libsys::pipe().map_err(err)?;
    if libsys::fork().map_err(err)? == 0 {
        libsys::close(r).ok();
        let data: alloc::vec::Vec<u8> = (0..TRANSFER).map(pattern).collect();
        let mut sent = 0;
        let mut size = 1;
        while sent < TRANSFER {
            let n = size.min(TRANSFER - sent);
            match libsys::write(w, &data[sent..sent + n]) {
                Ok(written) => sent += written,
                Err(_) => libsys::exit(1),
            }
            size = size * 3 % 20_011 + 1; // 1, 4, 13, 40, ... up to ~20 KB
        }
        libsys::exit(0);
    }
    libsys::close(w).map_err(err)?;
    let mut received = 0;
    let mut buffer = [0u8; 3000];
    let mut corrupt = None;
    loop {
        let n = libsys::read(r, &mut buffer).map_err(err)?;
        if n == 0 {
            break;
        }
        for (i, &b) in buffer[..n].iter().enumerate() {
            if corrupt.is_none() && b != pattern(received + i) {
                corrupt = Some(received + i);
            }
        }
        received += n;
    }
    libsys::close(r).map_err(err)?;
    libsys::kill(hog).ok();
    let mut statuses = [0; 2];
    for status in statuses.iter_mut() {
        *status = libsys::wait().map_err(err)?.1;
    }
    check!(
        received == TRANSFER,
        "received {received} of {TRANSFER} bytes"
    );
    check!(corrupt.is_none(), "byte {} differs", corrupt.unwrap_or(0));
    check!(
        statuses.contains(&0) && statuses.contains(&STATUS_KILLED),
        "statuses {statuses:?}"
    );
    Ok(())
}

/// A process blocked reading an empty pipe can be killed.
pub fn kill_blocked_reader() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    let pid = libsys::fork().map_err(err)?;
    if pid == 0 {
        let mut buffer = [0u8; 1];
        let _ = libsys::read(r, &mut buffer);
        libsys::exit(0);
    }
    libsys::sleep_ms(50).ok();
    libsys::kill(pid).map_err(err)?;
    let (_, status) = libsys::wait().map_err(err)?;
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    check!(status == STATUS_KILLED, "status {status}");
    Ok(())
}
