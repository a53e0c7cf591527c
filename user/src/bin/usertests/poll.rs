//! poll and fcntl: waiting on several descriptors; non-blocking mode.

use crate::{TestResult, check, syscall};
use libsys::Errno;
use libsys::abi::{
    F_GETFL, F_SETFL, O_NONBLOCK, O_RDONLY, POLLHUP, POLLIN, POLLNVAL, POLLOUT, PollFd,
};
use libsys::syscalls::nr;

fn err(e: Errno) -> alloc::string::String {
    alloc::format!("{e}")
}

fn watch(fd: usize, events: i16) -> PollFd {
    PollFd {
        fd: fd as i32,
        events,
        revents: 0,
    }
}

pub fn ready_and_not_ready() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    let mut fds = [watch(r, POLLIN), watch(w, POLLOUT)];
    check!(
        libsys::poll(&mut fds, 0) == Ok(1),
        "only the write end should be ready"
    );
    check!(fds[0].revents == 0 && fds[1].revents == POLLOUT);
    libsys::write(w, b"x").map_err(err)?;
    check!(libsys::poll(&mut fds, 0) == Ok(2));
    check!(fds[0].revents == POLLIN);
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    Ok(())
}

pub fn timeout_elapses() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    let mut fds = [watch(r, POLLIN)];
    let start = libsys::time_ns();
    check!(libsys::poll(&mut fds, 50) == Ok(0));
    let elapsed_ms = (libsys::time_ns() - start) / 1_000_000;
    check!(elapsed_ms >= 50, "poll returned after {elapsed_ms} ms");
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    Ok(())
}

/// A short timeout ends at its deadline, not at the next 10 ms tick (see
/// `scheduling::short_sleeps_keep_their_deadline`).
pub fn short_timeouts_keep_their_deadline() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    let mut fds = [watch(r, POLLIN)];
    let median = crate::scheduling::median_ns_of_9(|| {
        check!(libsys::poll(&mut fds, 2) == Ok(0));
        Ok(())
    })?;
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    check!(median >= 2_000_000, "poll(2 ms) returned after {median} ns");
    check!(
        median < 6_000_000,
        "poll(2 ms) took {median} ns (median of 9)"
    );
    Ok(())
}

/// poll sleeps until another process makes a descriptor ready.
pub fn woken_by_another_process() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    if libsys::fork().map_err(err)? == 0 {
        libsys::sleep_ms(80).ok();
        libsys::write(w, b"go").ok();
        libsys::exit(0);
    }
    let start = libsys::uptime_ms();
    let mut fds = [watch(0, 0), watch(r, POLLIN)]; // fd 0 asked for nothing
    check!(libsys::poll(&mut fds, -1) == Ok(1));
    check!(fds[1].revents == POLLIN && fds[0].revents == 0);
    check!(libsys::uptime_ms() - start >= 70, "poll did not wait");
    libsys::wait().map_err(err)?;
    // The writer has exited: end of file is reported as POLLHUP with POLLIN.
    let mut buffer = [0u8; 4];
    libsys::read(r, &mut buffer).map_err(err)?;
    libsys::close(w).map_err(err)?;
    check!(libsys::poll(&mut fds[1..], 0) == Ok(1));
    check!(
        fds[1].revents & POLLHUP != 0,
        "no hang-up after the last writer closed"
    );
    libsys::close(r).map_err(err)?;
    Ok(())
}

pub fn invalid_descriptors() -> TestResult {
    let mut fds = [
        watch(77, POLLIN),
        PollFd {
            fd: -1,
            events: POLLIN,
            revents: 0,
        },
    ];
    check!(libsys::poll(&mut fds, 0) == Ok(2));
    check!(fds[0].revents == POLLNVAL && fds[1].revents == POLLNVAL);
    // SAFETY: a bad pointer is the point of this call.
    let ret = syscall(nr::poll, &[0xffff_8000_0000_0000, 1, 0]);
    check!(ret == Errno::EFAULT.as_return());
    Ok(())
}

pub fn nonblocking_reads_and_writes() -> TestResult {
    let (r, w) = libsys::pipe().map_err(err)?;
    check!(libsys::fcntl(r, F_GETFL, 0) == Ok(O_RDONLY as usize));
    libsys::fcntl(r, F_SETFL, O_NONBLOCK).map_err(err)?;
    check!(libsys::fcntl(r, F_GETFL, 0) == Ok((O_RDONLY | O_NONBLOCK) as usize));
    let mut buffer = [0u8; 8];
    check!(libsys::read(r, &mut buffer) == Err(Errno::EAGAIN));
    // A non-blocking writer fills the pipe and then gets EAGAIN.
    libsys::fcntl(w, F_SETFL, O_NONBLOCK).map_err(err)?;
    let chunk = [7u8; 4096];
    let mut total = 0;
    let error = loop {
        match libsys::write(w, &chunk) {
            Ok(n) => total += n,
            Err(e) => break e,
        }
        if total > 1 << 20 {
            break Errno::EINVAL;
        }
    };
    check!(error == Errno::EAGAIN, "full pipe gave {error}");
    check!(total == 16 * 1024, "pipe took {total} bytes");
    check!(libsys::fcntl(99, F_GETFL, 0) == Err(Errno::EBADF));
    check!(libsys::fcntl(r, 12345, 0) == Err(Errno::EINVAL));
    libsys::close(r).map_err(err)?;
    libsys::close(w).map_err(err)?;
    Ok(())
}
