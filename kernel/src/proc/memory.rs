//! Growing a process's heap (`sbrk`) without stopping the clock.
//!
//! Mapping and zeroing pages is the slowest thing a system call does: a
//! 64 MiB `sbrk` maps and zeroes 16,384 pages. The address space sits
//! behind a spinlock (`SPACES`), and a spinlock keeps interrupts off while
//! it is held, so doing all of that in one critical section would stop the
//! timer: ticks would be lost and every other process's `sleep` would end
//! late. So a large `sbrk` grows the heap one chunk of pages at a time,
//! taking the lock for each chunk; between chunks interrupts are on, the
//! timer ticks, and the scheduler may run someone else.
//!
//! Shrinking is done in chunks too: unmapping and freeing 16,384 frames
//! takes as long. It stays all-or-nothing: the move is checked before the
//! first chunk, and if a chunk cannot be mapped (no memory left), the chunks
//! already mapped are given back and the caller sees the break where it was.

use crate::mem::PAGE_SIZE;
use crate::proc::{lifecycle, with_my_space};
use crate::syscall::SysResult;
use libsys::Errno;

/// Bytes mapped per critical section: 16 pages.
const CHUNK: i64 = 16 * PAGE_SIZE as i64;

// ANCHOR: sbrk
/// Moves the break by `increment` bytes; returns the old break.
pub fn sbrk(increment: i64) -> SysResult {
    if increment.unsigned_abs() <= CHUNK as u64 {
        return with_my_space(|space| space.sbrk(increment));
    }
    // Check the whole move first, so a shrink never stops halfway.
    let old_break = with_my_space(|space| space.check_break_move(increment))?;
    let mut done: i64 = 0;
    while done != increment {
        let step = (increment - done).clamp(-CHUNK, CHUNK);
        let result = if lifecycle::killed() {
            Err(Errno::EINTR) // no point mapping memory for a process that is dying
        } else {
            with_my_space(|space| space.sbrk(step))
        };
        if let Err(e) = result {
            // Only growing can fail; shrinking back only unmaps.
            let _ = with_my_space(|space| space.sbrk(-done));
            return Err(e);
        }
        done += step;
    }
    Ok(old_break)
}
// ANCHOR_END: sbrk
