//! Resets in every state, the RFC 5961 defences (exact RST, challenge
//! ACKs), and the acceptability test for out-of-window segments
//! (RFC 9293 §3.10.7.4).

mod tcp_support;

use net::tcp::{State, TcpConfig, TcpError};
use net::wire::tcp::Flags;
use tcp_support::*;

/// An established connection, then driven into `state`.
fn in_state(h: &mut Harness, state: State) -> Link {
    let mut link = h.established();
    match state {
        State::Established => {}
        State::FinWait1 | State::FinWait2 | State::Closing | State::TimeWait => {
            h.table.shutdown_write(link.handle, h.now).unwrap();
            h.poll_one();
            if state == State::Closing {
                h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt).flags(Flags::FIN));
                link.peer_nxt += 1;
            }
            link.host_nxt += 1;
            if state == State::FinWait2 {
                h.deliver(&link.seg(Flags::NONE));
            }
            if state == State::TimeWait {
                h.deliver(&link.seg(Flags::FIN));
                link.peer_nxt += 1;
            }
        }
        State::CloseWait | State::LastAck => {
            h.deliver(&link.seg(Flags::FIN));
            link.peer_nxt += 1;
            if state == State::LastAck {
                h.table.shutdown_write(link.handle, h.now).unwrap();
                h.poll();
                link.host_nxt += 1;
            }
        }
        other => panic!("cannot drive into {other}"),
    }
    h.poll();
    assert_eq!(h.table.state(link.handle), state);
    link
}

#[test]
fn exact_reset_in_synchronized_states_reports_reset() {
    for state in [
        State::Established,
        State::FinWait1,
        State::FinWait2,
        State::CloseWait,
    ] {
        let mut h = Harness::quick();
        let link = in_state(&mut h, state);
        h.deliver(&Seg::rst(link.peer_nxt));
        assert_eq!(h.table.state(link.handle), State::Closed, "{state}");
        assert_eq!(
            h.table.recv(link.handle, &mut [0; 4]),
            Err(TcpError::Reset),
            "{state}"
        );
        let ready = h.table.readiness(link.handle);
        assert!(ready.error && ready.hangup && ready.readable);
        h.assert_silent();
    }
}

#[test]
fn exact_reset_while_closing_just_ends_the_connection() {
    for state in [State::Closing, State::LastAck, State::TimeWait] {
        let mut h = Harness::quick();
        let link = in_state(&mut h, state);
        h.deliver(&Seg::rst(link.peer_nxt));
        assert_eq!(h.table.state(link.handle), State::Closed, "{state}");
        assert!(!h.table.readiness(link.handle).error, "{state}");
    }
}

#[test]
fn reset_in_window_but_not_exact_gets_a_challenge_ack() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&Seg::rst(link.peer_nxt + 100));
    assert_eq!(h.table.state(link.handle), State::Established);
    let ack = h.poll_one();
    assert_eq!(ack.ctl(), Flags::ACK);
    assert_eq!(ack.seq(), link.host_nxt);
    assert_eq!(ack.ack(), link.peer_nxt);
    assert_eq!(h.table.counters().challenge_acks, 1);
    assert_eq!(h.table.counters().resets_received, 0);
}

#[test]
fn reset_outside_the_window_is_ignored() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&Seg::rst(link.peer_nxt.wrapping_sub(1)));
    h.deliver(&Seg::rst(link.peer_nxt + 1_000_000));
    assert_eq!(h.table.state(link.handle), State::Established);
    h.assert_silent();
}

#[test]
fn a_burst_of_forged_resets_costs_one_challenge_ack() {
    let mut h = Harness::quick();
    let link = h.established();
    for i in 1..50 {
        h.deliver(&Seg::rst(link.peer_nxt + i * 7));
    }
    assert_eq!(h.poll().len(), 1);
}

#[test]
fn syn_on_an_established_connection_gets_a_challenge_ack() {
    let mut h = Harness::quick();
    let link = h.established();
    for seq in [link.peer_nxt, 12345] {
        h.deliver(&Seg::syn(seq));
        let ack = h.poll_one();
        assert_eq!(ack.ctl(), Flags::ACK);
        assert_eq!(ack.ack(), link.peer_nxt);
    }
    assert_eq!(h.table.state(link.handle), State::Established);
    assert_eq!(h.table.counters().challenge_acks, 2);
}

#[test]
fn segment_beyond_the_window_is_acked_and_dropped() {
    let mut h = Harness::new(TcpConfig {
        recv_buffer: 1000,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.established();
    h.deliver(&Seg::ack(link.peer_nxt + 1000, link.host_nxt).data(b"future"));
    let ack = h.poll_one();
    assert_eq!(ack.ack(), link.peer_nxt);
    assert_eq!(
        h.table.recv(link.handle, &mut [0; 8]),
        Err(TcpError::WouldBlock)
    );
    assert_eq!(h.table.counters().out_of_window, 1);
}

#[test]
fn old_duplicate_data_is_acked_with_the_current_number() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"abc"));
    h.poll_one();
    h.deliver(&link.seg(Flags::NONE).data(b"abc"));
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 3);
    assert_eq!(h.recv_all(link.handle), b"abc", "delivered once");
}

#[test]
fn segment_overlapping_the_left_edge_delivers_only_the_new_part() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"abc"));
    h.deliver(&link.seg(Flags::NONE).data(b"abcdef"));
    assert_eq!(h.recv_all(link.handle), b"abcdef");
}

#[test]
fn segment_overlapping_the_right_edge_is_trimmed_to_the_window() {
    let mut h = Harness::new(TcpConfig {
        recv_buffer: 4,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.established();
    h.deliver(&link.seg(Flags::FIN).data(b"abcdef"));
    let ack = h.poll_one();
    assert_eq!(
        ack.ack(),
        link.peer_nxt + 4,
        "FIN was cut off with the tail"
    );
    assert_eq!(ack.window(), 0);
    assert_eq!(h.table.state(link.handle), State::Established);
    assert_eq!(h.recv_all(link.handle), b"abcd");
}

#[test]
fn ack_of_data_never_sent_is_answered_and_ignored() {
    let mut h = Harness::quick();
    let link = h.established();
    h.table.send(link.handle, b"12345").unwrap();
    h.poll_one();
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt + 500).data(b"xy"));
    let ack = h.poll_one();
    assert_eq!(ack.ack(), link.peer_nxt, "the data was dropped with it");
    assert_eq!(h.table.sockets().next().unwrap().send_queue, 5);
}

#[test]
fn zero_window_still_accepts_acks() {
    let mut h = Harness::new(TcpConfig {
        recv_buffer: 4,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"full"));
    h.poll_one();
    h.table.send(link.handle, b"hi").unwrap();
    h.poll_one();
    // Our window is zero, so this data is unacceptable, but its ACK of
    // our "hi" must still count.
    h.deliver(&Seg::ack(link.peer_nxt + 4, link.host_nxt + 2).data(b"more"));
    assert_eq!(h.poll_one().window(), 0);
    assert_eq!(h.table.sockets().next().unwrap().send_queue, 0);
}

#[test]
fn abort_sends_a_reset_with_the_next_sequence_number() {
    let mut h = Harness::quick();
    let link = h.established();
    h.table.send(link.handle, b"data").unwrap();
    h.poll_one();
    h.table.abort(link.handle, h.now).unwrap();
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), link.host_nxt + 4);
    assert_eq!(h.table.sockets().count(), 0);
    assert_eq!(h.table.counters().resets_sent, 1);
}

#[test]
fn segment_for_a_closed_connection_is_reset() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&Seg::rst(link.peer_nxt));
    // The user still holds the dead socket, but the 4-tuple is free: a
    // late segment gets the answer of a CLOSED port.
    h.deliver(&link.seg(Flags::NONE).data(b"late"));
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), link.host_nxt);
}
