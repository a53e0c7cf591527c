//! TCP over the interface: segments arrive in Ethernet frames, reach the
//! attached `TcpTable`, and its answers leave as IPv4 packets through ARP
//! and the transmit queue, in the same `poll`.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::*;
use net::iface::Interface;
use net::tcp::{State, TcpConfig, TcpTable};
use net::wire::ethernet::{EtherType, EthernetFrame};
use net::wire::ipv4::{Ipv4Packet, Protocol};
use net::wire::tcp::{Flags, SackBlocks, TcpPacket, TcpRepr};

const PORT: u16 = 80;
const PEER_PORT: u16 = 40000;
const PEER_ISN: u32 = 1000;

/// An interface with a TCP table that acknowledges at once (no delayed
/// ACKs), so every test sees each answer in the poll that caused it.
fn tcp_iface() -> Interface {
    let mut iface = iface();
    let config = TcpConfig {
        ack_delay: None,
        ..TcpConfig::default()
    };
    iface.attach_tcp(TcpTable::new(config, *b"iface-tcp-secret"));
    iface
}

fn listen(iface: &mut Interface) {
    let any = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT);
    iface.tcp_mut().unwrap().listen(any, 4).unwrap();
}

/// A segment from the peer to `dst`, in a frame to our MAC.
fn segment_to(dst: Ipv4Addr, flags: Flags, seq: u32, ack: u32, data: &[u8]) -> Vec<u8> {
    let repr = TcpRepr {
        src_port: PEER_PORT,
        dst_port: PORT,
        seq_number: seq,
        ack_number: ack,
        flags,
        window: 65535,
        urgent_pointer: 0,
        max_seg_size: flags.contains(Flags::SYN).then_some(1460),
        window_scale: None,
        sack_permitted: false,
        sack: SackBlocks::NONE,
    };
    let mut bytes = Vec::new();
    repr.emit(PEER_IP, dst, data, &mut bytes);
    ethernet(
        OUR_MAC,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &ipv4(PEER_IP, dst, PROTO_TCP, &bytes),
    )
}

fn segment(flags: Flags, seq: u32, ack: u32, data: &[u8]) -> Vec<u8> {
    segment_to(OUR_IP, flags, seq, ack, data)
}

/// A segment we sent, unwrapped from its frame and checked layer by layer.
struct Sent {
    repr: TcpRepr,
    payload: Vec<u8>,
}

fn parse_sent(frame: &[u8]) -> Sent {
    let eth = EthernetFrame::new_checked(frame).unwrap();
    assert_eq!(eth.dst(), PEER_MAC);
    assert_eq!(eth.ethertype(), EtherType::Ipv4);
    let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
    assert_eq!(ip.protocol(), Protocol::Tcp);
    assert_eq!((ip.src(), ip.dst()), (OUR_IP, PEER_IP));
    let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
    assert!(tcp.verify_checksum(OUR_IP, PEER_IP), "bad TCP checksum");
    Sent {
        repr: TcpRepr::parse(&tcp),
        payload: tcp.payload().to_vec(),
    }
}

fn only_sent(dev: &mut MockDevice) -> Sent {
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1, "expected exactly one frame, got {}", tx.len());
    parse_sent(&tx[0])
}

fn flags_of(sent: &Sent) -> Flags {
    Flags::from_bits(sent.repr.flags.bits() & !Flags::PSH.bits())
}

#[test]
fn handshake_data_and_reply_cross_the_interface() {
    let (mut iface, mut dev) = (tcp_iface(), MockDevice::new());
    listen(&mut iface);
    learn_peer(&mut iface, &mut dev, at(0));

    // SYN in, SYN+ACK out in the same poll.
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &[segment(Flags::SYN, PEER_ISN, 0, b"")],
    );
    let syn_ack = only_sent(&mut dev);
    assert_eq!(flags_of(&syn_ack), Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.repr.ack_number, PEER_ISN + 1);
    assert_eq!(syn_ack.repr.src_port, PORT);
    assert_eq!(syn_ack.repr.dst_port, PEER_PORT);
    let our_isn = syn_ack.repr.seq_number;

    // The handshake's ACK carries data; it is acknowledged at once.
    let hello = segment(Flags::ACK, PEER_ISN + 1, our_isn.wrapping_add(1), b"hello");
    deliver(&mut iface, &mut dev, at(2), &[hello]);
    let ack = only_sent(&mut dev);
    assert_eq!(ack.repr.ack_number, PEER_ISN + 6);
    assert!(ack.payload.is_empty());

    let table = iface.tcp_mut().unwrap();
    let listener = table
        .sockets()
        .find(|s| s.remote.is_none())
        .unwrap()
        .handle
        .unwrap();
    let conn = table.accept(listener).unwrap();
    assert_eq!(table.state(conn), State::Established);
    let mut buf = [0u8; 16];
    assert_eq!(table.recv(conn, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");

    // What the user sends leaves on the next poll.
    assert_eq!(table.send(conn, b"world"), Ok(5));
    iface.poll(at(3), &mut dev);
    let data = only_sent(&mut dev);
    assert_eq!(data.payload, b"world");
    assert_eq!(data.repr.seq_number, our_isn.wrapping_add(1));

    let c = iface.counters();
    assert_eq!((c.tcp_rx, c.tcp_tx, c.tcp_unhandled), (2, 3, 0));
    assert_eq!(iface.tcp().unwrap().counters().segments_in, 2);
}

#[test]
fn answer_waits_for_arp_then_leaves() {
    let (mut iface, mut dev) = (tcp_iface(), MockDevice::new());
    listen(&mut iface);
    // The peer's MAC is unknown: the SYN+ACK waits behind an ARP request.
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &[segment(Flags::SYN, PEER_ISN, 0, b"")],
    );
    let tx = dev.take_tx();
    assert_eq!(tx.len(), 1);
    let eth = EthernetFrame::new_checked(&tx[0]).unwrap();
    assert_eq!(eth.ethertype(), EtherType::Arp);

    deliver(
        &mut iface,
        &mut dev,
        at(5),
        &[arp_reply_to_us(PEER_MAC, PEER_IP)],
    );
    let syn_ack = only_sent(&mut dev);
    assert_eq!(flags_of(&syn_ack), Flags::SYN | Flags::ACK);
}

#[test]
fn closed_port_is_answered_with_a_reset() {
    let (mut iface, mut dev) = (tcp_iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &[segment(Flags::SYN, PEER_ISN, 0, b"")],
    );
    let rst = only_sent(&mut dev);
    assert_eq!(flags_of(&rst), Flags::RST | Flags::ACK);
    assert_eq!(rst.repr.ack_number, PEER_ISN + 1);
    assert_eq!(iface.tcp().unwrap().counters().no_socket, 1);
}

#[test]
fn broadcast_segments_never_reach_tcp() {
    let (mut iface, mut dev) = (tcp_iface(), MockDevice::new());
    listen(&mut iface);
    learn_peer(&mut iface, &mut dev, at(0));
    let broadcast = Ipv4Addr::new(10, 0, 2, 255);
    let syn = segment_to(broadcast, Flags::SYN, PEER_ISN, 0, b"");
    deliver(&mut iface, &mut dev, at(1), &[syn]);
    assert!(dev.take_tx().is_empty(), "answered a broadcast SYN");
    assert_eq!(iface.counters().tcp_unhandled, 1);
    assert_eq!(iface.counters().tcp_rx, 0);
}

#[test]
fn poll_at_includes_tcp_timers_and_retransmits() {
    let (mut iface, mut dev) = (tcp_iface(), MockDevice::new());
    listen(&mut iface);
    learn_peer(&mut iface, &mut dev, at(0));
    assert_eq!(iface.poll_at(), None, "nothing to do yet");
    deliver(
        &mut iface,
        &mut dev,
        at(10),
        &[segment(Flags::SYN, PEER_ISN, 0, b"")],
    );
    let first = only_sent(&mut dev);

    // The SYN+ACK's retransmission timer is what the owner must wake for.
    let due = iface.poll_at().expect("a retransmission timer");
    assert!(due > at(10), "timer due at {due:?}");
    iface.poll(net::time::Instant(due.millis() - 1), &mut dev);
    assert!(dev.take_tx().is_empty(), "retransmitted early");
    iface.poll(due, &mut dev);
    let again = only_sent(&mut dev);
    assert_eq!(flags_of(&again), Flags::SYN | Flags::ACK);
    assert_eq!(again.repr.seq_number, first.repr.seq_number);
}
