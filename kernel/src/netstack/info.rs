//! `netinfo`: a snapshot of the interface for `ifconfig`.

use super::{now, with_stack};
use ::net::iface::ArpState;
use alloc::boxed::Box;
use libsys::Errno;
use libsys::abi::{
    ARP_PENDING, ARP_RESOLVED, ArpEntryInfo, NET_MAX_ARP, NET_MAX_COUNTERS, NET_NO_IRQ, NetCounter,
    NetInfo,
};

/// Fills a `NetInfo` under the `NET` lock. Boxed: it is a few KiB, and
/// kernel stacks are small.
pub fn snapshot() -> Result<Box<NetInfo>, Errno> {
    let mut info = Box::new(NetInfo::default());
    with_stack(|stack| {
        let config = *stack.iface.config();
        info.addr = config.addr.to_bits();
        info.netmask = config.netmask().to_bits();
        info.gateway = config.gateway.map_or(0, |g| g.to_bits());
        info.prefix_len = config.prefix_len;
        info.mac = config.mac.0;
        info.link_up = stack.card.link_up() as u8;
        info.irq = stack.card.irq().unwrap_or(NET_NO_IRQ);
        info.polls = stack.polls;

        let iface_counters = stack.iface.counters().fields();
        info.iface_counter_count = fill(&mut info.iface_counters, &iface_counters);
        let driver_counters = stack.card.counter_fields();
        info.driver_counter_count = fill(&mut info.driver_counters, &driver_counters);

        let now = now();
        let entries = stack.iface.arp_cache_entries().take(NET_MAX_ARP);
        for (slot, (ip, state)) in info.arp.iter_mut().zip(entries) {
            *slot = match state {
                ArpState::Resolved { mac, learned_at } => ArpEntryInfo {
                    ip: ip.to_bits(),
                    mac: mac.0,
                    state: ARP_RESOLVED,
                    age_ms: now.since(learned_at).millis(),
                    ..ArpEntryInfo::default()
                },
                ArpState::Pending { tries, .. } => ArpEntryInfo {
                    ip: ip.to_bits(),
                    state: ARP_PENDING,
                    tries,
                    ..ArpEntryInfo::default()
                },
            };
            info.arp_count += 1;
        }
    })?;
    Ok(info)
}

/// Copies named counters into `out`; returns how many there are. A list
/// longer than `NetInfo` has room for does not compile: raise
/// `NET_MAX_COUNTERS` in libsys rather than lose counters silently.
fn fill<const N: usize>(
    out: &mut [NetCounter; NET_MAX_COUNTERS],
    counters: &[(&str, u64); N],
) -> u32 {
    const {
        assert!(
            N <= NET_MAX_COUNTERS,
            "more counters than NetInfo has room for"
        )
    };
    let mut count = 0;
    for (slot, &(name, value)) in out.iter_mut().zip(counters) {
        *slot = NetCounter::new(name, value);
        count += 1;
    }
    count
}
