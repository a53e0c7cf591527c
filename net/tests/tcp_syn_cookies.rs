//! SYN cookies (RFC 4987 §3.6): once a listener's half-open queue is full,
//! SYNs are answered without keeping anything, and a client that completes
//! the handshake still gets its connection, even in the middle of a flood.

mod tcp_support;

use net::tcp::syn_cookie::MSS_TABLE;
use net::tcp::{State, TcpConfig};
use net::wire::tcp::Flags;
use tcp_support::*;

fn small_queue() -> Harness {
    Harness::new(TcpConfig {
        max_half_open: 4,
        ack_delay: None,
        ..TcpConfig::default()
    })
}

/// SYNs from `count` forged clients (ports 1000..), their answers dropped.
/// The interface polls after every 32 frames (`RX_BATCH`); so do we.
fn flood(h: &mut Harness, count: u16) {
    for port in 0..count {
        h.deliver(&Seg::syn(100 + u32::from(port)).ports(1000 + port, HOST_PORT));
        if port % 32 == 31 {
            h.poll();
        }
    }
    h.poll();
}

/// The one segment sent to the real client (the flood's half-open
/// children may be retransmitting their SYN+ACKs too).
fn to_client(h: &mut Harness) -> Out {
    let mut out: Vec<_> = h
        .poll()
        .into_iter()
        .filter(|o| o.repr.dst_port == PEER_PORT)
        .collect();
    assert_eq!(out.len(), 1, "expected one segment to the client: {out:#?}");
    out.remove(0)
}

#[test]
fn full_half_open_queue_answers_with_cookies_and_keeps_nothing() {
    let mut h = small_queue();
    h.listen();
    flood(&mut h, 1000);
    assert_eq!(
        h.table.sockets().count(),
        1 + 4,
        "the listener and 4 children"
    );
    let c = h.table.counters();
    assert_eq!((c.syn_cookies_sent, c.syn_flood_evictions), (996, 0));
}

#[test]
fn real_client_completes_its_handshake_through_a_flood() {
    let mut h = small_queue();
    let listener = h.listen();
    flood(&mut h, 1000);
    // The real client: MSS 1400 (a tunnel), window scaling offered.
    h.deliver(&Seg::syn(5000).mss(1400).wscale(7));
    let syn_ack = to_client(&mut h);
    assert_eq!(syn_ack.ctl(), Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.ack(), 5001);
    assert_eq!(
        syn_ack.repr.window_scale, None,
        "a cookie cannot keep a scale"
    );
    assert_eq!(syn_ack.repr.max_seg_size, Some(1460));
    let cookie = syn_ack.seq();
    // Its ACK carries the first request too.
    h.advance(500);
    h.deliver(&Seg::ack(5001, cookie.wrapping_add(1)).data(b"GET /"));
    let conn = h
        .table
        .accept(listener)
        .expect("the cookie opens the connection");
    assert_eq!(h.table.state(conn), State::Established);
    assert_eq!(h.recv_all(conn), b"GET /");
    assert_eq!(h.table.counters().syn_cookies_accepted, 1);
    let info = h.table.sockets().find(|s| s.handle == Some(conn)).unwrap();
    assert_eq!(
        info.send_mss,
        usize::from(MSS_TABLE[1]),
        "1400 rounds down to 1300"
    );
    // And the answer flows back, from the cookie's sequence space.
    h.table.send(conn, b"200 OK").unwrap();
    let data = to_client(&mut h);
    assert_eq!(data.seq(), cookie.wrapping_add(1));
    assert_eq!(data.payload, b"200 OK");
}

#[test]
fn wrong_or_stale_cookie_gets_a_reset() {
    let mut h = small_queue();
    let listener = h.listen();
    flood(&mut h, 10);
    h.deliver(&Seg::syn(5000));
    let cookie = to_client(&mut h).seq();
    // Guessed: one off.
    h.deliver(&Seg::ack(5001, cookie.wrapping_add(2)));
    assert_eq!(to_client(&mut h).ctl(), Flags::RST);
    // Another client's ISN with this cookie.
    h.deliver(&Seg::ack(6001, cookie.wrapping_add(1)));
    assert_eq!(to_client(&mut h).ctl(), Flags::RST);
    // The right one, but two 64-second periods later.
    h.advance(128_000);
    h.deliver(&Seg::ack(5001, cookie.wrapping_add(1)));
    assert_eq!(to_client(&mut h).ctl(), Flags::RST);
    assert!(h.table.accept(listener).is_err());
    assert_eq!(h.table.counters().syn_cookies_accepted, 0);
}

#[test]
fn a_cookie_cannot_overfill_the_accept_queue() {
    let mut h = Harness::new(TcpConfig {
        max_half_open: 1,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let listener = h
        .table
        .listen(std::net::SocketAddrV4::new(HOST, HOST_PORT), 1)
        .unwrap();
    // Client A is half-open, so client B gets a cookie...
    h.deliver(&Seg::syn(100).ports(2000, HOST_PORT));
    let syn_ack = h.poll_one();
    h.deliver(&Seg::syn(300).ports(2002, HOST_PORT));
    let cookie = h.poll_one().seq();
    // ...then A completes and fills the accept queue (backlog 1)...
    h.deliver(&Seg::ack(101, syn_ack.seq().wrapping_add(1)).ports(2000, HOST_PORT));
    h.poll();
    // ...so B's cookie, valid as it is, finds no room: dropped, not reset,
    // and B will try again with its next segment.
    h.deliver(&Seg::ack(301, cookie.wrapping_add(1)).ports(2002, HOST_PORT));
    h.assert_silent();
    assert_eq!(h.table.counters().syn_cookies_accepted, 0);
    assert!(h.table.accept(listener).is_ok());
    assert!(h.table.accept(listener).is_err());
}
