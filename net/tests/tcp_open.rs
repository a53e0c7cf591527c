//! Opening connections: passive and active open, refusal, simultaneous
//! open, listeners, resets for closed ports, SYN floods (RFC 9293 §3.5,
//! §3.10.7.1 – §3.10.7.3).

mod tcp_support;

use core::net::{Ipv4Addr, SocketAddrV4};
use net::tcp::{State, TcpConfig, TcpError};
use net::wire::tcp::Flags;
use tcp_support::*;

#[test]
fn passive_open_answers_syn_with_syn_ack_and_establishes_on_ack() {
    let mut h = Harness::quick();
    let listener = h.listen();
    h.deliver(&Seg::syn(5000));
    let syn_ack = h.poll_one();
    assert_eq!(syn_ack.ctl(), Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.ack(), 5001);
    assert_eq!(syn_ack.repr.max_seg_size, Some(1460));
    assert_eq!(
        syn_ack.repr.window_scale, None,
        "peer did not offer scaling"
    );
    assert_eq!((syn_ack.src, syn_ack.dst), (HOST, PEER));
    assert_eq!(h.table.accept(listener), Err(TcpError::WouldBlock));
    h.deliver(&Seg::ack(5001, syn_ack.seq().wrapping_add(1)));
    let conn = h.table.accept(listener).unwrap();
    assert_eq!(h.table.state(conn), State::Established);
    assert!(h.table.readiness(conn).writable);
    assert_eq!(h.table.counters().passive_opens, 1);
}

#[test]
fn syn_ack_offers_window_scale_only_when_the_syn_did() {
    let mut h = Harness::quick();
    h.listen();
    h.deliver(&Seg::syn(5000).wscale(7));
    let syn_ack = h.poll_one();
    // 64 KiB of receive buffer needs a shift of 1 to fit 16 bits.
    assert_eq!(syn_ack.repr.window_scale, Some(1));
    assert_eq!(syn_ack.window(), 65535, "the window of a SYN is not scaled");
}

#[test]
fn active_open_sends_syn_with_our_options() {
    let mut h = Harness::quick();
    let conn = h.connect();
    assert_eq!(h.table.state(conn), State::SynSent);
    let syn = h.poll_one();
    assert_eq!(syn.ctl(), Flags::SYN);
    assert_eq!(syn.repr.max_seg_size, Some(1460));
    assert_eq!(syn.repr.window_scale, Some(1));
    assert!(syn.repr.src_port >= 49152, "ephemeral port");
    assert!(!h.table.readiness(conn).writable);
}

#[test]
fn active_open_acknowledges_the_syn_ack() {
    let mut h = Harness::quick();
    let conn = h.connect();
    let syn = h.poll_one();
    h.deliver(
        &Seg::syn(7000)
            .acking(syn.seq().wrapping_add(1))
            .ports(PEER_PORT, syn.repr.src_port),
    );
    let ack = h.poll_one();
    assert_eq!(ack.ctl(), Flags::ACK);
    assert_eq!(ack.seq(), syn.seq().wrapping_add(1));
    assert_eq!(ack.ack(), 7001);
    assert_eq!(h.table.state(conn), State::Established);
    assert!(h.table.readiness(conn).writable);
}

#[test]
fn reset_answering_our_syn_refuses_the_connection() {
    let mut h = Harness::quick();
    let conn = h.connect();
    let syn = h.poll_one();
    let rst = Seg::rst(0)
        .acking(syn.seq().wrapping_add(1))
        .ports(PEER_PORT, syn.repr.src_port);
    h.deliver(&rst);
    assert_eq!(h.table.state(conn), State::Closed);
    let ready = h.table.readiness(conn);
    assert!(ready.error && ready.writable && ready.readable);
    assert_eq!(h.table.recv(conn, &mut [0; 8]), Err(TcpError::Refused));
    assert_eq!(h.table.send(conn, b"x"), Err(TcpError::Refused));
    h.assert_silent();
    h.table.close(conn, h.now).unwrap();
    assert_eq!(h.table.sockets().count(), 0);
}

#[test]
fn reset_without_ack_in_syn_sent_is_ignored() {
    let mut h = Harness::quick();
    let conn = h.connect();
    let syn = h.poll_one();
    h.deliver(&Seg::rst(0).ports(PEER_PORT, syn.repr.src_port));
    assert_eq!(h.table.state(conn), State::SynSent);
}

#[test]
fn syn_ack_acknowledging_the_wrong_number_is_reset() {
    let mut h = Harness::quick();
    let conn = h.connect();
    let syn = h.poll_one();
    let wrong = syn.seq().wrapping_add(5);
    h.deliver(
        &Seg::syn(7000)
            .acking(wrong)
            .ports(PEER_PORT, syn.repr.src_port),
    );
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), wrong);
    assert_eq!(h.table.state(conn), State::SynSent);
}

#[test]
fn simultaneous_open_goes_through_syn_received() {
    let mut h = Harness::quick();
    let conn = h.connect();
    let syn = h.poll_one();
    let port = syn.repr.src_port;
    // The peer's SYN crosses ours.
    h.deliver(&Seg::syn(9000).ports(PEER_PORT, port));
    assert_eq!(h.table.state(conn), State::SynReceived);
    let syn_ack = h.poll_one();
    assert_eq!(syn_ack.ctl(), Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.seq(), syn.seq(), "the same SYN, now with an ACK");
    assert_eq!(syn_ack.ack(), 9001);
    // The peer's SYN+ACK for our SYN completes the handshake.
    h.deliver(
        &Seg::syn(9000)
            .acking(syn.seq().wrapping_add(1))
            .ports(PEER_PORT, port),
    );
    assert_eq!(h.table.state(conn), State::Established);
    let ack = h.poll_one();
    assert_eq!(ack.ctl(), Flags::ACK);
    assert_eq!(ack.ack(), 9001);
}

#[test]
fn repeated_syn_in_syn_received_repeats_the_syn_ack() {
    let mut h = Harness::quick();
    h.listen();
    h.deliver(&Seg::syn(5000));
    let first = h.poll_one();
    h.deliver(&Seg::syn(5000));
    let again = h.poll_one();
    assert_eq!(again.ctl(), Flags::SYN | Flags::ACK);
    assert_eq!(again.seq(), first.seq());
    assert_eq!(h.table.sockets().count(), 2, "listener and one child");
}

#[test]
fn ack_to_a_listener_is_answered_with_a_reset() {
    let mut h = Harness::quick();
    h.listen();
    h.deliver(&Seg::ack(100, 4242));
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), 4242);
}

#[test]
fn segment_to_a_closed_port_is_answered_with_a_reset() {
    let mut h = Harness::quick();
    h.deliver(&Seg::syn(777));
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST | Flags::ACK);
    assert_eq!(rst.seq(), 0);
    assert_eq!(rst.ack(), 778, "SEG.SEQ + SEG.LEN, the SYN counting one");
    h.deliver(&Seg::ack(10, 20).data(b"abc"));
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), 20);
    assert_eq!(h.table.counters().no_socket, 2);
}

#[test]
fn reset_to_a_closed_port_gets_no_answer() {
    let mut h = Harness::quick();
    h.deliver(&Seg::rst(5));
    h.assert_silent();
}

#[test]
fn segment_with_a_bad_checksum_is_dropped() {
    let mut h = Harness::quick();
    let mut bytes = Vec::new();
    Seg::syn(1).repr.emit(PEER, HOST, &[], &mut bytes);
    bytes[16] ^= 0xff;
    h.table.input(h.now, PEER, HOST, &bytes);
    h.assert_silent();
    assert_eq!(h.table.counters().bad_checksum, 1);
}

#[test]
fn segment_to_a_broadcast_address_is_dropped() {
    let mut h = Harness::quick();
    let mut bytes = Vec::new();
    Seg::syn(1)
        .repr
        .emit(PEER, Ipv4Addr::BROADCAST, &[], &mut bytes);
    h.table.input(h.now, PEER, Ipv4Addr::BROADCAST, &bytes);
    h.assert_silent();
    assert_eq!(h.table.counters().malformed, 1);
}

#[test]
fn without_cookies_a_syn_flood_evicts_the_oldest_half_open_connection() {
    let mut h = Harness::new(TcpConfig {
        max_half_open: 4,
        syn_cookies: false,
        ..TcpConfig::default()
    });
    h.listen();
    for port in 0..10 {
        h.deliver(&Seg::syn(100).ports(1000 + port, HOST_PORT));
    }
    assert_eq!(h.table.sockets().count(), 1 + 4);
    assert_eq!(h.table.counters().syn_flood_evictions, 6);
    let remotes: Vec<u16> = h
        .table
        .sockets()
        .filter_map(|s| s.remote.map(|r| r.port()))
        .collect();
    assert_eq!(remotes, [1006, 1007, 1008, 1009], "the newest survive");
}

#[test]
fn full_accept_queue_drops_new_syns() {
    let mut h = Harness::quick();
    let listener = h
        .table
        .listen(SocketAddrV4::new(HOST, HOST_PORT), 1)
        .unwrap();
    h.deliver(&Seg::syn(100));
    let syn_ack = h.poll_one();
    h.deliver(&Seg::ack(101, syn_ack.seq().wrapping_add(1)));
    h.assert_silent();
    h.deliver(&Seg::syn(500).ports(PEER_PORT + 1, HOST_PORT));
    h.assert_silent();
    assert_eq!(h.table.counters().listen_overflows, 1);
    h.table.accept(listener).unwrap();
    h.deliver(&Seg::syn(500).ports(PEER_PORT + 1, HOST_PORT));
    assert_eq!(h.poll_one().ctl(), Flags::SYN | Flags::ACK);
}

#[test]
fn exact_reset_in_syn_received_sends_a_child_back_to_listen() {
    let mut h = Harness::quick();
    let listener = h.listen();
    h.deliver(&Seg::syn(100));
    h.poll_one();
    h.deliver(&Seg::rst(101));
    assert_eq!(h.table.sockets().count(), 1);
    assert_eq!(h.table.state(listener), State::Listen);
    assert_eq!(h.table.counters().resets_received, 1);
}

#[test]
fn bad_ack_in_syn_received_is_reset() {
    let mut h = Harness::quick();
    h.listen();
    h.deliver(&Seg::syn(100));
    let syn_ack = h.poll_one();
    let wrong = syn_ack.seq().wrapping_add(50);
    h.deliver(&Seg::ack(101, wrong));
    let rst = h.poll_one();
    assert_eq!(rst.ctl(), Flags::RST);
    assert_eq!(rst.seq(), wrong);
}

#[test]
fn peer_mss_is_honoured_and_defaults_to_536() {
    let mut h = Harness::quick();
    let link = h.accept_from(1000, Seg::syn(1000).no_mss());
    h.table.send(link.handle, &[7; 2000]).unwrap();
    let sizes: Vec<usize> = h.poll().iter().map(|s| s.payload.len()).collect();
    assert_eq!(sizes, [536, 536, 536, 392]);

    let mut h = Harness::quick();
    let link = h.accept_from(1000, Seg::syn(1000).mss(1000));
    h.table.send(link.handle, &[7; 2000]).unwrap();
    let sizes: Vec<usize> = h.poll().iter().map(|s| s.payload.len()).collect();
    assert_eq!(sizes, [1000, 1000]);
}

#[test]
fn our_mss_caps_segments_even_if_the_peer_allows_more() {
    let mut h = Harness::new(TcpConfig {
        mss: 500,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let link = h.accept_from(1000, Seg::syn(1000).mss(9000));
    h.table.send(link.handle, &[7; 1200]).unwrap();
    let sizes: Vec<usize> = h.poll().iter().map(|s| s.payload.len()).collect();
    assert_eq!(sizes, [500, 500, 200]);
}

#[test]
fn listening_twice_on_a_port_is_addr_in_use() {
    let mut h = Harness::quick();
    h.listen();
    let any = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT);
    let exact = SocketAddrV4::new(HOST, HOST_PORT);
    assert_eq!(h.table.listen(any, 4), Err(TcpError::AddrInUse));
    assert_eq!(h.table.listen(exact, 4), Err(TcpError::AddrInUse));
    assert!(h.table.port_in_use(exact));
    assert!(h.table.listen(SocketAddrV4::new(HOST, 81), 4).is_ok());
    assert_eq!(
        h.table.listen(SocketAddrV4::new(HOST, 0), 4),
        Err(TcpError::InvalidArgument)
    );
}

#[test]
fn connecting_twice_on_the_same_four_tuple_is_addr_in_use() {
    let mut h = Harness::quick();
    let local = SocketAddrV4::new(HOST, 5555);
    let remote = SocketAddrV4::new(PEER, PEER_PORT);
    h.table.connect(h.now, local, remote).unwrap();
    assert_eq!(
        h.table.connect(h.now, local, remote),
        Err(TcpError::AddrInUse)
    );
}

#[test]
fn ephemeral_ports_are_distinct() {
    let mut h = Harness::quick();
    let a = h.connect();
    let b = h.connect();
    let ports: Vec<u16> = h.table.sockets().map(|s| s.local.port()).collect();
    assert_ne!(ports[0], ports[1]);
    assert_ne!(a, b);
}

#[test]
fn isns_differ_between_connections() {
    let mut h = Harness::quick();
    h.connect();
    h.connect();
    let syns = h.poll();
    assert_eq!(syns.len(), 2);
    assert_ne!(syns[0].seq(), syns[1].seq());
}

#[test]
fn a_stale_handle_is_rejected() {
    let mut h = Harness::quick();
    let conn = h.connect();
    h.table.close(conn, h.now).unwrap();
    assert_eq!(h.table.sockets().count(), 0, "closing in SYN-SENT frees it");
    let other = h.connect();
    assert_ne!(conn, other);
    assert_eq!(h.table.send(conn, b"x"), Err(TcpError::InvalidHandle));
    assert_eq!(h.table.state(conn), State::Closed);
}

#[test]
fn accept_and_send_on_the_wrong_kind_of_socket_are_invalid() {
    let mut h = Harness::quick();
    let link = h.established();
    assert_eq!(h.table.accept(link.handle), Err(TcpError::InvalidArgument));
    let listener = h.table.listen(SocketAddrV4::new(HOST, 81), 1).unwrap();
    assert_eq!(h.table.send(listener, b"x"), Err(TcpError::InvalidArgument));
}

#[test]
fn data_written_before_the_handshake_goes_out_after_it() {
    let mut h = Harness::quick();
    let conn = h.connect();
    assert_eq!(h.table.send(conn, b"early"), Ok(5));
    let syn = h.poll_one();
    assert!(syn.payload.is_empty());
    h.deliver(
        &Seg::syn(7000)
            .acking(syn.seq().wrapping_add(1))
            .ports(PEER_PORT, syn.repr.src_port),
    );
    let data = h.poll_one();
    assert_eq!(data.payload, b"early");
    assert_eq!(data.ack(), 7001);
}
