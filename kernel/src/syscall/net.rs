//! System calls about the network: `ping` and `netinfo`. The work is in
//! `crate::net`; here the arguments are checked and the results copied out.

use super::SysResult;
use crate::arch::trap::TrapFrame;
use crate::proc::with_my_space;
use core::net::Ipv4Addr;
use libsys::Errno;
use libsys::abi::NetInfo;

/// The longest a `ping` may wait for its reply.
const MAX_PING_TIMEOUT_MS: u64 = 60_000;

/// `ping(dst_ip, seq, timeout_ms)`: the round-trip time in microseconds.
pub fn ping(frame: &mut TrapFrame) -> SysResult {
    let (dst, seq, timeout_ms) = (frame.arg(0), frame.arg(1), frame.arg(2));
    let dst = u32::try_from(dst).map_err(|_| Errno::EINVAL)?;
    let seq = u16::try_from(seq).map_err(|_| Errno::EINVAL)?;
    crate::net::ping::ping(
        Ipv4Addr::from_bits(dst),
        seq,
        timeout_ms.min(MAX_PING_TIMEOUT_MS),
    )
}

/// `netinfo(info_out)`: fills a `NetInfo`.
pub fn netinfo(frame: &mut TrapFrame) -> SysResult {
    let out = frame.arg(0);
    // Copied out after the snapshot has let go of the NET lock.
    let info = crate::net::info::snapshot()?;
    // SAFETY: `NetInfo` is plain `repr(C)` data; viewing it as bytes is fine.
    let bytes = unsafe {
        core::slice::from_raw_parts(&*info as *const NetInfo as *const u8, size_of::<NetInfo>())
    };
    with_my_space(|space| space.copy_out(out, bytes))?;
    Ok(0)
}
