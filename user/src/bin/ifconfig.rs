//! ifconfig: show the network interface.
//!
//!     ifconfig [-a]
//!
//! Addresses, MAC, link, the main counters and the ARP cache; `-a` adds
//! every counter of the interface and of the driver, zeros included.
//! Exit status 1 if the machine has no network card.
#![no_std]
#![no_main]

use core::net::Ipv4Addr;
use libsys::abi::{ARP_RESOLVED, NET_NO_IRQ, NetCounter, NetInfo};
use libsys::{Args, eprintln, println};

struct Mac([u8; 6]);

impl core::fmt::Display for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

fn print_counters(title: &str, counters: &[NetCounter], all: bool) {
    println!("    {}:", title);
    for c in counters.iter().filter(|c| all || c.value != 0) {
        println!("        {:<26} {}", c.name(), c.value);
    }
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let all = args.iter().skip(1).any(|a| a == "-a");
    let mut info = NetInfo::default(); // about 5 KiB: fine on a 64 KiB stack
    if let Err(e) = libsys::netinfo(&mut info) {
        eprintln!("ifconfig: no network interface: {}", e.description());
        return 1;
    }
    let counter = |name| info.counter(name).unwrap_or(0);
    let link = if info.link_up != 0 { "up" } else { "down" };
    println!("eth0: e1000, link {}", link);
    println!(
        "    inet {}/{}  netmask {}  gateway {}",
        Ipv4Addr::from_bits(info.addr),
        info.prefix_len,
        Ipv4Addr::from_bits(info.netmask),
        match info.gateway {
            0 => Ipv4Addr::UNSPECIFIED,
            g => Ipv4Addr::from_bits(g),
        }
    );
    println!("    ether {}", Mac(info.mac));
    match info.irq {
        NET_NO_IRQ => println!("    interrupt: none (polled)"),
        irq => println!("    interrupt: IRQ {}", irq),
    }
    println!(
        "    RX packets {}  bytes {}  errors {}  overruns {}",
        counter("rx_packets"),
        counter("rx_bytes"),
        counter("rx_errors") + counter("rx_length_errors"),
        counter("rx_overruns")
    );
    println!(
        "    TX packets {}  bytes {}  errors {}  ring full {}",
        counter("tx_packets"),
        counter("tx_bytes"),
        counter("tx_errors") + counter("tx_dropped"),
        counter("tx_ring_full")
    );
    println!(
        "    interrupts {}  polls {}",
        counter("interrupts"),
        info.polls
    );
    print_counters("interface counters", info.iface_counters(), all);
    print_counters("driver counters", info.driver_counters(), all);

    println!("ARP cache: {} entries", info.arp_entries().len());
    for entry in info.arp_entries() {
        let ip = Ipv4Addr::from_bits(entry.ip);
        if entry.state == ARP_RESOLVED {
            println!(
                "    {:<15} {}  learned {}.{:03} s ago",
                ip,
                Mac(entry.mac),
                entry.age_ms / 1000,
                entry.age_ms % 1000
            );
        } else {
            println!("    {:<15} (pending, {} requests sent)", ip, entry.tries);
        }
    }
    0
}
