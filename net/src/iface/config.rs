//! The interface's addresses, and the routing decision that follows from
//! them.
//!
//! A host on one Ethernet needs no routing table: a destination is either on
//! the link (same network prefix: send to it directly) or not (send to the
//! default gateway, which forwards). That is RFC 1122 §3.3.1.1, the "simple"
//! model with a single default route.

use core::net::Ipv4Addr;

use crate::wire::ethernet::EthernetAddress;

/// How the interface is set up. Plain data: the kernel builds it from its
/// boot configuration (or DHCP, one day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Usually `Device::mac()` of the card the interface drives.
    pub mac: EthernetAddress,
    /// Our IPv4 address.
    pub addr: Ipv4Addr,
    /// Length of the network prefix: 24 means netmask 255.255.255.0. Values
    /// over 32 are treated as 32.
    pub prefix_len: u8,
    /// Where to send packets for other networks; `None` means we can only
    /// reach hosts on our own link.
    pub gateway: Option<Ipv4Addr>,
}

/// Where a packet to some destination goes on the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// To every station: the Ethernet broadcast address, no ARP needed.
    Broadcast,
    /// To this on-link IPv4 address, whose MAC ARP must find.
    NextHop(Ipv4Addr),
}

impl Config {
    /// The netmask as an address, e.g. 255.255.255.0 for a /24.
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(self.mask())
    }

    fn mask(&self) -> u32 {
        let len = u32::from(self.prefix_len.min(32));
        // A shift by 32 would overflow; a /0 has an all-zero mask.
        u32::MAX.checked_shl(32 - len).unwrap_or(0)
    }

    /// Is `ip` in our network, i.e. reachable without a router?
    pub fn is_on_link(&self, ip: Ipv4Addr) -> bool {
        (ip.to_bits() ^ self.addr.to_bits()) & self.mask() == 0
    }

    /// The limited broadcast 255.255.255.255, or the directed broadcast of
    /// our network (host part all ones, RFC 922). A /31 or /32 has no
    /// directed broadcast (RFC 3021).
    pub fn is_broadcast(&self, ip: Ipv4Addr) -> bool {
        if ip.is_broadcast() {
            return true;
        }
        self.prefix_len < 31 && self.is_on_link(ip) && ip.to_bits() | self.mask() == u32::MAX
    }

    // ANCHOR: route
    /// Chooses where a packet for `dst` goes next, or `None` if we cannot
    /// reach it: off-link with no gateway. Callers reject unspecified,
    /// multicast and our own address before asking.
    pub fn route(&self, dst: Ipv4Addr) -> Option<Route> {
        if self.is_broadcast(dst) {
            Some(Route::Broadcast)
        } else if self.is_on_link(dst) {
            Some(Route::NextHop(dst))
        } else {
            self.gateway.map(Route::NextHop)
        }
    }
    // ANCHOR_END: route
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(prefix_len: u8, gateway: Option<Ipv4Addr>) -> Config {
        Config {
            mac: EthernetAddress([2, 0, 0, 0, 0, 1]),
            addr: Ipv4Addr::new(10, 0, 2, 15),
            prefix_len,
            gateway,
        }
    }

    #[test]
    fn netmask_from_prefix_len() {
        assert_eq!(config(24, None).netmask(), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(config(0, None).netmask(), Ipv4Addr::new(0, 0, 0, 0));
        assert_eq!(
            config(32, None).netmask(),
            Ipv4Addr::new(255, 255, 255, 255)
        );
        assert_eq!(
            config(200, None).netmask(),
            Ipv4Addr::new(255, 255, 255, 255)
        );
    }

    #[test]
    fn on_link_destination_is_its_own_next_hop() {
        let dst = Ipv4Addr::new(10, 0, 2, 2);
        assert_eq!(config(24, None).route(dst), Some(Route::NextHop(dst)));
    }

    #[test]
    fn off_link_destination_goes_via_gateway() {
        let gw = Ipv4Addr::new(10, 0, 2, 2);
        let route = config(24, Some(gw)).route(Ipv4Addr::new(8, 8, 8, 8));
        assert_eq!(route, Some(Route::NextHop(gw)));
    }

    #[test]
    fn off_link_without_gateway_has_no_route() {
        assert_eq!(config(24, None).route(Ipv4Addr::new(8, 8, 8, 8)), None);
    }

    #[test]
    fn broadcasts_are_recognised() {
        let c = config(24, None);
        assert!(c.is_broadcast(Ipv4Addr::new(255, 255, 255, 255)));
        assert!(c.is_broadcast(Ipv4Addr::new(10, 0, 2, 255)));
        assert!(!c.is_broadcast(Ipv4Addr::new(10, 0, 3, 255)));
        assert!(!config(31, None).is_broadcast(Ipv4Addr::new(10, 0, 2, 15)));
        assert_eq!(
            c.route(Ipv4Addr::new(10, 0, 2, 255)),
            Some(Route::Broadcast)
        );
    }
}
