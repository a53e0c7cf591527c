//! Timers, with a fake clock: retransmission (RFC 6298: initial RTO,
//! back-off, Karn, giving up), the persist timer for zero windows
//! (RFC 9293 §3.8.6.1), delayed ACKs (RFC 1122 §4.2.3.2), and `poll_at`.

mod tcp_support;

use net::tcp::{State, TcpConfig, TcpError};
use net::time::{Duration, Instant};
use net::wire::tcp::Flags;
use tcp_support::*;

fn config() -> TcpConfig {
    TcpConfig {
        ack_delay: None,
        ..TcpConfig::default()
    }
}

/// Passive open whose handshake takes `rtt` ms, giving one RTT sample.
fn established_with_rtt(h: &mut Harness, rtt: u64) -> Link {
    let listener = h.listen();
    h.deliver(&Seg::syn(1000));
    let syn_ack = h.poll_one();
    h.advance(rtt);
    h.deliver(&Seg::ack(1001, syn_ack.seq() + 1));
    let handle = h.table.accept(listener).unwrap();
    h.table.close(listener, h.now).unwrap();
    Link {
        handle,
        peer_nxt: 1001,
        host_nxt: syn_ack.seq() + 1,
        host_port: HOST_PORT,
    }
}

#[test]
fn syn_is_retransmitted_after_one_second_then_backs_off() {
    let mut h = Harness::new(config());
    h.connect();
    let syn = h.poll_one();
    assert_eq!(h.table.poll_at(), Some(Instant::from_millis(1000)));
    // RTO 1 s, then doubled each time: 1 s, 3 s, 7 s, 15 s after the start.
    for at in [1000, 3000, 7000, 15000] {
        h.now = Instant::from_millis(at - 1);
        h.assert_silent();
        h.now = Instant::from_millis(at);
        let again = h.poll_one();
        assert_eq!(again.ctl(), Flags::SYN);
        assert_eq!(again.seq(), syn.seq());
    }
    assert_eq!(h.table.counters().retransmitted_segments, 4);
}

#[test]
fn connect_times_out_after_the_last_syn_retransmission() {
    let mut h = Harness::new(TcpConfig {
        max_syn_retransmits: 2,
        ..config()
    });
    let conn = h.connect();
    h.poll_one(); // t = 0
    h.advance(1000);
    h.poll_one(); // t = 1 s
    h.advance(2000);
    h.poll_one(); // t = 3 s
    h.advance(3999);
    h.assert_silent();
    h.advance(1);
    h.assert_silent();
    assert_eq!(h.table.state(conn), State::Closed);
    assert_eq!(h.table.recv(conn, &mut [0; 4]), Err(TcpError::TimedOut));
    assert!(h.table.readiness(conn).error);
    assert_eq!(h.table.counters().connections_timed_out, 1);
}

#[test]
fn handshake_gives_the_first_rtt_sample() {
    let mut h = Harness::new(config());
    let link = established_with_rtt(&mut h, 100);
    let info = h.table.sockets().next().unwrap();
    assert_eq!(info.handle, Some(link.handle));
    assert_eq!(info.srtt, Some(Duration(100)));
    assert_eq!(info.rto, Duration(300), "SRTT + 4 * RTT/2");
}

#[test]
fn data_retransmission_doubles_the_timeout_then_gives_up() {
    let mut h = Harness::new(TcpConfig {
        max_retransmits: 3,
        ..config()
    });
    let link = established_with_rtt(&mut h, 100);
    h.table.send(link.handle, b"hello").unwrap();
    let first = h.poll_one();
    for rto in [300, 600, 1200] {
        h.advance(rto - 1);
        h.assert_silent();
        h.advance(1);
        let again = h.poll_one();
        assert_eq!(again.seq(), first.seq());
        assert_eq!(again.payload, b"hello");
    }
    h.advance(2399);
    h.assert_silent();
    h.advance(1);
    h.assert_silent();
    assert_eq!(h.table.state(link.handle), State::Closed);
    assert_eq!(h.table.send(link.handle, b"x"), Err(TcpError::TimedOut));
    assert_eq!(h.table.counters().timeouts, 3);
}

#[test]
fn karn_takes_no_sample_from_a_retransmitted_segment() {
    let mut h = Harness::new(config());
    let mut link = established_with_rtt(&mut h, 100);
    h.table.send(link.handle, b"one").unwrap();
    h.poll_one();
    h.advance(300);
    h.poll_one(); // retransmission; RTO backs off to 600
    h.advance(50);
    link.host_nxt += 3;
    h.deliver(&link.seg(Flags::NONE));
    let info = h.table.sockets().next().unwrap();
    assert_eq!(info.srtt, Some(Duration(100)), "no sample: ambiguous ACK");
    assert_eq!(info.rto, Duration(600), "the back-off stays");

    // A segment sent once gives a valid sample, which ends the back-off.
    h.table.send(link.handle, b"two").unwrap();
    h.poll_one();
    h.advance(100);
    link.host_nxt += 3;
    h.deliver(&link.seg(Flags::NONE));
    let info = h.table.sockets().next().unwrap();
    assert_eq!(info.srtt, Some(Duration(100)));
    assert_eq!(info.rto, Duration(100 + 4 * 37));
}

#[test]
fn after_a_lost_syn_data_starts_with_a_three_second_timeout() {
    let mut h = Harness::new(config());
    h.connect();
    let syn = h.poll_one();
    h.advance(1000);
    h.poll_one();
    h.advance(10);
    h.deliver(
        &Seg::syn(5000)
            .acking(syn.seq() + 1)
            .ports(PEER_PORT, syn.repr.src_port),
    );
    let conn = h.table.sockets().next().unwrap();
    assert_eq!(conn.srtt, None);
    assert_eq!(conn.rto, Duration(3000), "RFC 6298 §5.7");
}

#[test]
fn zero_window_is_probed_with_back_off_until_it_opens() {
    let mut h = Harness::new(config());
    let link = established_with_rtt(&mut h, 100);
    h.deliver(&link.seg(Flags::NONE).window(0));
    h.table.send(link.handle, b"blocked").unwrap();
    h.assert_silent();
    assert_eq!(h.table.poll_at(), Some(h.now + Duration(300)));
    for interval in [300, 600, 1200] {
        h.advance(interval);
        let probe = h.poll_one();
        assert_eq!(
            probe.seq(),
            link.host_nxt - 1,
            "an old number forces an ACK"
        );
        assert!(probe.payload.is_empty());
        // The peer answers, still with a zero window.
        h.deliver(&link.seg(Flags::NONE).window(0));
        h.assert_silent();
    }
    assert_eq!(h.table.counters().window_probes, 3);
    assert_eq!(
        h.table.state(link.handle),
        State::Established,
        "answered probes never abort"
    );
    h.deliver(&link.seg(Flags::NONE).window(1000));
    assert_eq!(h.poll_one().payload, b"blocked");
}

#[test]
fn unanswered_window_probes_abort_the_connection() {
    let mut h = Harness::new(TcpConfig {
        max_retransmits: 2,
        ..config()
    });
    let link = established_with_rtt(&mut h, 0); // RTO 200 ms
    h.deliver(&link.seg(Flags::NONE).window(0));
    h.table.send(link.handle, b"blocked").unwrap();
    assert_eq!(
        h.table.poll_at(),
        Some(Instant::ZERO),
        "the persist timer must start"
    );
    h.assert_silent();
    for interval in [200, 400] {
        h.advance(interval);
        assert!(h.poll_one().payload.is_empty(), "a probe");
    }
    h.advance(800);
    h.assert_silent();
    assert_eq!(
        h.table.recv(link.handle, &mut [0; 4]),
        Err(TcpError::TimedOut)
    );
}

#[test]
fn window_update_after_zero_window_releases_the_data_at_once() {
    let mut h = Harness::new(config());
    let link = established_with_rtt(&mut h, 100);
    h.deliver(&link.seg(Flags::NONE).window(3));
    h.table.send(link.handle, b"abc").unwrap();
    assert_eq!(h.poll_one().payload, b"abc");
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 3).window(0));
    h.table.send(link.handle, b"def").unwrap();
    h.assert_silent();
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 3).window(10));
    assert_eq!(h.poll_one().payload, b"def");
}

#[test]
fn delayed_ack_waits_for_a_second_segment_or_the_timer() {
    let mut h = Harness::new(TcpConfig::default()); // 40 ms delayed ACK
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"a"));
    h.assert_silent();
    assert_eq!(h.table.poll_at(), Some(h.now + Duration(40)));
    h.advance(39);
    h.assert_silent();
    h.advance(1);
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 1);

    // Two segments: the second is acknowledged at once.
    h.deliver(&Seg::ack(link.peer_nxt + 1, link.host_nxt).data(b"b"));
    h.assert_silent();
    h.deliver(&Seg::ack(link.peer_nxt + 2, link.host_nxt).data(b"c"));
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 3);
}

#[test]
fn delayed_ack_rides_on_outgoing_data() {
    let mut h = Harness::new(TcpConfig::default());
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"ping"));
    h.table.send(link.handle, b"pong").unwrap();
    let reply = h.poll_one();
    assert_eq!(reply.payload, b"pong");
    assert_eq!(reply.ack(), link.peer_nxt + 4);
    h.advance(100);
    h.assert_silent(); // no separate ACK follows
}

#[test]
fn idle_connection_has_no_timer() {
    let mut h = Harness::new(config());
    let link = h.established();
    h.poll();
    assert_eq!(h.table.poll_at(), None);
    h.table.send(link.handle, b"x").unwrap();
    assert_eq!(h.table.poll_at(), Some(Instant::ZERO), "data to send now");
}
