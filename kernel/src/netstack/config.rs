//! The interface's addresses, from the kernel command line.
//!
//! `ip=10.0.2.15/24 gw=10.0.2.2` is the default: what QEMU's user network
//! (`-netdev user`) expects, with its gateway (and DNS, and DHCP server) at
//! 10.0.2.2. A word that does not parse is reported and replaced by the
//! default, so a typo never leaves the machine without a network.

use core::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addresses {
    pub addr: Ipv4Addr,
    pub prefix_len: u8,
    pub gateway: Option<Ipv4Addr>,
}

pub const DEFAULT: Addresses = Addresses {
    addr: Ipv4Addr::new(10, 0, 2, 15),
    prefix_len: 24,
    gateway: Some(Ipv4Addr::new(10, 0, 2, 2)),
};

/// `ip=` (`ADDRESS/PREFIX`, or just `ADDRESS` for a /24) and `gw=`
/// (`ADDRESS` or `none`), each `None` when absent from the command line.
pub fn parse(ip: Option<&str>, gateway: Option<&str>) -> Addresses {
    let mut result = DEFAULT;
    if let Some(text) = ip {
        match parse_ip(text) {
            Some((addr, prefix_len)) => {
                result.addr = addr;
                result.prefix_len = prefix_len;
            }
            None => crate::warn!(
                "net: cannot parse ip={}, using {}/{}",
                text,
                DEFAULT.addr,
                DEFAULT.prefix_len
            ),
        }
    }
    if let Some(text) = gateway {
        match text {
            "none" => result.gateway = None,
            _ => match text.parse() {
                Ok(gw) => result.gateway = Some(gw),
                Err(_) => crate::warn!("net: cannot parse gw={}, using the default", text),
            },
        }
    }
    result
}

fn parse_ip(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, prefix_len) = match text.split_once('/') {
        Some((addr, len)) => (addr, len.parse().ok().filter(|&len| len <= 32)?),
        None => (text, 24),
    };
    let addr: Ipv4Addr = addr.parse().ok()?;
    // An address must name one host: not 0.0.0.0, a multicast group or
    // the broadcast address.
    let usable = !addr.is_unspecified() && !addr.is_multicast() && !addr.is_broadcast();
    usable.then_some((addr, prefix_len))
}
