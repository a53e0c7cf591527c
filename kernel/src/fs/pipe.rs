//! Pipes: a bounded buffer between a writer and a reader, in the kernel.
//!
//! `pipe()` creates one `Pipe` and two open files: a read end and a write
//! end. Bytes written at one end come out at the other, in order. The
//! buffer is bounded, so a fast writer cannot eat all memory: when it is
//! full the writer sleeps until the reader makes room, and when it is
//! empty the reader sleeps until the writer adds some (classic producer
//! and consumer, with `sleep`/`wakeup`).
//!
//! How it ends: when every write end is closed, a reader that finds the
//! buffer empty gets 0 (end of file). When every read end is closed, a
//! writer gets `EPIPE`: nobody will ever read what it writes.

use crate::proc::Channel;
use crate::proc::scheduler::{sleep, wakeup};
use crate::sync::SpinLock;
use alloc::boxed::Box;
use libsys::Errno;

/// Bytes a pipe holds before writers must wait.
pub const PIPE_SIZE: usize = 16 * 1024;

// ANCHOR: pipe
pub struct Pipe {
    inner: SpinLock<PipeState>,
}

struct PipeState {
    buffer: Box<[u8]>,
    /// Total bytes ever read and written: `written - read` are waiting, at
    /// `read % PIPE_SIZE`. Counting instead of wrapping makes "full" and
    /// "empty" easy to tell apart.
    read: usize,
    written: usize,
    /// Open read and write ends.
    readers: usize,
    writers: usize,
}
// ANCHOR_END: pipe

impl Pipe {
    /// A pipe with one read end and one write end open, or `ENOMEM` when
    /// its buffer would eat into the kernel heap's reserve.
    pub fn new() -> Result<Pipe, Errno> {
        if !crate::mem::heap::has_room_for(PIPE_SIZE) {
            return Err(Errno::ENOMEM);
        }
        let mut buffer = alloc::vec::Vec::new();
        buffer
            .try_reserve_exact(PIPE_SIZE)
            .map_err(|_| Errno::ENOMEM)?;
        buffer.resize(PIPE_SIZE, 0);
        let state = PipeState {
            buffer: buffer.into_boxed_slice(),
            read: 0,
            written: 0,
            readers: 1,
            writers: 1,
        };
        Ok(Pipe {
            inner: SpinLock::new("pipe", state),
        })
    }

    /// Readers sleep here, waiting for bytes.
    fn readable(&self) -> Channel {
        Channel::of(&self.inner)
    }

    /// Writers sleep here, waiting for room.
    fn writable(&self) -> Channel {
        Channel::of(self)
    }

    /// Bytes waiting to be read.
    pub fn available(&self) -> usize {
        let state = self.inner.lock();
        state.written - state.read
    }

    /// (bytes waiting, room left, open ends on the other side: writers as
    /// seen from the read end, readers as seen from the write end).
    pub fn status(&self, from_write_end: bool) -> (usize, usize, usize) {
        let state = self.inner.lock();
        let waiting = state.written - state.read;
        let peers = if from_write_end {
            state.readers
        } else {
            state.writers
        };
        (waiting, PIPE_SIZE - waiting, peers)
    }

    // ANCHOR: read
    /// Reads up to `buffer.len()` bytes; sleeps while the pipe is empty and
    /// a writer remains. Returns 0 at end of file.
    pub fn read(&self, buffer: &mut [u8], nonblocking: bool) -> Result<usize, Errno> {
        let mut state = self.inner.lock();
        while state.read == state.written && state.writers > 0 {
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            if crate::proc::lifecycle::killed() {
                return Err(Errno::EINTR);
            }
            state = sleep(self.readable(), state);
        }
        // Copy in at most two runs: up to the end of the ring, then from its start.
        let mut count = 0;
        while count < buffer.len() && state.read < state.written {
            let at = state.read % PIPE_SIZE;
            let run = (state.written - state.read)
                .min(PIPE_SIZE - at)
                .min(buffer.len() - count);
            buffer[count..count + run].copy_from_slice(&state.buffer[at..at + run]);
            state.read += run;
            count += run;
        }
        drop(state);
        wakeup(self.writable());
        super::poll::notify();
        Ok(count)
    }
    // ANCHOR_END: read

    // ANCHOR: write
    /// Writes all of `data`, sleeping whenever the pipe is full. Returns
    /// `EPIPE` if no reader is left (with nothing written), or the count
    /// written so far if the last reader leaves midway.
    pub fn write(&self, data: &[u8], nonblocking: bool) -> Result<usize, Errno> {
        let mut written = 0;
        let mut state = self.inner.lock();
        while written < data.len() {
            if state.readers == 0 {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(Errno::EPIPE)
                };
            }
            if state.written - state.read == PIPE_SIZE {
                // Full: let the reader drain it.
                if nonblocking {
                    return if written > 0 {
                        Ok(written)
                    } else {
                        Err(Errno::EAGAIN)
                    };
                }
                if crate::proc::lifecycle::killed() {
                    return Err(Errno::EINTR);
                }
                wakeup(self.readable());
                state = sleep(self.writable(), state);
                continue;
            }
            let at = state.written % PIPE_SIZE;
            let room = PIPE_SIZE - (state.written - state.read);
            let run = room.min(PIPE_SIZE - at).min(data.len() - written);
            state.buffer[at..at + run].copy_from_slice(&data[written..written + run]);
            state.written += run;
            written += run;
        }
        drop(state);
        wakeup(self.readable());
        super::poll::notify();
        Ok(written)
    }
    // ANCHOR_END: write

    /// One end was closed: count it, and wake everyone so that sleepers
    /// notice (a reader may now see end of file, a writer `EPIPE`).
    pub fn close_end(&self, write_end: bool) {
        let mut state = self.inner.lock();
        if write_end {
            state.writers -= 1;
        } else {
            state.readers -= 1;
        }
        drop(state);
        wakeup(self.readable());
        wakeup(self.writable());
        super::poll::notify();
    }
}
