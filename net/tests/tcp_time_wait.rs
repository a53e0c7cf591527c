//! TIME-WAIT after the user closed: the connection becomes a small record
//! that still answers as RFC 9293 §3.10.7.4 says (with RFC 1337 for
//! resets), keeps its port in use, shows in `netstat`, and costs the
//! table's polls nothing however many there are.

mod tcp_support;

use std::net::{Ipv4Addr, SocketAddrV4};

use net::tcp::{SocketHandle, State, TcpError};
use net::wire::tcp::Flags;
use tcp_support::*;

/// The peer connects from `peer_port` to the listener, the host accepts,
/// answers nothing and closes first; the peer acknowledges our FIN and
/// sends its own; our ACK leaves. Returns the link, numbers after both
/// FINs.
fn server_closes_first(h: &mut Harness, peer_port: u16) -> Link {
    let existing = h.table.sockets().find(|s| s.state == State::Listen);
    let listener = match existing {
        Some(info) => info.handle.unwrap(),
        None => h.listen(),
    };
    h.deliver(&Seg::syn(100).ports(peer_port, HOST_PORT));
    let syn_ack = h.poll_one();
    h.deliver(&Seg::ack(101, syn_ack.seq() + 1).ports(peer_port, HOST_PORT));
    let handle = h.table.accept(listener).unwrap();
    h.table.close(handle, h.now).unwrap();
    let fin = h.poll_one();
    assert_eq!(fin.ctl(), Flags::FIN | Flags::ACK);
    let link = Link {
        handle,
        peer_nxt: 102,
        host_nxt: fin.seq() + 1,
        host_port: HOST_PORT,
    };
    let peer_fin = Seg::new(Flags::FIN | Flags::ACK, 101)
        .acking(link.host_nxt)
        .ports(peer_port, HOST_PORT);
    h.deliver(&peer_fin);
    let ack = h.poll_one();
    assert_eq!((ack.ctl(), ack.ack()), (Flags::ACK, 102));
    link
}

fn peer_seg(link: &Link, peer_port: u16, flags: Flags) -> Seg {
    Seg::new(flags, link.peer_nxt)
        .acking(link.host_nxt)
        .ports(peer_port, HOST_PORT)
}

fn time_wait_count(h: &Harness) -> usize {
    h.table
        .sockets()
        .filter(|s| s.state == State::TimeWait)
        .count()
}

#[test]
fn a_closed_connection_in_time_wait_is_a_record_without_a_handle() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    let record = h.table.sockets().nth(1).unwrap();
    assert_eq!(record.state, State::TimeWait);
    assert_eq!(record.handle, None);
    assert_eq!(record.remote, Some(SocketAddrV4::new(PEER, PEER_PORT)));
    assert!(!record.user_owned);
    assert_eq!(
        h.table.state(link.handle),
        State::Closed,
        "the handle is gone"
    );
}

#[test]
fn a_retransmitted_fin_is_acknowledged_and_restarts_the_timer() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    h.advance(1500);
    let fin_again = Seg::new(Flags::FIN | Flags::ACK, link.peer_nxt - 1)
        .acking(link.host_nxt)
        .ports(PEER_PORT, HOST_PORT);
    h.deliver(&fin_again);
    let ack = h.poll_one();
    assert_eq!(ack.ctl(), Flags::ACK);
    assert_eq!((ack.seq(), ack.ack()), (link.host_nxt, link.peer_nxt));
    h.advance(1999);
    h.assert_silent();
    assert_eq!(time_wait_count(&h), 1, "2 MSL counts from the second FIN");
    h.advance(1);
    h.assert_silent();
    assert_eq!(time_wait_count(&h), 0);
}

#[test]
fn poll_at_names_the_end_of_time_wait() {
    let mut h = Harness::quick();
    server_closes_first(&mut h, PEER_PORT);
    let end = h.now + net::time::Duration::from_secs(2);
    assert_eq!(h.table.poll_at(), Some(end));
}

#[test]
fn a_reset_does_not_end_time_wait_early() {
    // RFC 1337 ("TIME-WAIT assassination"): not even an exact RST.
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    h.deliver(&Seg::rst(link.peer_nxt).ports(PEER_PORT, HOST_PORT));
    h.deliver(&peer_seg(&link, PEER_PORT, Flags::RST | Flags::ACK));
    h.assert_silent();
    assert_eq!(time_wait_count(&h), 1);
    assert_eq!(h.table.counters().time_wait_resets_ignored, 2);
    assert_eq!(h.table.counters().resets_received, 0);
}

#[test]
fn an_acceptable_ack_or_data_gets_no_answer() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    h.deliver(&peer_seg(&link, PEER_PORT, Flags::ACK));
    h.deliver(&peer_seg(&link, PEER_PORT, Flags::ACK).data(b"after the FIN"));
    h.assert_silent();
    assert_eq!(time_wait_count(&h), 1);
}

#[test]
fn a_segment_outside_the_window_gets_an_ack() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    let old = Seg::new(Flags::ACK, link.peer_nxt - 50)
        .acking(link.host_nxt)
        .ports(PEER_PORT, HOST_PORT)
        .data(b"old");
    h.deliver(&old);
    let ack = h.poll_one();
    assert_eq!(
        (ack.ctl(), ack.seq(), ack.ack()),
        (Flags::ACK, link.host_nxt, link.peer_nxt)
    );
    assert_eq!(h.table.counters().out_of_window, 1);
}

#[test]
fn an_ack_of_something_never_sent_gets_an_ack() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    let future = Seg::new(Flags::ACK, link.peer_nxt)
        .acking(link.host_nxt + 1000)
        .ports(PEER_PORT, HOST_PORT);
    h.deliver(&future);
    assert_eq!(h.poll_one().ack(), link.peer_nxt);
}

#[test]
fn an_old_syn_gets_a_challenge_ack_and_a_new_one_reopens() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    h.advance(100);
    h.deliver(&Seg::syn(link.peer_nxt - 50).ports(PEER_PORT, HOST_PORT));
    let ack = h.poll_one();
    assert_eq!((ack.ctl(), ack.ack()), (Flags::ACK, link.peer_nxt));
    assert_eq!(h.table.counters().challenge_acks, 1);
    assert_eq!(time_wait_count(&h), 1);

    h.deliver(&Seg::syn(link.peer_nxt + 5000).ports(PEER_PORT, HOST_PORT));
    let syn_ack = h.poll_one();
    assert_eq!(syn_ack.ctl(), Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.ack(), link.peer_nxt + 5001);
    assert_eq!(time_wait_count(&h), 0, "the record made way");
}

#[test]
fn a_record_keeps_its_four_tuple_and_port_in_use() {
    let mut h = Harness::quick();
    // The host connects out and closes first: the record holds an
    // ephemeral port.
    let link = h.connect_to(7000);
    h.table.close(link.handle, h.now).unwrap();
    let fin = h.poll_one();
    h.deliver(
        &Seg::new(Flags::FIN | Flags::ACK, link.peer_nxt)
            .acking(fin.seq() + 1)
            .ports(PEER_PORT, link.host_port),
    );
    h.poll_one();
    assert_eq!(time_wait_count(&h), 1);
    let local = SocketAddrV4::new(HOST, link.host_port);
    assert!(h.table.port_in_use(local));
    assert!(
        h.table
            .port_in_use(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, link.host_port))
    );
    let remote = SocketAddrV4::new(PEER, PEER_PORT);
    assert_eq!(
        h.table.connect(h.now, local, remote),
        Err(TcpError::AddrInUse)
    );
    // A new ephemeral port is another one.
    let other = h.connect();
    assert_ne!(
        h.table
            .sockets()
            .find(|s| s.handle == Some(other))
            .unwrap()
            .local,
        local
    );
    h.table.abort(other, h.now).unwrap();

    h.advance(2000);
    h.poll();
    assert!(!h.table.port_in_use(local), "free once TIME-WAIT ended");
}

#[test]
fn a_connection_the_user_still_holds_stays_a_connection() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.shutdown_write(link.handle, h.now).unwrap();
    h.finish_active_close(&mut link);
    assert_eq!(h.table.state(link.handle), State::TimeWait);
    assert_eq!(h.table.sockets().next().unwrap().handle, Some(link.handle));
    // Closing it now makes it a record.
    h.table.close(link.handle, h.now).unwrap();
    let info = h.table.sockets().next().unwrap();
    assert_eq!((info.state, info.handle), (State::TimeWait, None));
}

// ANCHOR: no_growth
#[test]
fn ten_thousand_connections_through_time_wait_do_not_grow_the_work_of_a_poll() {
    let mut h = Harness::quick();
    // The work of one poll (`poll_output` and `poll_at`) with nothing to
    // do, counted in sockets and records looked at.
    let idle_poll = |h: &mut Harness| {
        let before = h.table.steps();
        h.assert_silent();
        h.table.poll_at();
        h.table.steps() - before
    };
    server_closes_first(&mut h, 1);
    let first = idle_poll(&mut h);
    // Within 2 s, so that none of them expires.
    for port in 2..=10_000 {
        if port % 1000 == 0 {
            h.advance(1);
        }
        server_closes_first(&mut h, port);
    }
    assert_eq!(time_wait_count(&h), 10_000);
    let last = idle_poll(&mut h);
    assert!(
        last <= first,
        "{first} steps with one record, {last} with 10,000"
    );

    // They expire in one poll that looks at each once, then no more.
    h.advance(2000);
    let before = h.table.steps();
    h.assert_silent();
    assert!(h.table.steps() - before <= 10_000 + first);
    assert_eq!(time_wait_count(&h), 0);
    assert!(idle_poll(&mut h) <= first);
}
// ANCHOR_END: no_growth

/// The handle of the closed connection names nothing any more.
#[test]
fn a_stale_handle_is_not_a_record() {
    let mut h = Harness::quick();
    let link = server_closes_first(&mut h, PEER_PORT);
    let stale: SocketHandle = link.handle;
    assert_eq!(h.table.send(stale, b"x"), Err(TcpError::InvalidHandle));
}
