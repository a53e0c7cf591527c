//! The global bounds on receive buffers: all TCP connections together
//! (`TcpConfig::max_recv_memory`) and all UDP sockets together
//! (`udp::MAX_RX_MEMORY`). Programs that never read cannot make the
//! stack hold more; once they read, data flows again.

mod common;
mod tcp_support;

use common::*;
use net::iface::udp::MAX_RX_MEMORY;
use net::tcp::TcpConfig;
use net::wire::tcp::Flags;
use tcp_support::{Harness, Seg};

#[test]
fn tcp_connections_share_one_receive_memory_bound() {
    let mut h = Harness::new(TcpConfig {
        max_recv_memory: 10_000,
        ack_delay: None,
        ..TcpConfig::default()
    });
    let a = h.established();
    let b = h.connect_to(5000);
    h.deliver(&a.seg(Flags::NONE).data(&[1; 6000]));
    h.poll();
    // 6000 more would make 12 000: b's data is dropped, its ACK kept.
    let to_b: Seg = b.seg(Flags::NONE).data(&[2; 6000]);
    h.deliver(&to_b);
    assert_eq!(h.table.counters().recv_memory_drops, 1);
    assert_eq!(h.table.recv_memory(), 6000);
    assert_eq!(h.recv_all(b.handle), b"");
    // a's program reads; b's data, sent again, now fits.
    assert_eq!(h.recv_all(a.handle).len(), 6000);
    assert_eq!(h.table.recv_memory(), 0);
    h.deliver(&to_b);
    assert_eq!(h.recv_all(b.handle), vec![2; 6000]);
}

#[test]
fn udp_sockets_share_one_receive_memory_bound() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let sockets: Vec<_> = (0..4).map(|i| iface.udp_bind(5000 + i).unwrap()).collect();
    // 60 000-byte datagrams (reassembled from 41 fragments each), 8 per
    // socket, nobody reading: 1.9 MB offered, 1 MiB the bound.
    let mut ident = 0;
    for round in 0..8 {
        for port in 5000..5004 {
            ident += 1;
            let datagram = udp(PEER_IP, OUR_IP, 9000, port, &vec![round as u8; 60_000]);
            deliver_all(
                &mut iface,
                &mut dev,
                at(0),
                &fragments_from_peer(PROTO_UDP, ident, 1480, &datagram),
            );
            assert!(iface.udp_rx_memory() <= MAX_RX_MEMORY);
        }
    }
    let kept = MAX_RX_MEMORY / 60_000;
    assert_eq!(iface.udp_rx_memory(), kept * 60_000);
    assert_eq!(iface.counters().udp_queue_overflow, 32 - kept as u64);
    // Reading one makes room for the next.
    assert!(iface.udp_recv_from(sockets[0]).is_some());
    assert_eq!(iface.udp_rx_memory(), (kept - 1) * 60_000);
    let datagram = udp(PEER_IP, OUR_IP, 9000, 5003, &[9; 60_000]);
    deliver_all(
        &mut iface,
        &mut dev,
        at(1),
        &fragments_from_peer(PROTO_UDP, 999, 1480, &datagram),
    );
    assert_eq!(iface.udp_rx_memory(), kept * 60_000);
    // Closing a socket gives its memory back.
    iface.udp_close(sockets[1]).unwrap();
    assert!(iface.udp_rx_memory() < kept * 60_000);
}
