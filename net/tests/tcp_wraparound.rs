//! Transfers whose sequence numbers cross 2^32 (RFC 9293 §3.4: all
//! arithmetic is modulo 2^32). Both directions are tested: the peer's ISN
//! is chosen by the test; ours is steered near the wrap through the clock
//! part of the RFC 6528 ISN.

mod tcp_support;

use core::net::SocketAddrV4;
use net::tcp::isn::initial_sequence_number;
use net::tcp::{State, TcpConfig};
use net::time::Instant;
use net::wire::tcp::Flags;
use tcp_support::*;

const NEAR_WRAP: u32 = u32::MAX - 1000;

#[test]
fn receiving_across_the_wrap_keeps_the_bytes_in_order() {
    let mut h = Harness::quick();
    let link = h.accept_from(NEAR_WRAP, Seg::syn(NEAR_WRAP));
    let start = link.peer_nxt;
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    // Segments 2 and 3 (which straddle the wrap) arrive before 0 and 1.
    for i in [2usize, 3, 0, 1, 4] {
        let seq = start.wrapping_add(1000 * i as u32);
        h.deliver(&Seg::ack(seq, link.host_nxt).data(&data[i * 1000..(i + 1) * 1000]));
    }
    let acks: Vec<u32> = h.poll().iter().map(|s| s.ack()).collect();
    assert_eq!(*acks.last().unwrap(), start.wrapping_add(5000));
    assert!(start.wrapping_add(5000) < 5000, "the ACK number wrapped");
    assert_eq!(h.recv_all(link.handle), data);

    h.deliver(&Seg::ack(start.wrapping_add(5000), link.host_nxt).flags(Flags::FIN));
    assert_eq!(h.table.state(link.handle), State::CloseWait);
    assert_eq!(h.poll_one().ack(), start.wrapping_add(5001));
}

/// The instant at which the host's ISN for this 4-tuple falls within
/// 250 of `target` (the clock part advances 250 per millisecond).
fn time_for_isn(local: SocketAddrV4, remote: SocketAddrV4, target: u32) -> Instant {
    let at_zero = initial_sequence_number(&SECRET, Instant::ZERO, local, remote).0;
    let ms = u64::from(target.wrapping_sub(at_zero)).div_ceil(250);
    Instant::from_millis(ms)
}

#[test]
fn sending_across_the_wrap_retransmits_and_closes_cleanly() {
    let mut h = Harness::new(TcpConfig {
        ack_delay: None,
        ..TcpConfig::default()
    });
    let local = SocketAddrV4::new(HOST, 3333);
    let remote = SocketAddrV4::new(PEER, PEER_PORT);
    h.now = time_for_isn(local, remote, NEAR_WRAP);
    let conn = h.connect_from(3333);
    let syn = h.poll_one();
    assert!(
        syn.seq() >= NEAR_WRAP && syn.seq() < NEAR_WRAP + 250,
        "ISN {}",
        syn.seq()
    );

    let iss = syn.seq();
    h.deliver(
        &Seg::syn(500)
            .acking(iss.wrapping_add(1))
            .ports(PEER_PORT, 3333),
    );
    h.poll_one();
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
    h.table.send(conn, &data).unwrap();
    let first = h.poll();
    assert_eq!(first.len(), 3, "initial window");

    // The peer acknowledges across the wrap, segment by segment.
    let mut received = Vec::new();
    let mut next = iss.wrapping_add(1);
    let mut pending = first;
    while received.len() < data.len() {
        for seg in pending.drain(..) {
            assert_eq!(seg.seq(), next);
            received.extend_from_slice(&seg.payload);
            next = next.wrapping_add(seg.payload.len() as u32);
            h.deliver(&Seg::ack(501, next).ports(PEER_PORT, 3333));
        }
        pending = h.poll();
    }
    assert_eq!(received, data);
    assert!(next < 5000, "the peer's ACKs wrapped");

    // A retransmission after the wrap uses the right number too.
    h.table.send(conn, b"tail").unwrap();
    let tail = h.poll_one();
    h.advance(1000);
    assert_eq!(h.poll_one().seq(), tail.seq());
    h.deliver(&Seg::ack(501, tail.seq().wrapping_add(4)).ports(PEER_PORT, 3333));

    h.table.close(conn, h.now).unwrap();
    let fin = h.poll_one();
    assert_eq!(fin.ctl(), Flags::FIN | Flags::ACK);
    h.deliver(
        &Seg::ack(501, fin.seq().wrapping_add(1))
            .flags(Flags::FIN)
            .ports(PEER_PORT, 3333),
    );
    assert_eq!(h.poll_one().ack(), 502);
    h.advance(2000);
    h.poll();
    assert_eq!(h.table.sockets().count(), 0);
}
