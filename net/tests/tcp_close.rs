//! Closing connections: active close (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT),
//! passive close (CLOSE-WAIT, LAST-ACK), simultaneous close (CLOSING),
//! half-close, FIN with data, and orphans freeing themselves
//! (RFC 9293 §3.6, §3.10.4).

mod tcp_support;

use net::tcp::{State, TcpConfig, TcpError};
use net::wire::tcp::Flags;
use tcp_support::*;

#[test]
fn active_close_goes_through_fin_wait_and_time_wait() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.close(link.handle, h.now).unwrap();
    let fin = h.poll_one();
    assert_eq!(fin.ctl(), Flags::FIN | Flags::ACK);
    assert_eq!(fin.seq(), link.host_nxt);
    link.host_nxt += 1;
    let info = || h.table.sockets().next().unwrap();
    assert_eq!(info().state, State::FinWait1);
    assert!(!info().user_owned, "closed sockets are orphans");

    h.deliver(&link.seg(Flags::NONE));
    assert_eq!(h.table.sockets().next().unwrap().state, State::FinWait2);
    h.assert_silent();

    h.deliver(&link.seg(Flags::FIN));
    let ack = h.poll_one();
    assert_eq!(ack.ctl(), Flags::ACK);
    assert_eq!(ack.ack(), link.peer_nxt + 1);
    assert_eq!(h.table.sockets().next().unwrap().state, State::TimeWait);

    h.advance(1999);
    h.assert_silent();
    assert_eq!(h.table.sockets().count(), 1);
    h.advance(1);
    h.assert_silent();
    assert_eq!(h.table.sockets().count(), 0, "TIME-WAIT expired after 2 s");
}

#[test]
fn time_wait_acknowledges_a_repeated_fin_and_restarts() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.close(link.handle, h.now).unwrap();
    h.finish_active_close(&mut link);
    h.advance(1500);
    // Our ACK was lost; the peer sends its FIN again.
    h.deliver(&link.seg(Flags::FIN));
    let ack = h.poll_one();
    assert_eq!(ack.ack(), link.peer_nxt + 1);
    h.advance(1999);
    h.poll();
    assert_eq!(
        h.table.sockets().count(),
        1,
        "2 MSL counts from the new FIN"
    );
    h.advance(1);
    h.poll();
    assert_eq!(h.table.sockets().count(), 0);
}

#[test]
fn fin_and_ack_together_in_fin_wait_1_go_straight_to_time_wait() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.shutdown_write(link.handle, h.now).unwrap();
    h.poll_one();
    link.host_nxt += 1;
    h.deliver(&link.seg(Flags::FIN));
    assert_eq!(h.table.state(link.handle), State::TimeWait);
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 1);
}

#[test]
fn passive_close_goes_through_close_wait_and_last_ack() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.deliver(&link.seg(Flags::FIN));
    link.peer_nxt += 1;
    assert_eq!(h.table.state(link.handle), State::CloseWait);
    assert_eq!(h.poll_one().ack(), link.peer_nxt);
    let ready = h.table.readiness(link.handle);
    assert!(ready.readable && ready.writable && !ready.hangup);
    assert_eq!(
        h.table.recv(link.handle, &mut [0; 4]),
        Ok(0),
        "end of stream"
    );

    // We may still send in CLOSE-WAIT.
    assert_eq!(h.table.send(link.handle, b"bye"), Ok(3));
    assert_eq!(h.poll_one().payload, b"bye");
    link.host_nxt += 3;

    h.table.close(link.handle, h.now).unwrap();
    let fin = h.poll_one();
    assert_eq!(fin.ctl(), Flags::FIN | Flags::ACK);
    assert_eq!(fin.seq(), link.host_nxt);
    link.host_nxt += 1;
    assert_eq!(h.table.sockets().next().unwrap().state, State::LastAck);
    h.deliver(&link.seg(Flags::NONE));
    assert_eq!(h.table.sockets().count(), 0, "freed without TIME-WAIT");
}

#[test]
fn simultaneous_close_goes_through_closing() {
    let mut h = Harness::quick();
    let link = h.established();
    h.table.shutdown_write(link.handle, h.now).unwrap();
    let fin = h.poll_one();
    // The peer's FIN crosses ours: it does not acknowledge our FIN.
    h.deliver(&Seg::ack(link.peer_nxt, link.host_nxt).flags(Flags::FIN));
    assert_eq!(h.table.state(link.handle), State::Closing);
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 1);
    h.deliver(&Seg::ack(link.peer_nxt + 1, fin.seq() + 1));
    assert_eq!(h.table.state(link.handle), State::TimeWait);
    let ready = h.table.readiness(link.handle);
    assert!(ready.hangup && ready.readable);
}

#[test]
fn a_lost_fin_is_retransmitted() {
    let mut h = Harness::quick();
    let link = h.established();
    h.table.close(link.handle, h.now).unwrap();
    let fin = h.poll_one();
    h.advance(1000);
    let again = h.poll_one();
    assert_eq!(again.ctl(), Flags::FIN | Flags::ACK);
    assert_eq!(again.seq(), fin.seq());
}

#[test]
fn data_with_fin_is_delivered_then_end_of_stream() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::FIN).data(b"hello"));
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 6);
    assert_eq!(h.table.state(link.handle), State::CloseWait);
    let mut buf = [0u8; 16];
    assert_eq!(h.table.recv(link.handle, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(h.table.recv(link.handle, &mut buf), Ok(0));
}

#[test]
fn fin_before_the_data_is_read_keeps_the_data() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"abc"));
    h.deliver(&Seg::ack(link.peer_nxt + 3, link.host_nxt).flags(Flags::FIN));
    h.poll();
    assert_eq!(h.recv_all(link.handle), b"abc");
    assert_eq!(h.table.recv(link.handle, &mut [0; 4]), Ok(0));
}

#[test]
fn fin_arriving_before_missing_data_waits_for_it() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(
        &Seg::ack(link.peer_nxt + 3, link.host_nxt)
            .data(b"def")
            .flags(Flags::FIN),
    );
    assert_eq!(
        h.poll_one().ack(),
        link.peer_nxt,
        "duplicate ACK for the hole"
    );
    assert_eq!(h.table.state(link.handle), State::Established);
    assert_eq!(
        h.table.recv(link.handle, &mut [0; 4]),
        Err(TcpError::WouldBlock)
    );
    h.deliver(&link.seg(Flags::NONE).data(b"abc"));
    assert_eq!(h.poll_one().ack(), link.peer_nxt + 7);
    assert_eq!(h.table.state(link.handle), State::CloseWait);
    assert_eq!(h.recv_all(link.handle), b"abcdef");
    assert_eq!(h.table.recv(link.handle, &mut [0; 4]), Ok(0));
}

#[test]
fn half_close_still_receives_but_refuses_to_send() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.shutdown_write(link.handle, h.now).unwrap();
    h.poll_one();
    link.host_nxt += 1;
    assert_eq!(h.table.send(link.handle, b"x"), Err(TcpError::Pipe));
    h.deliver(&link.seg(Flags::NONE).data(b"more"));
    assert_eq!(h.table.state(link.handle), State::FinWait2);
    assert_eq!(h.recv_all(link.handle), b"more");
}

#[test]
fn close_with_unread_data_resets_the_connection() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).data(b"unread"));
    h.poll();
    h.table.close(link.handle, h.now).unwrap();
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), link.host_nxt);
    assert_eq!(h.table.sockets().count(), 0);
}

#[test]
fn data_arriving_after_close_is_answered_with_a_reset() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.close(link.handle, h.now).unwrap();
    h.poll_one();
    link.host_nxt += 1;
    h.deliver(&link.seg(Flags::NONE).data(b"too late"));
    assert_eq!(h.poll_one().ctl(), Flags::RST);
    assert_eq!(h.table.sockets().count(), 0);
}

#[test]
fn orphan_in_fin_wait_2_gives_up_after_the_timeout() {
    let mut h = Harness::new(TcpConfig {
        fin_wait2_timeout: net::time::Duration::from_secs(10),
        ack_delay: None,
        ..TcpConfig::default()
    });
    let mut link = h.established();
    h.table.close(link.handle, h.now).unwrap();
    h.poll_one();
    link.host_nxt += 1;
    h.deliver(&link.seg(Flags::NONE));
    assert_eq!(h.table.sockets().next().unwrap().state, State::FinWait2);
    assert_eq!(
        h.table.poll_at(),
        Some(h.now + net::time::Duration::from_secs(10))
    );
    h.advance(10_000);
    h.poll();
    assert_eq!(h.table.sockets().count(), 0);
}

#[test]
fn closing_a_listener_resets_its_unaccepted_children() {
    let mut h = Harness::quick();
    let listener = h.listen();
    h.deliver(&Seg::syn(100));
    let syn_ack = h.poll_one();
    h.deliver(&Seg::ack(101, syn_ack.seq() + 1));
    h.table.close(listener, h.now).unwrap();
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), syn_ack.seq() + 1);
    assert_eq!(h.table.sockets().count(), 0);
}

#[test]
fn every_close_path_leaves_no_socket_behind() {
    let mut h = Harness::quick();
    for isn in [100u32, 200, 300] {
        let listener = h.listen();
        h.deliver(&Seg::syn(isn).ports(PEER_PORT, HOST_PORT));
        let syn_ack = h.poll_one();
        h.deliver(&Seg::ack(isn + 1, syn_ack.seq() + 1));
        let conn = h.table.accept(listener).unwrap();
        h.table.close(listener, h.now).unwrap();
        h.deliver(&Seg::ack(isn + 1, syn_ack.seq() + 1).flags(Flags::FIN));
        h.table.close(conn, h.now).unwrap();
        let fin = h.poll().pop().unwrap();
        h.deliver(&Seg::ack(isn + 2, fin.seq() + 1));
    }
    assert_eq!(h.table.sockets().count(), 0);
}

/// A server that closed first, leaving an orphan in TIME-WAIT, with its
/// listener still open. Returns the peer's next sequence number.
fn server_in_time_wait(h: &mut Harness) -> u32 {
    let listener = h.listen();
    h.deliver(&Seg::syn(100));
    let syn_ack = h.poll_one();
    h.deliver(&Seg::ack(101, syn_ack.seq() + 1));
    let conn = h.table.accept(listener).unwrap();
    h.table.close(conn, h.now).unwrap();
    let fin = h.poll_one();
    h.deliver(&Seg::ack(101, fin.seq() + 1).flags(Flags::FIN));
    h.poll_one();
    assert_eq!(h.table.sockets().nth(1).unwrap().state, State::TimeWait);
    102
}

#[test]
fn new_syn_beyond_the_old_numbers_reopens_a_time_wait_connection() {
    let mut h = Harness::quick();
    let next = server_in_time_wait(&mut h);
    h.advance(100); // our ISN clock moves on by 25 000
    h.deliver(&Seg::syn(next + 5000));
    let syn_ack = h.poll_one();
    assert_eq!(syn_ack.ctl(), Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.ack(), next + 5001);
    let states: Vec<State> = h.table.sockets().map(|s| s.state).collect();
    assert_eq!(states, [State::Listen, State::SynReceived]);
}

#[test]
fn old_syn_in_time_wait_gets_a_challenge_ack() {
    let mut h = Harness::quick();
    let next = server_in_time_wait(&mut h);
    h.advance(100);
    h.deliver(&Seg::syn(next - 50));
    let ack = h.poll_one();
    assert_eq!(ack.ctl(), Flags::ACK);
    assert_eq!(ack.ack(), next);
    assert_eq!(h.table.sockets().nth(1).unwrap().state, State::TimeWait);
}

#[test]
fn has_output_tells_whether_a_user_call_left_a_segment_to_send() {
    let mut h = Harness::quick();
    let mut link = h.established();
    // A small read opens no window worth announcing.
    h.deliver(&link.seg(Flags::NONE).data(b"GET /"));
    link.peer_nxt += 5;
    h.poll();
    assert_eq!(h.recv_all(link.handle), b"GET /");
    assert!(!h.table.has_output(link.handle));
    // A close queues the FIN.
    h.table.shutdown_write(link.handle, h.now).unwrap();
    assert!(h.table.has_output(link.handle));
    h.finish_active_close(&mut link);
    // Closing in TIME-WAIT leaves nothing to send (and no handle).
    h.table.close(link.handle, h.now).unwrap();
    assert!(!h.table.has_output(link.handle));
    h.assert_silent();
}
