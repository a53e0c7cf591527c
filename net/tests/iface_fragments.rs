//! IPv4 fragments in both directions: reassembly of what arrives in pieces
//! (RFC 791 §3.2, RFC 1122 §3.3.2), with every limit and every hostile
//! pattern (overlaps, tiny pieces, floods of unfinished datagrams), and
//! fragmentation of what we send that does not fit in one frame.

mod common;

use common::*;
use net::iface::reassembly::{MAX_DATAGRAMS, MAX_FRAGMENTS, MEMORY_LIMIT, TIMEOUT};
use net::wire::ethernet::EthernetFrame;
use net::wire::icmp::{IcmpPacket, IcmpRepr};
use net::wire::ipv4::{Ipv4Packet, Protocol};

/// A 3000-byte ping, as `ping -s 3000` sends it: ICMP header + 3000 bytes.
fn big_echo(seq_no: u16) -> Vec<u8> {
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 3) as u8).collect();
    icmp_echo(8, 0x4242, seq_no, &data)
}

/// The IPv4 packets in what the interface sent.
fn sent_packets(dev: &mut MockDevice) -> Vec<Vec<u8>> {
    dev.take_tx()
        .iter()
        .map(|frame| {
            let eth = EthernetFrame::new_checked(frame).unwrap();
            Ipv4Packet::new_checked(eth.payload())
                .unwrap()
                .as_bytes()
                .to_vec()
        })
        .collect()
}

/// Puts our own fragments back together the simple way: checks that they
/// share an identification, are in order and contiguous, then joins them.
fn join(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut payload = Vec::new();
    let first = Ipv4Packet::new_checked(&packets[0]).unwrap();
    for (i, bytes) in packets.iter().enumerate() {
        let p = Ipv4Packet::new_checked(bytes).unwrap();
        assert_eq!(p.ident(), first.ident(), "one identification");
        assert_eq!(p.fragment_offset(), payload.len(), "contiguous, in order");
        assert_eq!(
            p.more_fragments(),
            i + 1 < packets.len(),
            "MF on all but the last"
        );
        assert!(!p.dont_fragment());
        payload.extend_from_slice(p.payload());
    }
    payload
}

fn echo_reply_of(request: &[u8]) -> Vec<u8> {
    let mut reply = request.to_vec();
    reply[0] = 0;
    reply[2..4].copy_from_slice(&[0, 0]);
    let sum = net::wire::checksum::checksum(&reply);
    reply[2..4].copy_from_slice(&sum.to_be_bytes());
    reply
}

#[test]
fn ping_of_3000_bytes_in_three_fragments_is_answered_in_fragments() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let request = big_echo(1);
    deliver(
        &mut iface,
        &mut dev,
        at(1),
        &fragments_from_peer(PROTO_ICMP, 7, 1480, &request),
    );
    let reply = sent_packets(&mut dev);
    // 20 + 3008 = 3028 bytes of datagram: 1480 + 1480 + 48 of payload.
    let sizes: Vec<_> = reply.iter().map(|p| p.len()).collect();
    assert_eq!(sizes, [1500, 1500, 68]);
    assert_eq!(join(&reply), echo_reply_of(&request));
    let c = iface.counters();
    assert_eq!((c.ipv4_fragments, c.frag_reassembled), (3, 1));
    assert_eq!(iface.reassembly_usage(), (0, 0), "nothing left behind");
}

#[test]
fn fragments_in_any_order_are_reassembled() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let request = big_echo(2);
    let mut pieces = fragments_from_peer(PROTO_ICMP, 8, 512, &request);
    pieces.reverse();
    pieces.swap(1, 3);
    deliver(&mut iface, &mut dev, at(1), &pieces);
    assert_eq!(join(&sent_packets(&mut dev)), echo_reply_of(&request));
    assert_eq!(iface.counters().frag_reassembled, 1);
}

#[test]
fn exact_duplicate_fragment_is_harmless() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let request = big_echo(3);
    let pieces = fragments_from_peer(PROTO_ICMP, 9, 1480, &request);
    let with_duplicate = [
        pieces[0].clone(),
        pieces[0].clone(),
        pieces[1].clone(),
        pieces[2].clone(),
    ];
    deliver(&mut iface, &mut dev, at(1), &with_duplicate);
    assert_eq!(join(&sent_packets(&mut dev)), echo_reply_of(&request));
    assert_eq!(iface.counters().frag_overlaps, 0);
}

#[test]
fn reassembled_udp_reaches_its_socket() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(5000).unwrap();
    let data: Vec<u8> = (0..4000u32).map(|i| i as u8).collect();
    let datagram = udp(PEER_IP, OUR_IP, 6000, 5000, &data);
    deliver(
        &mut iface,
        &mut dev,
        at(0),
        &fragments_from_peer(PROTO_UDP, 1, 1480, &datagram),
    );
    let (from, received) = iface.udp_recv_from(socket).unwrap();
    assert_eq!((from.port(), received), (6000, data));
}

#[test]
fn overlapping_fragments_discard_the_datagram_and_its_later_pieces() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let request = big_echo(4);
    let pieces = fragments_from_peer(PROTO_ICMP, 10, 1480, &request);
    // A second "first piece" that covers bytes 8..1488 with other data: the
    // teardrop shape. Which copy should win? Neither: the datagram goes.
    let overlap = fragment_from_peer(PROTO_ICMP, 10, 8, true, &[0xee; 1480]);
    deliver(&mut iface, &mut dev, at(1), &[pieces[0].clone(), overlap]);
    deliver(&mut iface, &mut dev, at(2), &pieces[1..]);
    assert!(dev.tx.is_empty(), "no reply to a datagram with an overlap");
    let c = iface.counters();
    assert_eq!(
        (c.frag_overlaps, c.frag_late, c.frag_reassembled),
        (1, 2, 0)
    );
    assert_eq!(iface.reassembly_usage().0, 0, "its memory is freed at once");
}

#[test]
fn pieces_that_disagree_about_the_end_are_an_overlap() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    // Two different last pieces, then data past the first one's end.
    let a = fragment_from_peer(PROTO_ICMP, 11, 1480, false, &[1; 100]);
    let b = fragment_from_peer(PROTO_ICMP, 11, 1480, false, &[1; 200]);
    let c = fragment_from_peer(PROTO_ICMP, 12, 1480, false, &[1; 100]);
    let d = fragment_from_peer(PROTO_ICMP, 12, 2000, true, &[1; 80]);
    deliver(&mut iface, &mut dev, at(0), &[a, b, c, d]);
    assert_eq!(iface.counters().frag_overlaps, 2);
}

#[test]
fn tiny_and_malformed_fragments_are_refused_by_name() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let frames = [
        // 20 + 8 bytes with more to follow: no link needs pieces that small.
        fragment_from_peer(PROTO_TCP, 1, 0, true, &[0; 8]),
        // More follows, but 100 is not a multiple of 8.
        fragment_from_peer(PROTO_UDP, 2, 0, true, &[0; 100]),
        // Would end past 65535 bytes: the "ping of death".
        fragment_from_peer(PROTO_ICMP, 3, 65528, false, &[0; 100]),
    ];
    deliver(&mut iface, &mut dev, at(0), &frames);
    let c = iface.counters();
    assert_eq!((c.frag_tiny, c.frag_malformed), (1, 2));
    assert_eq!(iface.reassembly_usage(), (0, 0), "nothing was kept");
}

#[test]
fn too_many_pieces_discard_the_datagram() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    // Pieces of 48 bytes (68 with the header), never a last one.
    let frames: Vec<_> = (0..=MAX_FRAGMENTS)
        .map(|i| fragment_from_peer(PROTO_UDP, 5, i * 48, true, &[0; 48]))
        .collect();
    deliver_all(&mut iface, &mut dev, at(0), &frames);
    let c = iface.counters();
    assert_eq!((c.frag_too_many, c.frag_tiny), (1, 0));
    assert_eq!(iface.reassembly_usage().0, 0);
}

#[test]
fn thousands_of_unfinished_datagrams_stay_bounded_and_ping_still_works() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let flood: Vec<_> = (0..5000u16)
        .map(|ident| fragment_from_peer(PROTO_UDP, ident, 0, true, &[0xaa; 1480]))
        .collect();
    for chunk in flood.chunks(100) {
        deliver_all(&mut iface, &mut dev, at(1), chunk);
        let (memory, datagrams) = iface.reassembly_usage();
        assert!(datagrams <= MAX_DATAGRAMS && memory <= MEMORY_LIMIT);
    }
    assert_eq!(iface.counters().frag_evicted, 5000 - MAX_DATAGRAMS as u64);
    // A real datagram whose pieces come together still gets through.
    let request = big_echo(5);
    deliver(
        &mut iface,
        &mut dev,
        at(2),
        &fragments_from_peer(PROTO_ICMP, 60000, 1480, &request),
    );
    assert_eq!(join(&sent_packets(&mut dev)), echo_reply_of(&request));
}

#[test]
fn memory_bound_holds_against_big_unfinished_datagrams() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    // Each datagram: 44 of its 45 pieces of 1480 bytes (no last piece), so
    // about 65 KiB held per datagram; 12 of them would be 780 KiB.
    for ident in 0..12u16 {
        let frames: Vec<_> = (0..44)
            .map(|i| fragment_from_peer(PROTO_UDP, ident, i * 1480, true, &[1; 1480]))
            .collect();
        deliver_all(&mut iface, &mut dev, at(u64::from(ident)), &frames);
        assert!(iface.reassembly_usage().0 <= MEMORY_LIMIT);
    }
    let (memory, datagrams) = iface.reassembly_usage();
    assert!(
        memory > MEMORY_LIMIT - 66_000,
        "the limit is used, not undercut"
    );
    assert!(datagrams < 12);
    assert_eq!(iface.counters().frag_evicted, 12 - datagrams as u64);
}

#[test]
fn unfinished_datagram_times_out_with_icmp_time_exceeded() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let request = big_echo(6);
    let pieces = fragments_from_peer(PROTO_ICMP, 13, 1480, &request);
    deliver(&mut iface, &mut dev, at(1000), &pieces[..2]);
    // A second datagram whose first piece never came: no message for it.
    let headless = fragment_from_peer(PROTO_ICMP, 14, 1480, false, &[0; 48]);
    deliver(&mut iface, &mut dev, at(1000), &[headless]);
    let deadline = 1000 + TIMEOUT.millis();
    assert_eq!(iface.poll_at(), Some(at(deadline)));
    iface.poll(at(deadline - 1), &mut dev);
    assert_eq!(iface.counters().frag_timeouts, 0, "not a millisecond early");
    iface.poll(at(deadline), &mut dev);
    assert_eq!(iface.counters().frag_timeouts, 2);
    let sent = sent_packets(&mut dev);
    assert_eq!(sent.len(), 1);
    let ip = Ipv4Packet::new_checked(&sent[0]).unwrap();
    let icmp = IcmpPacket::new_checked(ip.payload()).unwrap();
    let Ok(IcmpRepr::TimeExceeded { code: 1, original }) = IcmpRepr::parse(&icmp) else {
        panic!("expected time exceeded, code 1");
    };
    // The first piece's header and its first 8 data bytes (RFC 792).
    let first = Ipv4Packet::new_checked(&pieces[0][14..]).unwrap();
    assert_eq!(original, &first.as_bytes()[..28]);
    assert_eq!(iface.reassembly_usage(), (0, 0));
    // Pieces that come after the deadline start afresh, and are not lost.
    deliver(&mut iface, &mut dev, at(deadline + 1), &pieces[..1]);
    assert_eq!(iface.reassembly_usage().1, 1);
}

#[test]
fn big_datagrams_leave_in_fragments() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    learn_peer(&mut iface, &mut dev, at(0));
    let payload: Vec<u8> = (0..4000u32).map(|i| (i % 251) as u8).collect();
    iface
        .send_ipv4(at(1), PEER_IP, Protocol::Udp, &payload)
        .unwrap();
    iface.poll(at(1), &mut dev);
    let packets = sent_packets(&mut dev);
    let offsets: Vec<_> = packets
        .iter()
        .map(|p| Ipv4Packet::new_checked(p).unwrap().fragment_offset())
        .collect();
    assert_eq!(offsets, [0, 1480, 2960]);
    assert_eq!(join(&packets), payload);
    // The largest datagram: 45 frames, the last with 1515 - 44 * 1480 bytes.
    iface
        .send_ipv4(at(1), PEER_IP, Protocol::Udp, &[0; 65515])
        .unwrap();
    iface.poll(at(1), &mut dev);
    let packets = sent_packets(&mut dev);
    assert_eq!(packets.len(), 45);
    assert_eq!(join(&packets).len(), 65515);
}
