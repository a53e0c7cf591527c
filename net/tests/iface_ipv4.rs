//! The interface's IPv4 and ICMP paths: ping in both directions, and every
//! reason a packet is dropped, each with its counter.

mod common;

use std::net::Ipv4Addr;

use common::*;
use net::iface::{EchoReply, NetError};
use net::wire::ethernet::{EthernetAddress, EthernetFrame};
use net::wire::icmp::{IcmpPacket, IcmpRepr};
use net::wire::ipv4::{Ipv4Packet, Protocol};

/// The IPv4 packet inside the only frame sent, checked.
fn only_sent_ipv4(dev: &mut MockDevice) -> (EthernetAddress, Vec<u8>) {
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1, "expected exactly one frame");
    let eth = EthernetFrame::new_checked(&tx[0]).unwrap();
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    (eth.dst(), ip.as_bytes().to_vec())
}

#[test]
fn echo_request_is_answered_with_hand_computed_checksum() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let request = from_peer(PROTO_ICMP, &icmp_echo(8, 0x1234, 1, b"hi"));
    deliver(&mut iface, &mut dev, at(1), &[request]);
    let (dst_mac, bytes) = only_sent_ipv4(&mut dev);
    let ip = Ipv4Packet::new_checked(&bytes).unwrap();
    assert_eq!(dst_mac, PEER_MAC);
    assert_eq!(
        (ip.src(), ip.dst(), ip.protocol()),
        (OUR_IP, PEER_IP, Protocol::Icmp)
    );
    assert_eq!(ip.ttl(), 64);
    // Type 0, checksum 0x8561 (worked out in wire_parsers.rs), same ident,
    // sequence number and data.
    assert_eq!(
        ip.payload(),
        &[0, 0, 0x85, 0x61, 0x12, 0x34, 0, 1, b'h', b'i']
    );
    assert_eq!(iface.counters().icmp_echo_requests_rx, 1);
    assert_eq!(iface.counters().icmp_echo_replies_tx, 1);
}

#[test]
fn ethernet_padding_is_not_echoed_back() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let mut request = from_peer(PROTO_ICMP, &icmp_echo(8, 7, 7, b"hi"));
    request.resize(60, 0xee); // 44 bytes of packet, 16 of padding
    deliver(&mut iface, &mut dev, at(1), &[request]);
    let (_, bytes) = only_sent_ipv4(&mut dev);
    let ip = Ipv4Packet::new_checked(&bytes).unwrap();
    let icmp = IcmpPacket::new_checked(ip.payload()).unwrap();
    assert_eq!(icmp.data(), b"hi");
}

#[test]
fn echo_request_to_a_broadcast_address_is_ignored() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let packet = ipv4(
        PEER_IP,
        Ipv4Addr::new(10, 0, 2, 255),
        PROTO_ICMP,
        &icmp_echo(8, 1, 1, b""),
    );
    let frame = ethernet(
        EthernetAddress::BROADCAST,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &packet,
    );
    deliver(&mut iface, &mut dev, at(1), &[frame]);
    assert!(dev.tx.is_empty());
    assert_eq!(iface.counters().icmp_broadcast_ignored, 1);
}

#[test]
fn ping_round_trip() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    iface
        .ping_send(PEER_IP, 42, 3, &[0xab; 56], at(100))
        .unwrap();
    iface.poll(at(100), &mut dev);
    let (_, bytes) = only_sent_ipv4(&mut dev);
    let ip = Ipv4Packet::new_checked(&bytes).unwrap();
    let request = IcmpPacket::new_checked(ip.payload()).unwrap();
    assert_eq!(
        IcmpRepr::parse(&request),
        Ok(IcmpRepr::EchoRequest {
            ident: 42,
            seq_no: 3,
            data: &[0xab; 56]
        })
    );

    assert!(!iface.ping_can_recv(42));
    let reply = from_peer(PROTO_ICMP, &icmp_echo(0, 42, 3, &[0xab; 56]));
    deliver(&mut iface, &mut dev, at(130), &[reply]);
    assert!(iface.ping_can_recv(42));
    assert_eq!(iface.ping_recv(41), None, "another ping's identifier");
    assert_eq!(
        iface.ping_recv(42),
        Some(EchoReply {
            src: PEER_IP,
            ident: 42,
            seq_no: 3,
            ttl: 64,
            payload_len: 56,
            received_at: at(130),
        })
    );
    assert_eq!(iface.ping_recv(42), None);
}

#[test]
fn uncollected_echo_replies_make_room_for_new_ones() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let replies: Vec<_> = (0..20u16)
        .map(|seq| from_peer(PROTO_ICMP, &icmp_echo(0, 9, seq, b"")))
        .collect();
    deliver(&mut iface, &mut dev, at(0), &replies);
    assert_eq!(iface.counters().icmp_echo_queue_overflow, 4);
    assert_eq!(
        iface.ping_recv(9).map(|r| r.seq_no),
        Some(4),
        "0..4 were dropped"
    );
}

#[test]
fn ping_larger_than_a_datagram_is_refused() {
    let mut iface = iface();
    let result = iface.ping_send(PEER_IP, 1, 1, &[0; 65535 - 20 - 8 + 1], at(0));
    assert_eq!(result, Err(NetError::MessageTooLong));
    assert!(iface.ping_send(PEER_IP, 1, 1, &[0; 1472], at(0)).is_ok());
}

#[test]
fn malformed_ipv4_is_counted_by_reason() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let good = ipv4(PEER_IP, OUR_IP, PROTO_ICMP, &icmp_echo(8, 1, 1, b"x"));
    let mut bad_checksum = good.clone();
    bad_checksum[10] ^= 0xff;
    let mut bad_version = good.clone();
    bad_version[0] = 0x65;
    let truncated = good[..good.len() - 1].to_vec();
    let frames: Vec<_> = [bad_checksum, bad_version, truncated]
        .iter()
        .map(|p| ethernet(OUR_MAC, PEER_MAC, ETHERTYPE_IPV4, p))
        .collect();
    deliver(&mut iface, &mut dev, at(0), &frames);
    let c = iface.counters();
    assert_eq!(
        (c.rx_bad_checksum, c.rx_malformed, c.rx_truncated),
        (1, 1, 1)
    );
    assert!(dev.tx.is_empty());
}

#[test]
fn packet_for_another_address_is_not_for_us() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let packet = ipv4(
        PEER_IP,
        Ipv4Addr::new(10, 0, 2, 16),
        PROTO_ICMP,
        &icmp_echo(8, 1, 1, b""),
    );
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[ethernet(OUR_MAC, PEER_MAC, ETHERTYPE_IPV4, &packet)],
    );
    assert_eq!(iface.counters().rx_not_for_us, 1);
    assert!(dev.tx.is_empty());
}

#[test]
fn broadcast_or_multicast_source_is_refused() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let echo = icmp_echo(8, 1, 1, b"");
    let frames: Vec<_> = [Ipv4Addr::BROADCAST, Ipv4Addr::new(224, 0, 0, 1)]
        .iter()
        .map(|&src| {
            ethernet(
                OUR_MAC,
                PEER_MAC,
                ETHERTYPE_IPV4,
                &ipv4(src, OUR_IP, PROTO_ICMP, &echo),
            )
        })
        .collect();
    deliver(&mut iface, &mut dev, at(0), &frames);
    assert_eq!(iface.counters().rx_bad_source, 2);
    assert!(dev.tx.is_empty());
}

#[test]
fn unknown_ethertype_is_counted() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[ethernet(OUR_MAC, PEER_MAC, 0x86dd, &[0; 40])],
    );
    assert_eq!(iface.counters().rx_unknown_ethertype, 1);
}

#[test]
fn runt_and_oversized_frames_are_counted() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[vec![0xff; 13], vec![0; 1515]],
    );
    let c = iface.counters();
    assert_eq!((c.rx_truncated, c.rx_oversized, c.rx_frames), (1, 1, 2));
}

#[test]
fn unknown_protocol_gets_protocol_unreachable() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let gre = from_peer(47, &[0; 12]);
    deliver(&mut iface, &mut dev, at(1), &[gre]);
    assert_eq!(iface.counters().ipv4_unknown_protocol, 1);
    let (_, bytes) = only_sent_ipv4(&mut dev);
    let ip = Ipv4Packet::new_checked(&bytes).unwrap();
    let icmp = IcmpPacket::new_checked(ip.payload()).unwrap();
    assert_eq!((icmp.msg_type(), icmp.code()), (3, 2));
}

#[test]
fn tcp_is_counted_until_the_tcp_module_is_plugged_in() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &[from_peer(PROTO_TCP, &[0; 20])],
    );
    assert_eq!(iface.counters().tcp_unhandled, 1);
    assert!(
        dev.tx.is_empty(),
        "no ICMP error: TCP is a protocol we know"
    );
}

#[test]
fn other_icmp_messages_are_counted() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let mut timestamp = vec![13, 0, 0, 0, 0, 0, 0, 0];
    let sum = net::wire::checksum::checksum(&timestamp);
    timestamp[2..4].copy_from_slice(&sum.to_be_bytes());
    let mut unreachable = vec![3, 1, 0, 0, 0, 0, 0, 0];
    let sum = net::wire::checksum::checksum(&unreachable);
    unreachable[2..4].copy_from_slice(&sum.to_be_bytes());
    let frames = [
        from_peer(PROTO_ICMP, &timestamp),
        from_peer(PROTO_ICMP, &unreachable),
    ];
    deliver(&mut iface, &mut dev, at(0), &frames);
    assert_eq!(iface.counters().icmp_unsupported, 1);
    assert_eq!(iface.counters().icmp_dst_unreachable_rx, 1);
}

#[test]
fn send_ipv4_refuses_what_it_cannot_send() {
    let mut iface = iface();
    let mut send = |dst, len| iface.send_ipv4(at(0), dst, Protocol::Udp, &vec![0; len]);
    assert_eq!(send(PEER_IP, 65516), Err(NetError::MessageTooLong));
    assert_eq!(send(Ipv4Addr::UNSPECIFIED, 1), Err(NetError::BadAddress));
    assert_eq!(
        send(Ipv4Addr::new(224, 0, 0, 251), 1),
        Err(NetError::BadAddress)
    );
    assert_eq!(send(PEER_IP, 1480), Ok(()));
    // One frame's worth and a byte more: two fragments, waiting for ARP.
    assert_eq!(send(PEER_IP, 1481), Ok(()));
    assert_eq!(iface.counters().tx_too_long, 1);
    assert_eq!(iface.counters().tx_no_route, 2);
}

#[test]
fn broadcast_needs_no_arp() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    iface
        .send_ipv4(at(0), Ipv4Addr::BROADCAST, Protocol::Udp, b"all")
        .unwrap();
    iface.poll(at(0), &mut dev);
    let (dst, bytes) = only_sent_ipv4(&mut dev);
    assert_eq!(dst, EthernetAddress::BROADCAST);
    assert_eq!(Ipv4Packet::new_checked(&bytes).unwrap().payload(), b"all");
}

#[test]
fn consecutive_packets_get_distinct_identifications() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    for _ in 0..3 {
        iface
            .send_ipv4(at(0), Ipv4Addr::BROADCAST, Protocol::Udp, b"")
            .unwrap();
    }
    iface.poll(at(0), &mut dev);
    let idents: Vec<u16> = dev
        .take_tx()
        .iter()
        .map(|f| Ipv4Packet::new_checked(&f[14..]).unwrap().ident())
        .collect();
    assert_eq!(idents, vec![0, 1, 2]);
}

#[test]
fn busy_device_keeps_frames_in_order_for_the_next_poll() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    for byte in 0..3u8 {
        iface
            .send_ipv4(at(0), Ipv4Addr::BROADCAST, Protocol::Udp, &[byte])
            .unwrap();
    }
    dev.tx_room = Some(1);
    assert!(iface.poll(at(0), &mut dev));
    assert_eq!(dev.tx.len(), 1);
    assert_eq!(iface.counters().tx_device_busy, 1);
    assert_eq!(iface.poll_at(), Some(at(0)), "frames still wait");
    dev.tx_room = None;
    iface.poll(at(1), &mut dev);
    let payloads: Vec<u8> = dev.take_tx().iter().map(|f| f[14 + 20]).collect();
    assert_eq!(payloads, vec![0, 1, 2]);
    assert_eq!(iface.poll_at(), None);
    assert!(!iface.poll(at(2), &mut dev), "nothing left to do");
}

#[test]
fn transmit_queue_is_bounded() {
    let mut iface = iface();
    let results: Vec<_> = (0..=net::iface::TX_QUEUE_LEN)
        .map(|_| iface.send_ipv4(at(0), Ipv4Addr::BROADCAST, Protocol::Udp, b""))
        .collect();
    assert_eq!(results.last(), Some(&Err(NetError::QueueFull)));
    assert_eq!(iface.counters().tx_queue_full, 1);
}

#[test]
fn counters_list_every_field_by_name() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    deliver(&mut iface, &mut dev, at(0), &[arp_request_from_peer()]);
    let fields = iface.counters().fields();
    let get = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    assert_eq!(get("rx_frames"), Some(1));
    assert_eq!(get("arp_replies_tx"), Some(1));
    assert_eq!(get("tx_frames"), Some(1));
    assert_eq!(get("tx_bytes"), Some(60));
    let mut names: Vec<_> = fields.iter().map(|(n, _)| *n).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), fields.len(), "names are unique");
}
