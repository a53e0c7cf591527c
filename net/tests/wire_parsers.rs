//! The `wire` parsers and emitters against packets written out byte by byte,
//! with checksums computed by hand (the arithmetic is in the comments).

use std::net::Ipv4Addr;

use net::wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use net::wire::ethernet::{EtherType, EthernetAddress, EthernetFrame, EthernetRepr, WireError};
use net::wire::icmp::{IcmpPacket, IcmpRepr};
use net::wire::ipv4::{Ipv4Packet, Ipv4Repr, Protocol};
use net::wire::udp::{UdpPacket, UdpRepr};

/// An ARP request as Wireshark shows one: 52:54:00:12:34:56 (10.0.2.3) asks
/// for 10.0.2.15. Ethernet header, then the 28-byte ARP packet.
const ARP_REQUEST_FRAME: [u8; 42] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination: broadcast
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, // source
    0x08, 0x06, // EtherType: ARP
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, // Ethernet, IPv4, lengths 6 and 4
    0x00, 0x01, // request
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x02, 0x03, // sender
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x0f, // target
];

// ANCHOR: textbook_header
/// The IPv4 header from the Wikipedia "Internet checksum" example:
/// 192.168.0.1 -> 192.168.0.199, UDP, DF, TTL 64, total length 0x73.
/// Sum of its words with the checksum zeroed:
/// 4500+0073+0000+4000+4011+c0a8+0001+c0a8+00c7 = 0x2479c,
/// folded 0x479c+0x2 = 0x479e, complemented = 0xb861.
const TEXTBOOK_IPV4_HEADER: [u8; 20] = [
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
    0xc0, 0xa8, 0x00, 0xc7,
];
// ANCHOR_END: textbook_header

/// Echo request, ident 0x1234, seq 1, data "hi".
/// 0800+1234+0001+6869 = 0x829e, complemented = 0x7d61.
const ECHO_REQUEST: [u8; 10] = [0x08, 0x00, 0x7d, 0x61, 0x12, 0x34, 0x00, 0x01, b'h', b'i'];
/// The matching reply: the type word drops by 0x0800, so the checksum rises
/// by 0x0800 (RFC 1624): 0x8561.
const ECHO_REPLY: [u8; 10] = [0x00, 0x00, 0x85, 0x61, 0x12, 0x34, 0x00, 0x01, b'h', b'i'];

/// UDP 10.0.2.2:5000 -> 10.0.2.15:7, data "hi". Pseudo-header
/// 0a00+0202+0a00+020f+0011+000a = 0x182c; datagram
/// 1388+0007+000a+0000+6869 = 0x7c02; total 0x942e, complemented = 0x6bd1.
const UDP_DATAGRAM: [u8; 10] = [0x13, 0x88, 0x00, 0x07, 0x00, 0x0a, 0x6b, 0xd1, b'h', b'i'];
const UDP_SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
const UDP_DST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 15);

fn textbook_ipv4_packet() -> Vec<u8> {
    let mut packet = TEXTBOOK_IPV4_HEADER.to_vec();
    packet.resize(0x73, 0);
    packet
}

#[test]
fn ethernet_fields_come_from_fixed_offsets() {
    let frame = EthernetFrame::new_checked(&ARP_REQUEST_FRAME).unwrap();
    assert!(frame.dst().is_broadcast());
    assert_eq!(
        frame.src(),
        EthernetAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
    );
    assert_eq!(frame.ethertype(), EtherType::Arp);
    assert_eq!(frame.payload().len(), 28);
}

#[test]
fn ethernet_repr_emits_the_same_header() {
    let frame = EthernetFrame::new_checked(&ARP_REQUEST_FRAME).unwrap();
    let mut out = [0u8; 14];
    EthernetRepr::parse(&frame).emit(&mut out).unwrap();
    assert_eq!(out, ARP_REQUEST_FRAME[..14]);
    assert_eq!(
        EthernetRepr::parse(&frame).emit(&mut [0; 13]),
        Err(WireError::BufferTooSmall)
    );
}

#[test]
fn ethertype_numbers_round_trip() {
    for value in [0x0800u16, 0x0806, 0x86dd, 0] {
        assert_eq!(u16::from(EtherType::from(value)), value);
    }
    assert_eq!(EtherType::from(0x86dd), EtherType::Unknown(0x86dd));
}

#[test]
fn mac_address_kinds_and_display() {
    let mac = EthernetAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
    assert!(mac.is_unicast() && !mac.is_multicast());
    assert!(EthernetAddress::BROADCAST.is_multicast());
    assert!(EthernetAddress([0x01, 0x00, 0x5e, 0, 0, 1]).is_multicast());
    assert_eq!(std::format!("{mac}"), "52:54:00:12:34:56");
}

#[test]
fn arp_request_fields_parse() {
    let arp = ArpRepr::parse(&ArpPacket::new_checked(&ARP_REQUEST_FRAME[14..]).unwrap());
    assert_eq!(arp.operation, ArpOperation::Request);
    assert_eq!(
        arp.sender_mac,
        EthernetAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
    );
    assert_eq!(arp.sender_ip, Ipv4Addr::new(10, 0, 2, 3));
    assert_eq!(arp.target_mac, EthernetAddress([0; 6]));
    assert_eq!(arp.target_ip, Ipv4Addr::new(10, 0, 2, 15));
}

#[test]
fn arp_repr_emits_the_captured_bytes() {
    let arp = ArpRepr::parse(&ArpPacket::new_checked(&ARP_REQUEST_FRAME[14..]).unwrap());
    let mut out = [0u8; 28];
    arp.emit(&mut out).unwrap();
    assert_eq!(out, ARP_REQUEST_FRAME[14..]);
    assert_eq!(arp.emit(&mut [0; 27]), Err(WireError::BufferTooSmall));
}

#[test]
fn arp_ignores_ethernet_padding() {
    let mut padded = ARP_REQUEST_FRAME[14..].to_vec();
    padded.extend_from_slice(&[0; 18]);
    let arp = ArpPacket::new_checked(&padded).unwrap();
    assert_eq!(arp.target_ip(), Ipv4Addr::new(10, 0, 2, 15));
}

#[test]
fn arp_for_other_networks_or_operations_is_unsupported() {
    // (offset, value): hardware type 6 (IEEE 802), protocol IPv6,
    // hardware length 8, protocol length 16, operation 3 (RARP request).
    for (offset, value) in [(1, 6), (2, 0x86), (4, 8), (5, 16), (7, 3)] {
        let mut packet = ARP_REQUEST_FRAME[14..].to_vec();
        packet[offset] = value;
        assert_eq!(
            ArpPacket::new_checked(&packet).err(),
            Some(WireError::Unsupported),
            "byte {offset} = {value}"
        );
    }
}

#[test]
fn textbook_ipv4_header_parses() {
    let bytes = textbook_ipv4_packet();
    let ip = Ipv4Packet::new_checked(&bytes).unwrap();
    assert_eq!(ip.src(), Ipv4Addr::new(192, 168, 0, 1));
    assert_eq!(ip.dst(), Ipv4Addr::new(192, 168, 0, 199));
    assert_eq!(ip.protocol(), Protocol::Udp);
    assert_eq!((ip.ttl(), ip.header_len(), ip.total_len()), (64, 20, 0x73));
    assert!(ip.dont_fragment() && !ip.is_fragment());
    assert_eq!(ip.payload().len(), 0x73 - 20);
}

#[test]
fn ipv4_repr_emits_hand_computed_checksum() {
    // The textbook header without DF: the sum drops by 0x4000 to 0x079e,
    // so the checksum is !0x079e = 0xf861.
    let repr = Ipv4Repr {
        src: Ipv4Addr::new(192, 168, 0, 1),
        dst: Ipv4Addr::new(192, 168, 0, 199),
        protocol: Protocol::Udp,
        ttl: 64,
        ident: 0,
        dont_fragment: false,
    };
    let mut out = [0u8; 0x73];
    assert_eq!(repr.emit(&mut out, &[0; 0x73 - 20]), Ok(0x73));
    let mut expected = TEXTBOOK_IPV4_HEADER;
    expected[6] = 0;
    expected[10..12].copy_from_slice(&[0xf8, 0x61]);
    assert_eq!(out[..20], expected);
    assert_eq!(
        Ipv4Repr::parse(&Ipv4Packet::new_checked(&out).unwrap()),
        repr
    );
}

#[test]
fn ipv4_repr_refuses_small_buffers() {
    let repr = Ipv4Repr {
        src: Ipv4Addr::new(10, 0, 0, 1),
        dst: Ipv4Addr::new(10, 0, 0, 2),
        protocol: Protocol::Icmp,
        ttl: 1,
        ident: 7,
        dont_fragment: false,
    };
    assert_eq!(
        repr.emit(&mut [0; 23], &[1, 2, 3, 4]),
        Err(WireError::BufferTooSmall)
    );
    assert_eq!(repr.emit(&mut [0; 24], &[1, 2, 3, 4]), Ok(24));
}

#[test]
fn ipv4_header_errors_are_told_apart() {
    let good = textbook_ipv4_packet();
    let with = |offset: usize, value: u8| {
        let mut p = good.clone();
        p[offset] = value;
        Ipv4Packet::new_checked(&p).err()
    };
    assert_eq!(with(0, 0x65), Some(WireError::BadVersion)); // IPv6 nibble
    assert_eq!(with(0, 0x44), Some(WireError::BadLength)); // IHL 4 < 5
    assert_eq!(with(0, 0x4f), Some(WireError::BadChecksum)); // 60-byte header fits
    assert_eq!(with(3, 0x13), Some(WireError::BadLength)); // total 19 < header
    assert_eq!(with(2, 0x01), Some(WireError::Truncated)); // total 0x173 > buffer
    assert_eq!(with(8, 0x3f), Some(WireError::BadChecksum)); // TTL changed
    assert_eq!(
        Ipv4Packet::new_checked(&good[..24]).err(),
        Some(WireError::Truncated)
    );
    let mut short = good[..20].to_vec();
    short[0] = 0x46; // claims 24 bytes of header in a 20-byte buffer
    assert_eq!(
        Ipv4Packet::new_checked(&short).err(),
        Some(WireError::Truncated)
    );
}

#[test]
fn ipv4_payload_stops_at_total_length() {
    let mut padded = textbook_ipv4_packet();
    padded.extend_from_slice(&[0xee; 10]);
    let ip = Ipv4Packet::new_checked(&padded).unwrap();
    assert_eq!(ip.total_len(), 0x73);
    assert!(ip.payload().iter().all(|&b| b == 0));
}

#[test]
fn ipv4_options_are_skipped() {
    // IHL 6: one 4-byte option word (four NOPs), then 2 bytes of payload.
    let mut p = vec![
        0x46, 0, 0, 26, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    p.extend_from_slice(&[1, 1, 1, 1, 0xab, 0xcd]);
    let sum = net::wire::checksum::checksum(&p[..24]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    let ip = Ipv4Packet::new_checked(&p).unwrap();
    assert_eq!(ip.header_len(), 24);
    assert_eq!(ip.header().len(), 24);
    assert_eq!(ip.payload(), &[0xab, 0xcd]);
}

#[test]
fn ipv4_fragments_are_recognised() {
    // (flags/offset word, is a fragment): DF alone, MF, offset 8, MF+offset.
    for (word, fragment) in [
        (0x4000u16, false),
        (0x2000, true),
        (0x0001, true),
        (0x2001, true),
    ] {
        let mut p = textbook_ipv4_packet();
        p[6..8].copy_from_slice(&word.to_be_bytes());
        p[10..12].copy_from_slice(&[0, 0]);
        let sum = net::wire::checksum::checksum(&p[..20]);
        p[10..12].copy_from_slice(&sum.to_be_bytes());
        let ip = Ipv4Packet::new_checked(&p).unwrap();
        assert_eq!(ip.is_fragment(), fragment, "flags {word:#06x}");
    }
}

#[test]
fn echo_request_parses() {
    let packet = IcmpPacket::new_checked(&ECHO_REQUEST).unwrap();
    assert_eq!(packet.checksum(), 0x7d61);
    let expected = IcmpRepr::EchoRequest {
        ident: 0x1234,
        seq_no: 1,
        data: b"hi",
    };
    assert_eq!(IcmpRepr::parse(&packet), Ok(expected));
}

#[test]
fn echo_reply_emits_hand_computed_checksum() {
    let reply = IcmpRepr::EchoReply {
        ident: 0x1234,
        seq_no: 1,
        data: b"hi",
    };
    let mut out = [0u8; 10];
    assert_eq!(reply.emit(&mut out), Ok(10));
    assert_eq!(out, ECHO_REPLY);
    assert_eq!(reply.emit(&mut [0; 9]), Err(WireError::BufferTooSmall));
}

#[test]
fn icmp_with_bad_checksum_is_rejected() {
    let mut bad = ECHO_REQUEST;
    bad[9] ^= 1;
    assert_eq!(
        IcmpPacket::new_checked(&bad).err(),
        Some(WireError::BadChecksum)
    );
}

#[test]
fn icmp_types_we_do_not_speak_parse_but_are_unsupported() {
    // Timestamp request (type 13), and an echo request with code 1.
    for (msg_type, code) in [(13u8, 0u8), (8, 1)] {
        let mut m = vec![msg_type, code, 0, 0, 0, 0, 0, 0];
        let sum = net::wire::checksum::checksum(&m);
        m[2..4].copy_from_slice(&sum.to_be_bytes());
        let packet = IcmpPacket::new_checked(&m).unwrap();
        assert_eq!(IcmpRepr::parse(&packet), Err(WireError::Unsupported));
    }
}

#[test]
fn dst_unreachable_round_trips() {
    let original = [0x45u8; 28];
    let repr = IcmpRepr::DstUnreachable {
        code: 3,
        original: &original,
    };
    let mut out = [0u8; 36];
    assert_eq!(repr.emit(&mut out), Ok(36));
    assert_eq!(&out[..2], &[3, 3]);
    assert_eq!(&out[4..8], &[0, 0, 0, 0]); // "unused" must be zero
    assert_eq!(
        IcmpRepr::parse(&IcmpPacket::new_checked(&out).unwrap()),
        Ok(repr)
    );
}

#[test]
fn udp_datagram_parses() {
    let udp = UdpPacket::new_checked(&UDP_DATAGRAM, UDP_SRC, UDP_DST).unwrap();
    assert_eq!((udp.src_port(), udp.dst_port(), udp.len()), (5000, 7, 10));
    assert_eq!(udp.payload(), b"hi");
    assert_eq!(
        UdpRepr::parse(&udp),
        UdpRepr {
            src_port: 5000,
            dst_port: 7
        }
    );
}

#[test]
fn udp_checksum_catches_a_datagram_for_another_host() {
    let elsewhere = Ipv4Addr::new(10, 0, 2, 16);
    assert_eq!(
        UdpPacket::new_checked(&UDP_DATAGRAM, UDP_SRC, elsewhere).err(),
        Some(WireError::BadChecksum)
    );
}

#[test]
fn udp_zero_checksum_means_not_computed() {
    let mut d = UDP_DATAGRAM;
    d[6..8].copy_from_slice(&[0, 0]);
    let other = Ipv4Addr::new(1, 2, 3, 4);
    assert!(UdpPacket::new_checked(&d, other, other).is_ok());
}

#[test]
fn udp_repr_emits_hand_computed_checksum() {
    let repr = UdpRepr {
        src_port: 5000,
        dst_port: 7,
    };
    let mut out = [0u8; 10];
    assert_eq!(repr.emit(&mut out, UDP_SRC, UDP_DST, b"hi"), Ok(10));
    assert_eq!(out, UDP_DATAGRAM);
    assert_eq!(
        repr.emit(&mut [0; 9], UDP_SRC, UDP_DST, b"hi"),
        Err(WireError::BufferTooSmall)
    );
}

#[test]
fn udp_checksum_of_zero_is_sent_as_all_ones() {
    // Data 0xd43a brings the sum to 0xffff (0x942e - 0x6869 + 0xd43a),
    // whose complement is 0: RFC 768 says to send 0xffff instead.
    let repr = UdpRepr {
        src_port: 5000,
        dst_port: 7,
    };
    let mut out = [0u8; 10];
    repr.emit(&mut out, UDP_SRC, UDP_DST, &[0xd4, 0x3a])
        .unwrap();
    assert_eq!(&out[6..8], &[0xff, 0xff]);
    assert!(UdpPacket::new_checked(&out, UDP_SRC, UDP_DST).is_ok());
}

#[test]
fn udp_length_field_is_checked_against_the_buffer() {
    let with_len = |len: u16, buf_len: usize| {
        let mut d = UDP_DATAGRAM.to_vec();
        d.resize(buf_len, 0);
        d[4..6].copy_from_slice(&len.to_be_bytes());
        d[6..8].copy_from_slice(&[0, 0]); // no checksum: test lengths alone
        UdpPacket::new_checked(&d, UDP_SRC, UDP_DST).map(|u| u.payload().len())
    };
    assert_eq!(with_len(7, 10), Err(WireError::BadLength));
    assert_eq!(with_len(11, 10), Err(WireError::Truncated));
    assert_eq!(with_len(10, 10), Ok(2));
    assert_eq!(with_len(9, 10), Ok(1)); // shorter: extra bytes ignored
    assert_eq!(with_len(8, 8), Ok(0));
}
