//! `read` and `write` on the console. Until the file chapter gives every
//! process a table of open files, descriptors 0, 1 and 2 all mean the
//! console, and any other number is `EBADF`.

use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::proc::with_my_space;
use libsys::Errno;

const CHUNK: usize = 512;

pub fn write(frame: &mut TrapFrame) -> SysResult {
    let (fd, buffer, length) = (frame.arg(0), frame.arg(1), frame.arg(2) as usize);
    if fd != 1 && fd != 2 {
        return Err(Errno::EBADF);
    }
    // Copy in and print one chunk at a time, so a long write needs no big
    // kernel buffer and an early bad page stops it there.
    let mut chunk = [0u8; CHUNK];
    let mut done = 0;
    while done < length {
        let n = (length - done).min(CHUNK);
        with_my_space(|space| space.copy_in(&mut chunk[..n], buffer + done as u64))?;
        crate::console::write_bytes(&chunk[..n]);
        done += n;
    }
    Ok(done as u64)
}

pub fn read(frame: &mut TrapFrame) -> SysResult {
    let (fd, buffer, length) = (frame.arg(0), frame.arg(1), frame.arg(2) as usize);
    if fd != 0 {
        return Err(Errno::EBADF);
    }
    // Check the destination before waiting for a line that would be lost.
    with_my_space(|space| space.check_range(buffer, length.min(CHUNK) as u64, true))?;
    let mut line = [0u8; CHUNK];
    let n = crate::console::read_line(&mut line[..length.min(CHUNK)])?;
    with_my_space(|space| space.copy_out(buffer, &line[..n]))?;
    Ok(n as u64)
}
