//! System calls about the network: `ping` and `netinfo`. The work is in
//! `crate::netstack`; here the arguments are checked and the results copied out.

use super::SysResult;
use crate::mem::user::UserPtr;
use crate::proc::with_my_space;
use core::net::Ipv4Addr;
use libsys::abi::NetInfo;

/// The longest a `ping` may wait for its reply.
const MAX_PING_TIMEOUT_MS: u64 = 60_000;

/// `ping(dst_ip, seq, timeout_ms)`: the round-trip time in microseconds.
pub fn ping(dst: u32, seq: u16, timeout_ms: u64) -> SysResult {
    crate::netstack::ping::ping(
        Ipv4Addr::from_bits(dst),
        seq,
        timeout_ms.min(MAX_PING_TIMEOUT_MS),
    )
}

/// `netinfo(info_out)`: fills a `NetInfo`.
pub fn netinfo(info_out: UserPtr<NetInfo>) -> SysResult {
    // Copied out after the snapshot has let go of the NET lock.
    let info = crate::netstack::info::snapshot()?;
    with_my_space(|space| space.write(info_out, &*info))?;
    Ok(0)
}
