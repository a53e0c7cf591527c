//! Every parser against every prefix of a valid packet, and against every
//! single-bit corruption of it: the result must be `Ok` or `Err`, never a
//! panic, and a packet cut short of what its header promises must be `Err`.

mod common;

use std::net::Ipv4Addr;

use common::*;
use net::wire::arp::ArpPacket;
use net::wire::ethernet::{EthernetFrame, WireError};
use net::wire::icmp::{IcmpPacket, IcmpRepr};
use net::wire::ipv4::Ipv4Packet;
use net::wire::udp::UdpPacket;

const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const DST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

/// Each prefix of `valid` shorter than `min_ok` must fail; `valid` itself
/// must parse.
fn check_prefixes(valid: &[u8], min_ok: usize, parse: impl Fn(&[u8]) -> bool) {
    assert!(parse(valid), "the valid packet itself must parse");
    for len in 0..min_ok.min(valid.len()) {
        assert!(!parse(&valid[..len]), "prefix of {len} bytes was accepted");
    }
    for len in min_ok..valid.len() {
        let _ = parse(&valid[..len]); // any verdict, but no panic
    }
}

/// Flips each bit of `valid` in turn and parses the result.
fn flip_every_bit(valid: &[u8], parse: impl Fn(&[u8]) -> bool) -> usize {
    let mut rejected = 0;
    for bit in 0..valid.len() * 8 {
        let mut p = valid.to_vec();
        p[bit / 8] ^= 1 << (bit % 8);
        if !parse(&p) {
            rejected += 1;
        }
    }
    rejected
}

#[test]
fn ethernet_needs_fourteen_bytes() {
    let frame = ethernet(OUR_MAC, PEER_MAC, 0x0800, &[]);
    check_prefixes(&frame, 14, |b| EthernetFrame::new_checked(b).is_ok());
    for len in 0..14 {
        assert_eq!(
            EthernetFrame::new_checked(&frame[..len]).err(),
            Some(WireError::Truncated)
        );
    }
}

#[test]
fn arp_needs_twenty_eight_bytes() {
    let packet = arp(1, PEER_MAC, SRC, OUR_MAC, DST);
    check_prefixes(&packet, 28, |b| ArpPacket::new_checked(b).is_ok());
}

#[test]
fn arp_rejects_every_corruption_of_its_type_fields() {
    let packet = arp(2, PEER_MAC, SRC, OUR_MAC, DST);
    // Bytes 0..8 name hardware, protocol, both lengths and the operation.
    // One flipped bit there always gives an unsupported value: no single
    // flip turns operation 2 into 1.
    let rejected = flip_every_bit(&packet[..8], |b| {
        let mut p = b.to_vec();
        p.extend_from_slice(&packet[8..]);
        ArpPacket::new_checked(&p).is_ok()
    });
    assert_eq!(rejected, 64);
}

#[test]
fn ipv4_prefix_shorter_than_total_length_is_rejected() {
    let packet = ipv4(SRC, DST, PROTO_UDP, &[7; 30]);
    check_prefixes(&packet, packet.len(), |b| {
        Ipv4Packet::new_checked(b).is_ok()
    });
}

#[test]
fn ipv4_header_bit_flips_never_pass_unnoticed() {
    let packet = ipv4(SRC, DST, PROTO_UDP, &[7; 30]);
    // The checksum detects every single-bit error in the header (RFC 1071),
    // and the other checks catch flips that break the layout first.
    let accepted = 160
        - flip_every_bit(&packet[..20], |b| {
            let mut p = b.to_vec();
            p.extend_from_slice(&packet[20..]);
            Ipv4Packet::new_checked(&p).is_ok()
        });
    assert_eq!(accepted, 0);
}

#[test]
fn icmp_needs_its_eight_byte_header() {
    let message = icmp_echo(8, 1, 2, b"payload");
    check_prefixes(&message, 8, |b| IcmpPacket::new_checked(b).is_ok());
    for len in 0..8 {
        assert_eq!(
            IcmpPacket::new_checked(&message[..len]).err(),
            Some(WireError::Truncated)
        );
    }
}

#[test]
fn icmp_bit_flips_are_caught_by_the_checksum() {
    let message = icmp_echo(8, 1, 2, b"payload");
    let rejected = flip_every_bit(&message, |b| {
        IcmpPacket::new_checked(b).is_ok_and(|p| IcmpRepr::parse(&p).is_ok())
    });
    assert_eq!(rejected, message.len() * 8);
}

#[test]
fn udp_prefix_shorter_than_its_length_is_rejected() {
    let datagram = udp(SRC, DST, 1234, 53, &[9; 21]);
    check_prefixes(&datagram, datagram.len(), |b| {
        UdpPacket::new_checked(b, SRC, DST).is_ok()
    });
}

#[test]
fn udp_bit_flips_are_caught_by_the_checksum_or_length() {
    let datagram = udp(SRC, DST, 1234, 53, &[9; 21]);
    let rejected = flip_every_bit(&datagram, |b| UdpPacket::new_checked(b, SRC, DST).is_ok());
    assert_eq!(rejected, datagram.len() * 8);
}
