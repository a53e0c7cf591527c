//! `ping`: one ICMP echo request, and the wait for its reply.
//!
//! The interface keeps the echo replies it receives in one small queue;
//! each caller picks out its own by the ICMP identifier, which is the
//! caller's pid, so two `ping` programs never take each other's replies.

use super::{kick, now, wait_for, with_stack};
use ::net::NetError;
use core::net::Ipv4Addr;
use libsys::Errno;

/// Bytes of data after the 8-byte ICMP header: 64 bytes of ICMP in all,
/// like the classic Unix `ping`.
pub const PAYLOAD_LEN: usize = 56;

/// The errno a user sees for each way sending can fail.
pub fn errno_of(error: NetError) -> Errno {
    match error {
        NetError::NoRoute => Errno::ENETUNREACH,
        NetError::BadAddress | NetError::MessageTooLong | NetError::BadHandle => Errno::EINVAL,
        NetError::AddrInUse => Errno::EADDRINUSE,
        NetError::QueueFull | NetError::NoFreePort | NetError::TooManySockets => Errno::EAGAIN,
    }
}

// ANCHOR: ping
/// Sends echo request `seq` to `dst` and waits up to `timeout_ms` for its
/// reply. Returns the round-trip time in microseconds, measured with the
/// TSC from before the request was queued until this process sees the
/// reply: it includes the network thread's work and one wakeup, as a
/// user-space `ping` on any system does.
pub fn ping(dst: Ipv4Addr, seq: u16, timeout_ms: u64) -> Result<u64, Errno> {
    let ident = crate::proc::PROCS.lock().procs[crate::proc::me()].pid as u16;
    let payload: [u8; PAYLOAD_LEN] = core::array::from_fn(|i| i as u8);
    let start = crate::time::nanoseconds();
    with_stack(|stack| {
        // Replies to our earlier requests that came too late: not this one.
        while stack.iface.ping_recv(ident).is_some() {}
        stack.iface.ping_send(dst, ident, seq, &payload, now())
    })?
    .map_err(errno_of)?;
    kick(); // the request waits in the interface's queue: send it now

    let deadline = start.saturating_add(timeout_ms.saturating_mul(1_000_000));
    wait_for(deadline, |stack| {
        while let Some(reply) = stack.iface.ping_recv(ident) {
            if reply.seq_no == seq && reply.src == dst {
                return Some(reply);
            }
        }
        None
    })?;
    Ok((crate::time::nanoseconds() - start) / 1000)
}
// ANCHOR_END: ping
