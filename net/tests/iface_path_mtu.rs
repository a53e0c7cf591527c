//! Path-MTU discovery (RFC 1191) through the interface: our TCP segments
//! carry DF; an ICMP "fragmentation needed" that quotes one of them, with
//! a sequence number in flight (RFC 5927 §4.1), lowers the connection's
//! MSS and the lost segments go again, smaller. Forged or stale messages
//! are ignored and counted.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::*;
use net::iface::Interface;
use net::tcp::{SocketHandle, TcpConfig, TcpTable};
use net::wire::ethernet::EthernetFrame;
use net::wire::ipv4::Ipv4Packet;
use net::wire::tcp::{Flags, SackBlocks, TcpPacket, TcpRepr};

const PORT: u16 = 80;
const PEER_PORT: u16 = 40000;
const PEER_ISN: u32 = 1000;

fn segment(flags: Flags, seq: u32, ack: u32) -> Vec<u8> {
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
    repr.emit(PEER_IP, OUR_IP, &[], &mut bytes);
    from_peer(PROTO_TCP, &bytes)
}

/// A frame we sent: its IPv4 packet, TCP header and payload length.
type Sent = (Vec<u8>, TcpRepr, usize);

/// Each frame sent so far.
fn sent(dev: &mut MockDevice) -> Vec<Sent> {
    dev.take_tx()
        .iter()
        .map(|frame| {
            let eth = EthernetFrame::new_checked(frame).unwrap();
            let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
            let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
            (
                ip.as_bytes().to_vec(),
                TcpRepr::parse(&tcp),
                tcp.payload().len(),
            )
        })
        .collect()
}

/// An established connection that has just sent 3 full segments (the
/// initial window) of a 20000-byte write. Returns the interface, the
/// device, the socket and the packets sent.
fn sending() -> (Interface, MockDevice, SocketHandle, Vec<Sent>) {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let config = TcpConfig {
        ack_delay: None,
        ..TcpConfig::default()
    };
    iface.attach_tcp(TcpTable::new(config, *b"path-mtu-secret!"));
    let any = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT);
    let listener = iface.tcp_mut().unwrap().listen(any, 4).unwrap();
    learn_peer(&mut iface, &mut dev, at(0));
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &[segment(Flags::SYN, PEER_ISN, 0)],
    );
    let our_isn = sent(&mut dev)[0].1.seq_number;
    let ack = segment(Flags::ACK, PEER_ISN + 1, our_isn.wrapping_add(1));
    deliver(&mut iface, &mut dev, at(2), &[ack]);
    let tcp = iface.tcp_mut().unwrap();
    let conn = tcp.accept(listener).unwrap();
    tcp.send(conn, &[0x5a; 20000]).unwrap();
    iface.poll(at(3), &mut dev);
    let flight = sent(&mut dev);
    assert_eq!(flight.len(), 3);
    (iface, dev, conn, flight)
}

/// A router's "fragmentation needed" (type 3, code 4) quoting `packet`'s
/// header and first 8 data bytes, from the gateway.
fn frag_needed(packet: &[u8], next_hop_mtu: u16) -> Vec<u8> {
    let mut message = vec![3, 4, 0, 0, 0, 0];
    message.extend_from_slice(&next_hop_mtu.to_be_bytes());
    message.extend_from_slice(&packet[..28]);
    let sum = net::wire::checksum::checksum(&message);
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    let ip = ipv4(GATEWAY_IP, OUR_IP, PROTO_ICMP, &message);
    ethernet(OUR_MAC, GATEWAY_MAC, ETHERTYPE_IPV4, &ip)
}

#[test]
fn tcp_segments_carry_dont_fragment() {
    let (_, _, _, flight) = sending();
    for (packet, _, _) in &flight {
        assert!(Ipv4Packet::new_checked(packet).unwrap().dont_fragment());
    }
}

#[test]
fn fragmentation_needed_lowers_the_mss_and_resends_smaller() {
    let (mut iface, mut dev, conn, flight) = sending();
    // A tunnel on the way: 1400-byte MTU.
    deliver(
        &mut iface,
        &mut dev,
        at(4),
        &[frag_needed(&flight[1].0, 1400)],
    );
    let tcp = iface.tcp().unwrap();
    assert_eq!(tcp.counters().path_mtu_reductions, 1);
    let info = tcp.sockets().find(|s| s.handle == Some(conn)).unwrap();
    assert_eq!(info.send_mss, 1360);
    // The flight goes again at once, from SND.UNA, in 1360-byte pieces.
    let resent = sent(&mut dev);
    assert!(!resent.is_empty());
    assert_eq!(resent[0].1.seq_number, flight[0].1.seq_number);
    assert!(
        resent
            .iter()
            .all(|(packet, _, len)| *len <= 1360 && packet.len() <= 1400)
    );
}

#[test]
fn quoted_sequence_number_outside_the_flight_is_ignored() {
    let (mut iface, mut dev, conn, flight) = sending();
    let mut forged = flight[0].0.clone();
    // A sequence number far from anything in flight (RFC 5927 §4.1).
    let seq = flight[0].1.seq_number.wrapping_add(1_000_000);
    forged[24..28].copy_from_slice(&seq.to_be_bytes());
    // And one about a connection that does not exist (another port).
    let mut stranger = flight[0].0.clone();
    stranger[22..24].copy_from_slice(&4444u16.to_be_bytes());
    let frames = [frag_needed(&forged, 576), frag_needed(&stranger, 576)];
    deliver(&mut iface, &mut dev, at(4), &frames);
    let tcp = iface.tcp().unwrap();
    assert_eq!(tcp.counters().icmp_rejected, 2);
    assert_eq!(tcp.counters().path_mtu_reductions, 0);
    assert_eq!(
        tcp.sockets()
            .find(|s| s.handle == Some(conn))
            .unwrap()
            .send_mss,
        1460
    );
    assert!(dev.tx.is_empty(), "nothing resent");
}

#[test]
fn acknowledged_segment_is_stale_news() {
    let (mut iface, mut dev, _, flight) = sending();
    // The peer acknowledges the first segment; a message about it comes
    // late: its sequence number is below SND.UNA now.
    let first_end = flight[1].1.seq_number;
    deliver(
        &mut iface,
        &mut dev,
        at(4),
        &[segment(Flags::ACK, PEER_ISN + 1, first_end)],
    );
    dev.take_tx();
    deliver(
        &mut iface,
        &mut dev,
        at(5),
        &[frag_needed(&flight[0].0, 1400)],
    );
    assert_eq!(iface.tcp().unwrap().counters().icmp_rejected, 1);
}

#[test]
fn the_mss_never_grows_and_never_drops_below_the_floor() {
    let (mut iface, mut dev, conn, flight) = sending();
    let mss = |iface: &Interface| {
        iface
            .tcp()
            .unwrap()
            .sockets()
            .find(|s| s.handle == Some(conn))
            .unwrap()
            .send_mss
    };
    deliver(
        &mut iface,
        &mut dev,
        at(4),
        &[frag_needed(&flight[2].0, 9000)],
    );
    assert_eq!(mss(&iface), 1460, "a bigger MTU is no news");
    // 100 bytes: a forged message that wants tiny segments; 552 is the floor.
    deliver(
        &mut iface,
        &mut dev,
        at(5),
        &[frag_needed(&flight[2].0, 100)],
    );
    assert_eq!(mss(&iface), 552 - 40);
    // A router older than RFC 1191 says 0: the plateau below 1500 is 1492.
    let (mut iface, mut dev, conn, flight) = sending();
    deliver(&mut iface, &mut dev, at(4), &[frag_needed(&flight[2].0, 0)]);
    let info = iface
        .tcp()
        .unwrap()
        .sockets()
        .find(|s| s.handle == Some(conn))
        .unwrap()
        .send_mss;
    assert_eq!(info, 1492 - 40);
}
