//! Flow control (the peer's window, our advertised window, silly window
//! avoidance), congestion control (slow start, fast retransmit, NewReno
//! fast recovery, timeouts) and reassembly of out-of-order segments.

mod tcp_support;

use net::tcp::{SocketInfo, TcpConfig, TcpError};
use net::wire::tcp::Flags;
use tcp_support::*;

const MSS: u32 = 1460;

fn info(h: &Harness) -> SocketInfo {
    h.table.sockets().next().unwrap()
}

/// The host has `n` segments of data queued; returns the sequence
/// numbers of the segments it sent at once.
fn send_segments(h: &mut Harness, link: &Link, n: usize) -> Vec<u32> {
    h.table
        .send(link.handle, &vec![b'x'; n * MSS as usize])
        .unwrap();
    h.poll().iter().map(|s| s.seq()).collect()
}

fn ack(h: &mut Harness, link: &Link, upto: u32) {
    h.deliver(&Seg::ack(link.peer_nxt, upto));
}

#[test]
fn initial_window_is_three_segments_of_1460() {
    let mut h = Harness::quick();
    let link = h.established();
    let sent = send_segments(&mut h, &link, 10);
    assert_eq!(
        sent,
        [link.host_nxt, link.host_nxt + MSS, link.host_nxt + 2 * MSS]
    );
    assert_eq!(info(&h).cwnd, 4380);
}

#[test]
fn slow_start_adds_one_segment_per_ack() {
    let mut h = Harness::quick();
    let link = h.established();
    send_segments(&mut h, &link, 10);
    ack(&mut h, &link, link.host_nxt + MSS);
    assert_eq!(info(&h).cwnd, 4380 + 1460);
    // One segment left the network and the window grew by one: two go.
    assert_eq!(h.poll().len(), 2);
}

#[test]
fn third_duplicate_ack_triggers_fast_retransmit() {
    let mut h = Harness::quick();
    let link = h.established();
    let base = link.host_nxt;
    send_segments(&mut h, &link, 10); // segments 0..3
    ack(&mut h, &link, base + MSS); // cwnd 4: segments 3, 4
    h.poll();
    ack(&mut h, &link, base + 2 * MSS); // cwnd 5: segments 5, 6
    h.poll();
    // Segment 2 is lost; 3, 4 and 5 arrive and each brings a duplicate.
    for _ in 0..2 {
        ack(&mut h, &link, base + 2 * MSS);
        h.assert_silent();
    }
    ack(&mut h, &link, base + 2 * MSS);
    let resent = h.poll_one();
    assert_eq!(resent.seq(), base + 2 * MSS);
    assert_eq!(resent.payload.len(), MSS as usize);
    assert_eq!(h.table.counters().fast_retransmits, 1);
    // ssthresh = half of 5 segments in flight; cwnd = ssthresh + 3 MSS.
    assert_eq!(info(&h).ssthresh, 3650);
    assert_eq!(info(&h).cwnd, 3650 + 3 * 1460);

    // Each further duplicate inflates the window by one segment, which
    // eventually lets new data out.
    ack(&mut h, &link, base + 2 * MSS);
    assert_eq!(info(&h).cwnd, 3650 + 4 * 1460);
    let new = h.poll_one();
    assert_eq!(new.seq(), base + 7 * MSS, "new data during recovery");
}

#[test]
fn partial_ack_retransmits_the_next_hole_and_full_ack_ends_recovery() {
    let mut h = Harness::quick();
    let link = h.established();
    let base = link.host_nxt;
    send_segments(&mut h, &link, 10);
    ack(&mut h, &link, base + MSS);
    h.poll();
    ack(&mut h, &link, base + 2 * MSS);
    h.poll(); // segments 0..7 sent, 2 and 4 are lost
    for _ in 0..3 {
        ack(&mut h, &link, base + 2 * MSS);
    }
    assert_eq!(h.poll_one().seq(), base + 2 * MSS);
    // The retransmission arrives: the ACK stops at the next hole.
    ack(&mut h, &link, base + 4 * MSS);
    let resent = h.poll();
    assert_eq!(
        resent[0].seq(),
        base + 4 * MSS,
        "NewReno: the next hole at once"
    );
    // Everything sent before recovery began is now acknowledged.
    ack(&mut h, &link, base + 7 * MSS);
    let i = info(&h);
    assert!(i.cwnd <= i.ssthresh, "recovery deflates cwnd to ssthresh");
}

#[test]
fn timeout_collapses_the_window_to_one_segment() {
    let mut h = Harness::quick();
    let link = h.established();
    send_segments(&mut h, &link, 10);
    h.advance(200);
    let resent = h.poll_one();
    assert_eq!(resent.seq(), link.host_nxt, "only the first segment");
    assert_eq!(info(&h).cwnd, 1460);
    // Half of the 3 segments in flight, but at least 2 (RFC 5681 eq. 4).
    assert_eq!(info(&h).ssthresh, 2920);
    // Go back N: its ACK lets the next two go, in slow start.
    ack(&mut h, &link, link.host_nxt + MSS);
    let next: Vec<u32> = h.poll().iter().map(|s| s.seq()).collect();
    assert_eq!(next, [link.host_nxt + MSS, link.host_nxt + 2 * MSS]);
}

#[test]
fn congestion_avoidance_grows_one_segment_per_window() {
    let mut h = Harness::quick();
    let link = h.established();
    let base = link.host_nxt;
    send_segments(&mut h, &link, 10);
    h.advance(200);
    h.poll_one(); // timeout: cwnd 1 MSS, ssthresh 2 MSS
    ack(&mut h, &link, base + MSS);
    assert_eq!(info(&h).cwnd, 2920, "slow start up to ssthresh");
    h.poll();
    ack(&mut h, &link, base + 2 * MSS);
    assert_eq!(info(&h).cwnd, 2920, "half a window acknowledged: no growth");
    ack(&mut h, &link, base + 3 * MSS);
    assert_eq!(info(&h).cwnd, 4380, "a whole window: one more segment");
}

#[test]
fn peer_window_limits_what_is_in_flight() {
    let mut h = Harness::quick();
    // A peer whose window never exceeds 1000 bytes: a 1000-byte segment
    // is worth sending (see tcp_sws.rs for a window that shrank).
    let link = h.accept_from(1000, Seg::syn(1000).window(1000));
    h.deliver(&link.seg(Flags::NONE).window(1000));
    h.table.send(link.handle, &[1; 3000]).unwrap();
    let sent = h.poll();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].payload.len(), 1000);
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 1000).window(1000));
    assert_eq!(h.poll_one().payload.len(), 1000);
}

#[test]
fn short_segments_wait_while_data_is_in_flight() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).window(2000));
    h.table.send(link.handle, &[1; 3000]).unwrap();
    assert_eq!(h.poll_one().payload.len(), 1460);
    // 540 bytes of window are left, but the rest of the data is longer:
    // sending 540 now would be a silly window.
    h.assert_silent();
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 1460).window(2000));
    assert_eq!(h.poll().len(), 2, "a full segment and the 80-byte tail");
}

#[test]
fn nagle_holds_small_writes_until_the_ack() {
    let mut h = Harness::new(TcpConfig {
        nagle: true,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.established();
    h.table.send(link.handle, b"a").unwrap();
    assert_eq!(h.poll_one().payload, b"a");
    h.table.send(link.handle, b"b").unwrap();
    h.table.send(link.handle, b"c").unwrap();
    h.assert_silent();
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 1));
    assert_eq!(h.poll_one().payload, b"bc");
}

#[test]
fn advertised_window_is_the_free_buffer_space() {
    let mut h = Harness::new(TcpConfig {
        recv_buffer: 10_000,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(&[0; 4000]));
    assert_eq!(h.poll_one().window(), 6000);
    // Reading a little frees too little to announce (receiver SWS).
    let mut buf = [0; 1000];
    h.table.recv(link.handle, &mut buf).unwrap();
    h.assert_silent();
    // Reading it all is worth a window update.
    h.recv_all(link.handle);
    let update = h.poll_one();
    assert_eq!(update.window(), 10_000);
    assert_eq!(update.ack(), link.peer_nxt + 4000);
}

#[test]
fn our_window_is_scaled_when_the_peer_agreed() {
    let mut h = Harness::quick();
    let link = h.accept_from(1000, Seg::syn(1000).wscale(0));
    h.deliver(&link.seg(Flags::NONE).data(&[0; 1000]));
    // 64 KiB buffer, shift 1. The SYN+ACK offered 65535 (a SYN's window
    // is not scaled); the right edge stays there as the data arrives.
    assert_eq!(h.poll_one().window(), ((65535 - 1000) >> 1) as u16);
}

#[test]
fn peer_window_is_scaled_by_its_shift() {
    let mut h = Harness::quick();
    // The SYN's window is not scaled: 100 bytes, then 100 << 2.
    let link = h.accept_from(1000, Seg::syn(1000).wscale(2).window(100));
    h.deliver(&link.seg(Flags::NONE).window(100));
    assert_eq!(info(&h).send_window, 400);
    h.table.send(link.handle, &[1; 1000]).unwrap();
    assert_eq!(h.poll_one().payload.len(), 400);
}

#[test]
fn out_of_order_segments_are_buffered_and_delivered_in_order() {
    let mut h = Harness::quick();
    let link = h.established();
    let p = link.peer_nxt;
    h.deliver(&Seg::ack(p + 6, link.host_nxt).data(b"ghi"));
    h.deliver(&Seg::ack(p + 3, link.host_nxt).data(b"def"));
    let dups: Vec<u32> = h.poll().iter().map(|s| s.ack()).collect();
    assert_eq!(
        dups,
        [p, p],
        "a duplicate ACK for each segment after the hole"
    );
    assert_eq!(
        h.table.recv(link.handle, &mut [0; 8]),
        Err(TcpError::WouldBlock)
    );
    h.deliver(&link.seg(Flags::NONE).data(b"abc"));
    assert_eq!(h.poll_one().ack(), p + 9, "ACK at once when the hole fills");
    assert_eq!(h.recv_all(link.handle), b"abcdefghi");
    assert_eq!(h.table.counters().out_of_order, 2);
}

#[test]
fn a_burst_of_out_of_order_segments_gets_the_three_duplicate_acks_fast_retransmit_needs() {
    // The interface hands TCP a whole burst of frames before it collects
    // TCP's output. With one duplicate ACK per burst, a sender (Linux,
    // without SACK) never saw the three it needs (RFC 5681 §3.2) and waited
    // for its retransmission timer after every loss. One per segment
    // (RFC 5681 §4.2), four at most: a lost one does not cost the retransmit.
    let mut h = Harness::quick();
    let link = h.established();
    let p = link.peer_nxt;
    // The segment at `p` is lost; the six after it arrive together.
    for i in 1..=6u32 {
        h.deliver(&Seg::ack(p + 100 * i, link.host_nxt).data(&[7; 100]));
    }
    let out = h.poll();
    assert!(out.iter().all(|s| s.payload.is_empty()), "bare ACKs");
    let acks: Vec<u32> = out.iter().map(|s| s.ack()).collect();
    assert_eq!(acks, [p; 4]);
    h.assert_silent();
    // The retransmission fills the hole: everything is acknowledged at once.
    h.deliver(&link.seg(Flags::NONE).data(&[7; 100]));
    assert_eq!(h.poll_one().ack(), p + 700);
    assert_eq!(h.recv_all(link.handle).len(), 700);
}

#[test]
fn each_out_of_order_segment_is_acknowledged_at_once() {
    let mut h = Harness::new(TcpConfig::default()); // delayed ACKs on
    let link = h.established();
    h.deliver(&Seg::ack(link.peer_nxt + 10, link.host_nxt).data(b"late"));
    assert_eq!(h.poll_one().ack(), link.peer_nxt);
    h.deliver(&Seg::ack(link.peer_nxt + 20, link.host_nxt).data(b"later"));
    assert_eq!(h.poll_one().ack(), link.peer_nxt);
}

#[test]
fn duplicate_ack_goes_out_bare_even_when_data_is_sent_too() {
    let mut h = Harness::quick();
    let link = h.established();
    h.table.send(link.handle, b"reply").unwrap();
    h.deliver(&Seg::ack(link.peer_nxt + 10, link.host_nxt).data(b"early"));
    let out = h.poll();
    // An ACK that carries data is not a duplicate for the peer (RFC 5681
    // §2), so the duplicate comes first, on its own.
    assert_eq!(out.len(), 2);
    assert!(out[0].payload.is_empty());
    assert_eq!(out[0].ack(), link.peer_nxt);
    assert_eq!(out[1].payload, b"reply");
}

#[test]
fn full_send_buffer_would_block_until_acked() {
    let mut h = Harness::new(TcpConfig {
        send_buffer: 100,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.established();
    assert_eq!(h.table.send(link.handle, &[1; 150]), Ok(100));
    assert_eq!(
        h.table.send(link.handle, &[1; 10]),
        Err(TcpError::WouldBlock)
    );
    assert!(!h.table.readiness(link.handle).writable);
    h.poll();
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 100));
    assert!(h.table.readiness(link.handle).writable);
    assert_eq!(h.table.send(link.handle, &[1; 10]), Ok(10));
}

#[test]
fn a_full_interface_queue_stops_output_and_the_next_poll_serves_the_others_first() {
    let mut h = Harness::quick();
    let links = [h.established(), h.connect_to(5000), h.connect_to(6000)];
    for link in &links {
        h.table.send(link.handle, &[7; 10_000]).unwrap();
    }
    let port_of = |bytes: &[u8]| u16::from_be_bytes([bytes[0], bytes[1]]);
    // The interface takes one segment, then says it is full: the
    // connection being served finishes its burst, the others wait.
    let mut first = Vec::new();
    h.table.poll_output(h.now, &mut |_, _, bytes| {
        first.push(port_of(bytes));
        false
    });
    first.dedup();
    assert_eq!(first.len(), 1, "one connection served: {first:?}");
    // Room again: the two that waited go first, the first one last.
    let mut second = Vec::new();
    h.table.poll_output(h.now, &mut |_, _, bytes| {
        second.push(port_of(bytes));
        true
    });
    second.dedup();
    assert_eq!(second.len(), 2, "the other two, each once: {second:?}");
    assert!(!second.contains(&first[0]));
}
