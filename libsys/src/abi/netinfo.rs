//! What `netinfo` reports: the network interface's and the driver's
//! counters, the ARP cache, and the card (`ifconfig`, `arp`). Part of
//! [`crate::abi`], re-exported there.

use super::padded_str;
use crate::plain;

/// Room for a counter's name in [`NetCounter`], NUL-padded.
pub const NET_COUNTER_NAME_LEN: usize = 24;
/// Counters each list of [`NetInfo`] can carry.
pub const NET_MAX_COUNTERS: usize = 64;
/// ARP cache entries [`NetInfo`] can carry.
pub const NET_MAX_ARP: usize = 32;
/// `ArpEntryInfo::state`.
pub const ARP_RESOLVED: u8 = 1;
pub const ARP_PENDING: u8 = 2;
/// `NetInfo::irq` when the card is polled, without interrupts.
pub const NET_NO_IRQ: u8 = 0xFF;

plain! {
    /// One named counter. The kernel names its counters itself, so a counter
    /// added to the stack or the driver shows up in `ifconfig` without a
    /// change to this ABI.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct NetCounter {
        pub name: [u8; NET_COUNTER_NAME_LEN],
        pub value: u64,
    }
}

impl NetCounter {
    pub fn new(name: &str, value: u64) -> NetCounter {
        let mut counter = NetCounter {
            name: [0; NET_COUNTER_NAME_LEN],
            value,
        };
        let len = name.len().min(NET_COUNTER_NAME_LEN);
        counter.name[..len].copy_from_slice(&name.as_bytes()[..len]);
        counter
    }

    pub fn name(&self) -> &str {
        padded_str(&self.name)
    }
}

plain! {
    /// One ARP cache entry. Addresses are `u32`s in host order
    /// (`Ipv4Addr::from_bits`).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct ArpEntryInfo {
        pub ip: u32,
        /// Zero while pending.
        pub mac: [u8; 6],
        /// `ARP_RESOLVED` or `ARP_PENDING`.
        pub state: u8,
        /// Requests sent so far, while pending.
        pub tries: u8,
        pub _pad: u32,
        /// Milliseconds since the address was learned (resolved entries).
        pub age_ms: u64,
    }
}

plain! {
    /// What `netinfo` reports about the network interface.
    #[derive(Clone, Copy, Debug)]
    pub struct NetInfo {
        /// Our address, netmask and gateway (0: none), in host order.
        pub addr: u32,
        pub netmask: u32,
        pub gateway: u32,
        pub prefix_len: u8,
        /// 1 if the card reports a link.
        pub link_up: u8,
        /// The card's interrupt line, or `NET_NO_IRQ` if it is polled.
        pub irq: u8,
        pub _pad: u8,
        pub mac: [u8; 6],
        pub _pad2: [u8; 2],
        /// How many entries of each array below are filled.
        pub iface_counter_count: u32,
        pub driver_counter_count: u32,
        pub arp_count: u32,
        pub _pad3: u32,
        /// Times the kernel's network thread polled the interface.
        pub polls: u64,
        /// The interface's counters (`net::iface::Counters`).
        pub iface_counters: [NetCounter; NET_MAX_COUNTERS],
        /// The driver's and the card's counters.
        pub driver_counters: [NetCounter; NET_MAX_COUNTERS],
        pub arp: [ArpEntryInfo; NET_MAX_ARP],
    }
}

impl Default for NetInfo {
    fn default() -> NetInfo {
        NetInfo {
            addr: 0,
            netmask: 0,
            gateway: 0,
            prefix_len: 0,
            link_up: 0,
            irq: NET_NO_IRQ,
            _pad: 0,
            mac: [0; 6],
            _pad2: [0; 2],
            iface_counter_count: 0,
            driver_counter_count: 0,
            arp_count: 0,
            _pad3: 0,
            polls: 0,
            iface_counters: [NetCounter::default(); NET_MAX_COUNTERS],
            driver_counters: [NetCounter::default(); NET_MAX_COUNTERS],
            arp: [ArpEntryInfo::default(); NET_MAX_ARP],
        }
    }
}

impl NetInfo {
    pub fn iface_counters(&self) -> &[NetCounter] {
        &self.iface_counters[..(self.iface_counter_count as usize).min(NET_MAX_COUNTERS)]
    }

    pub fn driver_counters(&self) -> &[NetCounter] {
        &self.driver_counters[..(self.driver_counter_count as usize).min(NET_MAX_COUNTERS)]
    }

    pub fn arp_entries(&self) -> &[ArpEntryInfo] {
        &self.arp[..(self.arp_count as usize).min(NET_MAX_ARP)]
    }

    /// The value of the interface or driver counter called `name`.
    pub fn counter(&self, name: &str) -> Option<u64> {
        self.iface_counters()
            .iter()
            .chain(self.driver_counters())
            .find(|c| c.name() == name)
            .map(|c| c.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_counter_names_round_trip_and_truncate() {
        assert_eq!(NetCounter::new("rx_frames", 7).name(), "rx_frames");
        let long = NetCounter::new("a_counter_name_longer_than_the_room", 1);
        assert_eq!(long.name().len(), NET_COUNTER_NAME_LEN);
    }

    #[test]
    fn netinfo_lookups_respect_the_counts() {
        let mut info = NetInfo::default();
        info.iface_counters[0] = NetCounter::new("rx_frames", 3);
        info.driver_counters[0] = NetCounter::new("interrupts", 9);
        info.iface_counters[1] = NetCounter::new("hidden", 1);
        info.iface_counter_count = 1;
        info.driver_counter_count = 1;
        assert_eq!(info.counter("rx_frames"), Some(3));
        assert_eq!(info.counter("interrupts"), Some(9));
        assert_eq!(info.counter("hidden"), None);
        // A count larger than the array (a kernel bug) is clamped.
        info.arp_count = 1000;
        assert_eq!(info.arp_entries().len(), NET_MAX_ARP);
    }
}
