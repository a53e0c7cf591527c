//! The receive path: from a frame the card handed us to ARP, ICMP or a UDP
//! socket.
//!
//! ```text
//! frame ─► Ethernet: for our MAC or broadcast?
//!            ├─ ARP  ─► learn sender ─► request for our IP? ─► reply
//!            └─ IPv4 ─► valid, for our IP or broadcast? (looped packets join here)
//!                       a fragment? ─► reassembly ─► whole datagram, or wait
//!                         ├─ ICMP ─► echo request? reply. echo reply? ping queue
//!                         ├─ UDP  ─► bound port? socket queue : port unreachable
//!                         └─ TCP  ─► the TCP table, if attached (tcp.rs)
//! ```
//!
//! Each step checks one layer and either passes the payload up or drops the
//! packet with one counter bumped. Nothing in here can fail outward: the
//! sender of a bad packet gets no answer but a counter moves.

use core::net::Ipv4Addr;

use super::Interface;
use super::reassembly::Outcome;
use crate::time::Instant;
use crate::wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use crate::wire::ethernet::{EtherType, EthernetFrame};
use crate::wire::icmp;
use crate::wire::ipv4::{Ipv4Packet, Protocol};

impl Interface {
    // ANCHOR: process_frame
    pub(super) fn process_frame(&mut self, now: Instant, bytes: &[u8]) {
        let frame = match EthernetFrame::new_checked(bytes) {
            Ok(frame) => frame,
            Err(e) => return self.counters.count_wire_error(e),
        };
        // The card normally filters on MAC already; a card in promiscuous
        // mode (or a bridge in QEMU) may not.
        let dst = frame.dst();
        if dst != self.config.mac && !dst.is_broadcast() {
            self.counters.rx_not_for_us += 1;
            return;
        }
        if !frame.src().is_unicast() {
            self.counters.rx_bad_source += 1;
            return;
        }
        match frame.ethertype() {
            EtherType::Arp => self.process_arp(now, frame.payload()),
            EtherType::Ipv4 => self.process_ipv4(now, frame.payload(), dst.is_broadcast(), false),
            EtherType::Unknown(_) => self.counters.rx_unknown_ethertype += 1,
        }
    }
    // ANCHOR_END: process_frame

    // ANCHOR: process_arp
    fn process_arp(&mut self, now: Instant, bytes: &[u8]) {
        let arp = match ArpPacket::new_checked(bytes) {
            Ok(packet) => ArpRepr::parse(&packet),
            Err(e) => return self.counters.count_wire_error(e),
        };
        // 0.0.0.0 is an ARP probe (RFC 5227 §2.1.1): someone checking that an
        // address is free. Answer it if it is ours, but learn nothing.
        let probe = arp.sender_ip.is_unspecified();
        if !arp.sender_mac.is_unicast()
            || arp.sender_ip == self.config.addr
            || (!probe && !self.is_valid_neighbour(arp.sender_ip))
        {
            self.counters.rx_bad_source += 1;
            return;
        }
        let for_us = arp.target_ip == self.config.addr;
        if !probe {
            // RFC 826: update the sender if known; add it only if the packet
            // is for us (its sender is about to talk to us anyway).
            let ready = self.arp.learn(arp.sender_ip, arp.sender_mac, now, for_us);
            self.flush_waiting(arp.sender_mac, ready);
        }
        if !for_us {
            self.counters.rx_not_for_us += 1;
            return;
        }
        if arp.operation == ArpOperation::Request {
            let reply = ArpRepr {
                operation: ArpOperation::Reply,
                sender_mac: self.config.mac,
                sender_ip: self.config.addr,
                target_mac: arp.sender_mac,
                target_ip: arp.sender_ip,
            };
            // Unicast, straight back to who asked (RFC 826).
            if self.send_arp(arp.sender_mac, &reply).is_ok() {
                self.counters.arp_replies_tx += 1;
            }
        }
    }
    // ANCHOR_END: process_arp

    /// We only ever look up unicast next hops that are on our network (or
    /// the gateway, which a /32 address has outside it), so an ARP entry for
    /// anything else would be dead weight, or an attack on the cache.
    fn is_valid_neighbour(&self, ip: Ipv4Addr) -> bool {
        let reachable = self.config.is_on_link(ip) || self.config.gateway == Some(ip);
        reachable && !self.config.is_broadcast(ip) && !ip.is_multicast()
    }

    /// An IPv4 packet from the card, or (`looped`) from ourselves.
    pub(super) fn process_ipv4(
        &mut self,
        now: Instant,
        bytes: &[u8],
        link_broadcast: bool,
        looped: bool,
    ) {
        let packet = match Ipv4Packet::new_checked(bytes) {
            Ok(packet) => packet,
            Err(e) => return self.counters.count_wire_error(e),
        };
        // RFC 1122 §3.2.1.3: a host must discard datagrams whose source is
        // not a single host's address, and 127.0.0.0/8 never comes from
        // the wire.
        let src = packet.src();
        if src.is_multicast() || self.config.is_broadcast(src) || (src.is_loopback() && !looped) {
            self.counters.rx_bad_source += 1;
            return;
        }
        let dst = packet.dst();
        let ip_broadcast = self.config.is_broadcast(dst);
        let for_us = dst == self.config.addr || (looped && dst.is_loopback());
        if !for_us && !ip_broadcast {
            self.counters.rx_not_for_us += 1;
            return;
        }
        let broadcast = link_broadcast || ip_broadcast;
        // ANCHOR: fragment
        // RFC 1122 §3.3.2: a host MUST reassemble. The datagram is handled
        // when its last missing piece arrives.
        if packet.is_fragment() {
            self.counters.ipv4_fragments += 1;
            if let Outcome::Complete(whole) =
                self.reassembly.insert(now, &packet, &mut self.counters)
            {
                match Ipv4Packet::new_checked(&whole) {
                    Ok(datagram) => self.deliver_ipv4(now, &datagram, broadcast),
                    Err(e) => self.counters.count_wire_error(e),
                }
            }
            return;
        }
        // ANCHOR_END: fragment
        self.deliver_ipv4(now, &packet, broadcast);
    }

    /// Hands a whole datagram to its protocol.
    fn deliver_ipv4(&mut self, now: Instant, packet: &Ipv4Packet<'_>, broadcast: bool) {
        let packet = *packet;
        match packet.protocol() {
            Protocol::Icmp => self.process_icmp(now, &packet, broadcast),
            Protocol::Udp => self.process_udp(now, &packet, broadcast),
            Protocol::Tcp => self.process_tcp(now, &packet, broadcast),
            Protocol::Unknown(_) => {
                self.counters.ipv4_unknown_protocol += 1;
                // RFC 1122 §3.2.2.1: protocol unreachable, code 2.
                self.send_dst_unreachable(now, &packet, icmp::CODE_PROTOCOL_UNREACHABLE, broadcast);
            }
        }
    }
}
