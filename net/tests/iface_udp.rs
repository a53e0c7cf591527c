//! UDP sockets on the interface: binding, delivery, sending, errors.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::*;
use net::iface::NetError;
use net::iface::udp::{MAX_PAYLOAD, MAX_SOCKETS, RX_QUEUE_LEN};
use net::wire::ethernet::{EthernetAddress, EthernetFrame};
use net::wire::icmp::{IcmpPacket, IcmpRepr};
use net::wire::ipv4::{Ipv4Packet, Protocol};
use net::wire::udp::UdpPacket;

const PEER: SocketAddrV4 = SocketAddrV4::new(PEER_IP, 5000);

#[test]
fn datagram_to_a_bound_port_is_delivered() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(7).unwrap();
    assert!(!iface.udp_can_recv(socket));
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[udp_from_peer(5000, 7, b"hello")],
    );
    assert!(iface.udp_can_recv(socket));
    assert_eq!(iface.udp_recv_from(socket), Some((PEER, b"hello".to_vec())));
    assert!(!iface.udp_can_recv(socket));
    assert_eq!(iface.udp_recv_from(socket), None);
    assert_eq!(iface.counters().udp_rx, 1);
}

#[test]
fn datagram_to_an_unbound_port_gets_port_unreachable() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let _other = iface.udp_bind(8).unwrap();
    let frame = udp_from_peer(5000, 7, b"anyone?");
    let original = frame[14..14 + 28].to_vec(); // IP header + UDP header
    deliver(&mut iface, &mut dev, at(1), &[frame]);
    assert_eq!(iface.counters().udp_no_socket, 1);
    assert_eq!(iface.counters().icmp_errors_tx, 1);
    let tx = dev.take_tx();
    let eth = EthernetFrame::new_checked(&tx[0]).unwrap();
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    assert_eq!(
        (eth.dst(), ip.dst(), ip.protocol()),
        (PEER_MAC, PEER_IP, Protocol::Icmp)
    );
    let icmp = IcmpPacket::new_checked(ip.payload()).unwrap();
    assert_eq!(
        IcmpRepr::parse(&icmp),
        Ok(IcmpRepr::DstUnreachable {
            code: 3,
            original: &original
        })
    );
}

#[test]
fn broadcast_datagram_to_an_unbound_port_gets_no_error() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let bcast = Ipv4Addr::BROADCAST;
    let packet = ipv4(
        PEER_IP,
        bcast,
        PROTO_UDP,
        &udp(PEER_IP, bcast, 68, 67, b"dhcp?"),
    );
    let frame = ethernet(
        EthernetAddress::BROADCAST,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &packet,
    );
    deliver(&mut iface, &mut dev, at(0), &[frame]);
    assert_eq!(iface.counters().udp_no_socket, 1);
    assert!(dev.tx.is_empty());
}

#[test]
fn broadcast_datagram_reaches_a_bound_socket() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(520).unwrap();
    let dst = Ipv4Addr::new(10, 0, 2, 255);
    let packet = ipv4(
        PEER_IP,
        dst,
        PROTO_UDP,
        &udp(PEER_IP, dst, 520, 520, b"rip"),
    );
    let frame = ethernet(
        EthernetAddress::BROADCAST,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &packet,
    );
    deliver(&mut iface, &mut dev, at(0), &[frame]);
    assert!(iface.udp_recv_from(socket).is_some());
}

#[test]
fn datagram_with_bad_checksum_is_not_delivered() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(7).unwrap();
    let mut frame = udp_from_peer(5000, 7, b"hello");
    let last = frame.len() - 1;
    frame[last] ^= 0x01;
    deliver(&mut iface, &mut dev, at(0), &[frame]);
    assert_eq!(iface.udp_recv_from(socket), None);
    assert_eq!(iface.counters().rx_bad_checksum, 1);
}

#[test]
fn full_receive_queue_drops_and_counts() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(7).unwrap();
    let frames: Vec<_> = (0..=RX_QUEUE_LEN as u8)
        .map(|i| udp_from_peer(5000, 7, &[i]))
        .collect();
    deliver(&mut iface, &mut dev, at(0), &frames);
    assert_eq!(iface.counters().udp_queue_overflow, 1);
    let received: Vec<u8> = std::iter::from_fn(|| iface.udp_recv_from(socket))
        .map(|(_, data)| data[0])
        .collect();
    assert_eq!(
        received,
        (0..RX_QUEUE_LEN as u8).collect::<Vec<_>>(),
        "the newest was dropped"
    );
}

#[test]
fn binding_a_taken_port_is_addr_in_use() {
    let mut iface = iface();
    let first = iface.udp_bind(53).unwrap();
    assert_eq!(iface.udp_bind(53), Err(NetError::AddrInUse));
    iface.udp_close(first).unwrap();
    assert!(iface.udp_bind(53).is_ok());
}

#[test]
fn port_zero_picks_distinct_ephemeral_ports() {
    let mut iface = iface();
    let a = iface.udp_bind(0).unwrap();
    let b = iface.udp_bind(0).unwrap();
    let (pa, pb) = (
        iface.udp_local_port(a).unwrap(),
        iface.udp_local_port(b).unwrap(),
    );
    assert!(pa >= 49152 && pb >= 49152);
    assert_ne!(pa, pb);
}

#[test]
fn ephemeral_ports_skip_ports_in_use() {
    let mut iface = iface();
    let _taken = iface.udp_bind(49152).unwrap();
    let a = iface.udp_bind(0).unwrap();
    assert_eq!(iface.udp_local_port(a), Some(49153));
}

#[test]
fn closed_handle_is_bad_and_never_reaches_a_newer_socket() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let old = iface.udp_bind(7).unwrap();
    iface.udp_close(old).unwrap();
    let new = iface.udp_bind(7).unwrap();
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[udp_from_peer(5000, 7, b"for new")],
    );
    assert_eq!(iface.udp_close(old), Err(NetError::BadHandle));
    assert_eq!(iface.udp_recv_from(old), None);
    assert!(!iface.udp_can_recv(old));
    assert_eq!(iface.udp_local_port(old), None);
    assert_eq!(
        iface.udp_send_to(old, PEER, b"x", at(0)),
        Err(NetError::BadHandle)
    );
    assert!(iface.udp_recv_from(new).is_some());
}

#[test]
fn socket_table_is_bounded() {
    let mut iface = iface();
    for port in 0..MAX_SOCKETS as u16 {
        iface.udp_bind(1000 + port).unwrap();
    }
    assert_eq!(iface.udp_bind(9), Err(NetError::TooManySockets));
}

#[test]
fn sent_datagram_carries_ports_and_a_valid_checksum() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let socket = iface.udp_bind(4000).unwrap();
    iface.udp_send_to(socket, PEER, b"ping", at(1)).unwrap();
    iface.poll(at(1), &mut dev);
    let tx = dev.take_tx();
    let eth = EthernetFrame::new_checked(&tx[0]).unwrap();
    assert_eq!(eth.dst(), PEER_MAC);
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    let udp = UdpPacket::new_checked(ip.payload(), OUR_IP, PEER_IP).unwrap();
    assert_ne!(udp.checksum(), 0, "we always compute one");
    assert_eq!(
        (udp.src_port(), udp.dst_port(), udp.payload()),
        (4000, 5000, &b"ping"[..])
    );
    assert_eq!(iface.counters().udp_tx, 1);
}

#[test]
fn datagram_must_fit_in_one_frame() {
    let mut iface = iface();
    let socket = iface.udp_bind(4000).unwrap();
    let too_big = vec![0; MAX_PAYLOAD + 1];
    assert_eq!(
        iface.udp_send_to(socket, PEER, &too_big, at(0)),
        Err(NetError::MessageTooLong)
    );
    assert_eq!(MAX_PAYLOAD, 1472);
    assert!(
        iface
            .udp_send_to(socket, PEER, &too_big[1..], at(0))
            .is_ok()
    );
}

#[test]
fn sending_to_port_zero_is_a_bad_address() {
    let mut iface = iface();
    let socket = iface.udp_bind(4000).unwrap();
    let dst = SocketAddrV4::new(PEER_IP, 0);
    assert_eq!(
        iface.udp_send_to(socket, dst, b"x", at(0)),
        Err(NetError::BadAddress)
    );
}

#[test]
fn closing_discards_queued_datagrams() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(7).unwrap();
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[udp_from_peer(5000, 7, b"late")],
    );
    iface.udp_close(socket).unwrap();
    let again = iface.udp_bind(7).unwrap();
    assert_eq!(iface.udp_recv_from(again), None);
}
