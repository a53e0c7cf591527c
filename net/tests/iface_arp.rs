//! The interface speaking ARP: answering, learning, resolving, giving up.

mod common;

use std::net::Ipv4Addr;

use common::*;
use net::iface::{ArpState, Config, Interface, NetError};
use net::wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use net::wire::ethernet::{EtherType, EthernetAddress, EthernetFrame};
use net::wire::ipv4::{Ipv4Packet, Protocol};

/// The ARP packet inside a frame the interface sent, with the frame's
/// Ethernet destination.
fn sent_arp(frame: &[u8]) -> (EthernetAddress, ArpRepr) {
    let eth = EthernetFrame::new_checked(frame).unwrap();
    assert_eq!(eth.src(), OUR_MAC);
    assert_eq!(eth.ethertype(), EtherType::Arp);
    (
        eth.dst(),
        ArpRepr::parse(&ArpPacket::new_checked(eth.payload()).unwrap()),
    )
}

fn resolved(iface: &Interface, ip: Ipv4Addr) -> Option<EthernetAddress> {
    iface
        .arp_cache_entries()
        .find_map(|(entry, state)| match state {
            ArpState::Resolved { mac, .. } if entry == ip => Some(mac),
            _ => None,
        })
}

#[test]
fn request_for_our_address_gets_a_unicast_reply() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    deliver(&mut iface, &mut dev, at(0), &[arp_request_from_peer()]);
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0].len(), 60, "padded to the Ethernet minimum");
    let (dst, reply) = sent_arp(&tx[0]);
    assert_eq!(dst, PEER_MAC);
    assert_eq!(
        reply,
        ArpRepr {
            operation: ArpOperation::Reply,
            sender_mac: OUR_MAC,
            sender_ip: OUR_IP,
            target_mac: PEER_MAC,
            target_ip: PEER_IP,
        }
    );
    assert_eq!(iface.counters().arp_replies_tx, 1);
}

#[test]
fn request_for_our_address_teaches_us_the_sender() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    deliver(&mut iface, &mut dev, at(0), &[arp_request_from_peer()]);
    assert_eq!(resolved(&iface, PEER_IP), Some(PEER_MAC));
}

#[test]
fn request_for_another_address_is_neither_answered_nor_learned() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let zero = EthernetAddress([0; 6]);
    let other_ip = Ipv4Addr::new(10, 0, 2, 99);
    let request = arp(1, PEER_MAC, PEER_IP, zero, other_ip);
    let frame = ethernet(
        EthernetAddress::BROADCAST,
        PEER_MAC,
        ETHERTYPE_ARP,
        &request,
    );
    deliver(&mut iface, &mut dev, at(0), &[frame]);
    assert!(dev.tx.is_empty());
    assert_eq!(iface.arp_cache_entries().count(), 0);
    assert_eq!(iface.counters().rx_not_for_us, 1);
}

#[test]
fn frame_for_another_mac_is_ignored() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let mut frame = arp_request_from_peer();
    frame[..6].copy_from_slice(&OTHER_MAC.0);
    deliver(&mut iface, &mut dev, at(0), &[frame]);
    assert!(dev.tx.is_empty());
    assert_eq!(iface.counters().rx_not_for_us, 1);
    assert_eq!(iface.arp_cache_entries().count(), 0);
}

#[test]
fn any_arp_from_a_known_host_updates_its_entry() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    // A gratuitous ARP (sender = target) after the peer changed its card.
    let new_mac = EthernetAddress([0x52, 0x54, 0x00, 0x99, 0x99, 0x99]);
    let gratuitous = arp(1, new_mac, PEER_IP, EthernetAddress([0; 6]), PEER_IP);
    let frame = ethernet(
        EthernetAddress::BROADCAST,
        new_mac,
        ETHERTYPE_ARP,
        &gratuitous,
    );
    deliver(&mut iface, &mut dev, at(10), &[frame]);
    assert_eq!(resolved(&iface, PEER_IP), Some(new_mac));
    assert!(dev.tx.is_empty());
}

#[test]
fn arp_probe_is_answered_but_teaches_nothing() {
    // RFC 5227: a host checking whether our address is free uses sender 0.0.0.0.
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let probe = arp(
        1,
        PEER_MAC,
        Ipv4Addr::UNSPECIFIED,
        EthernetAddress([0; 6]),
        OUR_IP,
    );
    let frame = ethernet(EthernetAddress::BROADCAST, PEER_MAC, ETHERTYPE_ARP, &probe);
    deliver(&mut iface, &mut dev, at(0), &[frame]);
    assert_eq!(iface.arp_cache_entries().count(), 0);
    let (dst, reply) = sent_arp(&dev.take_tx()[0]);
    assert_eq!((dst, reply.target_ip), (PEER_MAC, Ipv4Addr::UNSPECIFIED));
}

#[test]
fn arp_claiming_our_address_or_a_foreign_one_is_a_bad_source() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let zero = EthernetAddress([0; 6]);
    let claims_ours = arp(2, PEER_MAC, OUR_IP, OUR_MAC, OUR_IP);
    let off_link = arp(1, PEER_MAC, Ipv4Addr::new(8, 8, 8, 8), zero, OUR_IP);
    let multicast_sender = arp(
        1,
        EthernetAddress([1, 0, 0x5e, 0, 0, 1]),
        PEER_IP,
        zero,
        OUR_IP,
    );
    let frames: Vec<_> = [claims_ours, off_link, multicast_sender]
        .iter()
        .map(|p| ethernet(OUR_MAC, PEER_MAC, ETHERTYPE_ARP, p))
        .collect();
    deliver(&mut iface, &mut dev, at(0), &frames);
    assert_eq!(iface.counters().rx_bad_source, 3);
    assert!(dev.tx.is_empty());
    assert_eq!(iface.arp_cache_entries().count(), 0);
}

#[test]
fn packet_to_unknown_neighbour_waits_for_arp_then_goes_out() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    iface
        .send_ipv4(at(0), PEER_IP, Protocol::Udp, b"queued")
        .unwrap();
    iface.poll(at(0), &mut dev);
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1, "only the ARP request, the packet waits");
    let (dst, request) = sent_arp(&tx[0]);
    assert_eq!(dst, EthernetAddress::BROADCAST);
    assert_eq!(request.operation, ArpOperation::Request);
    assert_eq!((request.sender_ip, request.target_ip), (OUR_IP, PEER_IP));

    deliver(
        &mut iface,
        &mut dev,
        at(5),
        &[arp_reply_to_us(PEER_MAC, PEER_IP)],
    );
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1);
    let eth = EthernetFrame::new_checked(&tx[0]).unwrap();
    assert_eq!((eth.dst(), eth.ethertype()), (PEER_MAC, EtherType::Ipv4));
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    assert_eq!(
        (ip.src(), ip.dst(), ip.payload()),
        (OUR_IP, PEER_IP, &b"queued"[..])
    );
    assert_eq!(iface.poll_at(), None, "no retry left pending");
}

// ANCHOR: arp_timeout_test
#[test]
fn unanswered_arp_is_retried_then_its_packets_dropped_and_counted() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    iface
        .send_ipv4(at(0), PEER_IP, Protocol::Udp, b"one")
        .unwrap();
    iface
        .send_ipv4(at(0), PEER_IP, Protocol::Udp, b"two")
        .unwrap();
    for ms in [0, 500, 1_000, 1_500, 2_000, 2_500] {
        iface.poll(at(ms), &mut dev);
    }
    assert_eq!(dev.take_tx().len(), 3, "requests at 0, 1 and 2 s");
    assert_eq!(iface.counters().arp_requests_tx, 3);
    assert!(iface.poll(at(3_000), &mut dev), "giving up is activity");
    assert!(dev.tx.is_empty());
    assert_eq!(iface.counters().arp_failures, 1);
    assert_eq!(iface.counters().arp_dropped, 2);
    assert_eq!(iface.arp_cache_entries().count(), 0);
    // A later send starts over.
    iface
        .send_ipv4(at(4_000), PEER_IP, Protocol::Udp, b"three")
        .unwrap();
    iface.poll(at(4_000), &mut dev);
    assert_eq!(dev.take_tx().len(), 1);
}
// ANCHOR_END: arp_timeout_test

#[test]
fn off_link_destination_is_resolved_through_the_gateway() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let far = Ipv4Addr::new(93, 184, 216, 34);
    iface.send_ipv4(at(0), far, Protocol::Udp, b"x").unwrap();
    iface.poll(at(0), &mut dev);
    let (_, request) = sent_arp(&dev.take_tx()[0]);
    assert_eq!(request.target_ip, GATEWAY_IP);
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &[arp_reply_to_us(GATEWAY_MAC, GATEWAY_IP)],
    );
    let tx = dev.take_tx();
    let eth = EthernetFrame::new_checked(&tx[0]).unwrap();
    assert_eq!(eth.dst(), GATEWAY_MAC);
    assert_eq!(Ipv4Packet::new_checked(eth.payload()).unwrap().dst(), far);
}

#[test]
fn off_link_destination_without_gateway_has_no_route() {
    let mut iface = Interface::new(Config {
        gateway: None,
        ..config()
    });
    let result = iface.send_ipv4(at(0), Ipv4Addr::new(8, 8, 8, 8), Protocol::Udp, b"x");
    assert_eq!(result, Err(NetError::NoRoute));
    assert_eq!(iface.counters().tx_no_route, 1);
}

#[test]
fn host_route_address_still_reaches_its_gateway() {
    // A /32 address (common in clouds) has no on-link neighbours but can
    // still have a gateway.
    let (mut iface, mut dev) = (
        Interface::new(Config {
            prefix_len: 32,
            ..config()
        }),
        MockDevice::new(),
    );
    iface
        .send_ipv4(at(0), PEER_IP, Protocol::Udp, b"x")
        .unwrap();
    iface.poll(at(0), &mut dev);
    assert_eq!(sent_arp(&dev.take_tx()[0]).1.target_ip, GATEWAY_IP);
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &[arp_reply_to_us(GATEWAY_MAC, GATEWAY_IP)],
    );
    let tx = dev.take_tx();
    assert_eq!(
        EthernetFrame::new_checked(&tx[0]).unwrap().dst(),
        GATEWAY_MAC
    );
}

#[test]
fn too_many_packets_waiting_for_arp_are_refused() {
    let mut iface = iface();
    let mut results = Vec::new();
    for _ in 0..=net::iface::arp_cache::MAX_WAITING {
        results.push(iface.send_ipv4(at(0), PEER_IP, Protocol::Udp, b"x"));
    }
    assert!(results[..results.len() - 1].iter().all(Result::is_ok));
    assert_eq!(results.last(), Some(&Err(NetError::QueueFull)));
    assert_eq!(iface.counters().arp_queue_full, 1);
}

#[test]
fn cache_entry_expires_and_is_asked_for_again() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    iface
        .send_ipv4(at(59_000), PEER_IP, Protocol::Udp, b"x")
        .unwrap();
    iface.poll(at(59_000), &mut dev);
    assert_eq!(dev.take_tx().len(), 1, "sent directly");
    iface
        .send_ipv4(at(61_000), PEER_IP, Protocol::Udp, b"y")
        .unwrap();
    iface.poll(at(61_000), &mut dev);
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1);
    assert_eq!(
        sent_arp(&tx[0]).1.target_ip,
        PEER_IP,
        "an ARP request, not the packet"
    );
}
