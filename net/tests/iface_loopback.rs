//! The loopback path: ping, UDP and TCP from this host to itself, through
//! 127.0.0.1 and through its own address, without a frame on the wire; and
//! 127.0.0.0/8 refused from the wire (RFC 1122 §3.2.1.3).

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::*;
use net::iface::loopback::LOOPBACK_QUEUE_LEN;
use net::iface::{Interface, NetError};
use net::tcp::{State, TcpConfig, TcpTable};

const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

fn tcp_iface() -> Interface {
    let mut iface = iface();
    iface.attach_tcp(TcpTable::new(TcpConfig::default(), *b"loopback-secret!"));
    iface
}

#[test]
fn ping_to_ourselves_is_answered_without_the_wire() {
    for dst in [LOCALHOST, OUR_IP, Ipv4Addr::new(127, 1, 2, 3)] {
        let (mut iface, mut dev) = (iface(), MockDevice::new());
        iface.ping_send(dst, 77, 1, b"hello me", at(0)).unwrap();
        iface.poll(at(0), &mut dev);
        let reply = iface.ping_recv(77).expect("an echo reply");
        assert_eq!((reply.seq_no, reply.payload_len), (1, 8));
        assert_eq!(reply.src, dst, "from the address pinged");
        assert!(dev.tx.is_empty(), "nothing on the wire");
        assert_eq!(iface.counters().loopback_packets, 2, "request and reply");
    }
}

#[test]
fn udp_between_two_local_sockets() {
    for dst in [LOCALHOST, OUR_IP] {
        let (mut iface, mut dev) = (iface(), MockDevice::new());
        let a = iface.udp_bind(5000).unwrap();
        let b = iface.udp_bind(6000).unwrap();
        iface
            .udp_send_to(a, SocketAddrV4::new(dst, 6000), b"to b", at(0))
            .unwrap();
        iface.poll(at(0), &mut dev);
        let (from, data) = iface.udp_recv_from(b).unwrap();
        assert_eq!(from, SocketAddrV4::new(iface.source_for(dst), 5000));
        assert_eq!(data, b"to b");
        // And back to where it came from.
        iface.udp_send_to(b, from, b"to a", at(1)).unwrap();
        iface.poll(at(1), &mut dev);
        assert_eq!(iface.udp_recv_from(a).unwrap().1, b"to a");
        assert!(dev.tx.is_empty());
    }
}

#[test]
fn tcp_connection_to_ourselves_carries_data_both_ways_and_closes() {
    for dst in [LOCALHOST, OUR_IP] {
        let (mut iface, mut dev) = (tcp_iface(), MockDevice::new());
        let any = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 80);
        let listener = iface.tcp_mut().unwrap().listen(any, 4).unwrap();
        let local = SocketAddrV4::new(iface.source_for(dst), 0);
        let client = iface
            .tcp_mut()
            .unwrap()
            .connect(at(0), local, SocketAddrV4::new(dst, 80))
            .unwrap();
        // One poll runs the handshake: SYN, SYN+ACK, ACK, each looped.
        iface.poll(at(0), &mut dev);
        let tcp = iface.tcp_mut().unwrap();
        assert_eq!(tcp.state(client), State::Established);
        let server = tcp.accept(listener).unwrap();
        tcp.send(client, b"GET / HTTP/1.0\r\n\r\n").unwrap();
        iface.poll(at(1), &mut dev);
        let tcp = iface.tcp_mut().unwrap();
        let mut buf = [0u8; 64];
        let n = tcp.recv(server, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"GET / HTTP/1.0\r\n\r\n");
        tcp.send(server, b"HTTP/1.0 200 OK\r\n\r\nhi").unwrap();
        tcp.close(server, at(2)).unwrap();
        iface.poll(at(2), &mut dev);
        let tcp = iface.tcp_mut().unwrap();
        let n = tcp.recv(client, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"HTTP/1.0 200 OK\r\n\r\nhi");
        assert_eq!(tcp.recv(client, &mut buf), Ok(0), "end of stream");
        assert!(dev.tx.is_empty(), "nothing on the wire");
    }
}

#[test]
fn loopback_queue_is_bounded() {
    let mut iface = iface();
    let socket = iface.udp_bind(5000).unwrap();
    let to = SocketAddrV4::new(LOCALHOST, 5000);
    let results: Vec<_> = (0..=LOOPBACK_QUEUE_LEN)
        .map(|_| iface.udp_send_to(socket, to, b"x", at(0)))
        .collect();
    assert_eq!(results.last(), Some(&Err(NetError::QueueFull)));
    assert_eq!(iface.counters().tx_queue_full, 1);
    assert!(iface.loopback_pending());
    assert_eq!(iface.poll_at(), Some(at(0)), "poll again at once");
}

#[test]
fn loopback_addresses_from_the_wire_are_refused() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let echo = icmp_echo(8, 1, 1, b"spoof");
    let from_lo = ethernet(
        OUR_MAC,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &ipv4(LOCALHOST, OUR_IP, PROTO_ICMP, &echo),
    );
    let to_lo = ethernet(
        OUR_MAC,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &ipv4(PEER_IP, LOCALHOST, PROTO_ICMP, &echo),
    );
    deliver(&mut iface, &mut dev, at(0), &[from_lo, to_lo]);
    let c = iface.counters();
    assert_eq!((c.rx_bad_source, c.rx_not_for_us), (1, 1));
    assert!(dev.tx.is_empty());
}
