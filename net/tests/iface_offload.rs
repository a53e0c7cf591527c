//! Checksum and segmentation offload: a card that finishes TCP's segments
//! must put on the wire exactly the bytes that a card without offload
//! puts there when the stack does all the work.
//!
//! Two interfaces, ours (10.0.2.15) and a peer (10.0.2.3), talk through
//! mock cards on a scripted link with a fake clock. Our card is the model
//! of an e1000 with offload (`finish_in_software`, in `common`): each frame
//! it is given with a `TxOffload` leaves as the frames the real card would
//! make. The same bulk exchange runs once without offload and once with
//! it, and every frame on the wire, both ways, must be the same.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::*;
use net::iface::{Config, Interface};
use net::offload::{Capabilities, TxOffload};
use net::tcp::{SocketHandle, State, TcpConfig, TcpTable};
use net::time::Instant;
use net::wire::ethernet::{EtherType, EthernetFrame};
use net::wire::ipv4::Ipv4Packet;
use net::wire::tcp::TcpPacket;

const PORT: u16 = 80;
const BULK: usize = 1 << 20;

const CHECKSUM_ONLY: Capabilities = Capabilities {
    tx_checksum: true,
    tso_max: 0,
};
const TSO: Capabilities = Capabilities {
    tx_checksum: true,
    tso_max: 65536,
};

/// What one run of the exchange left behind.
struct Run {
    /// Every frame on the wire, in order, with its direction (true: ours
    /// to the peer).
    wire: Vec<(bool, Vec<u8>)>,
    /// What our card was handed with offload.
    offloaded: Vec<(Vec<u8>, TxOffload)>,
    received: Vec<u8>,
}

fn peer_config() -> Config {
    Config {
        mac: PEER_MAC,
        addr: PEER_IP,
        ..config()
    }
}

fn table(tcp: TcpConfig, secret: &[u8; 16]) -> TcpTable {
    TcpTable::new(tcp, *secret)
}

/// Our side sends `BULK` bytes to the peer and shuts down its sending
/// side; the peer reads them all. With `both_ways`, the peer sends `BULK`
/// bytes of its own at the same time, which we read (our ACKs then carry
/// SACK blocks when some of its data is lost). `drop_every`: lose every
/// n-th frame on the wire in each direction (0: none), to bring
/// retransmissions in.
fn exchange(card: Capabilities, tcp: TcpConfig, drop_every: usize, both_ways: bool) -> Run {
    let mut ours = Interface::new(config());
    let mut peer = Interface::new(peer_config());
    ours.attach_tcp(table(tcp, b"offload-test-key"));
    peer.attach_tcp(table(tcp, b"offload-peer-key"));
    let mut our_card = MockDevice::new();
    our_card.capabilities = card;
    let mut peer_card = MockDevice::new();

    let any = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT);
    let listener = peer.tcp_mut().unwrap().listen(any, 4).unwrap();
    let remote = SocketAddrV4::new(PEER_IP, PORT);
    let local = SocketAddrV4::new(OUR_IP, 0);
    let sender = ours
        .tcp_mut()
        .unwrap()
        .connect(at(0), local, remote)
        .unwrap();
    let data: Vec<u8> = (0..BULK).map(|i| (i * 7 + i / 251) as u8).collect();
    let peer_data: Vec<u8> = if both_ways {
        data.iter().rev().copied().collect()
    } else {
        Vec::new()
    };

    let mut run = Run {
        wire: Vec::new(),
        offloaded: Vec::new(),
        received: Vec::new(),
    };
    // Both ways, ours writes 5000 bytes a millisecond: short of a whole
    // number of segments, so bursts often end in a short tail.
    let mut ours_writer = Writer {
        per_call: if both_ways { 5000 } else { BULK },
        ..Writer::default()
    };
    let mut peer_writer = Writer {
        per_call: BULK,
        ..Writer::default()
    };
    let mut reader: Option<SocketHandle> = None;
    let (mut peer_done, mut ours_received) = (false, Vec::new());
    let mut sent = [0usize; 2];
    let mut buf = vec![0u8; 65536];
    for ms in 0..120_000 {
        let now = at(ms);
        ours.poll(now, &mut our_card);
        peer.poll(now, &mut peer_card);
        // The link: everything sent this millisecond arrives the next.
        let mut link = |ours_to_peer: bool, frames: Vec<Vec<u8>>, to: &mut MockDevice| {
            for frame in frames {
                let count = &mut sent[usize::from(ours_to_peer)];
                *count += 1;
                run.wire.push((ours_to_peer, frame.clone()));
                if drop_every == 0 || !count.is_multiple_of(drop_every) {
                    to.rx.push_back(frame);
                }
            }
        };
        link(true, our_card.take_tx(), &mut peer_card);
        link(false, peer_card.take_tx(), &mut our_card);
        let tcp = ours.tcp_mut().unwrap();
        if tcp.state(sender) != State::SynSent {
            ours_writer.write(tcp, sender, &data, now);
            read_all(tcp, sender, &mut buf, &mut ours_received);
        }
        let tcp = peer.tcp_mut().unwrap();
        if reader.is_none() {
            reader = tcp.accept(listener).ok();
        }
        if let Some(h) = reader {
            peer_writer.write(tcp, h, &peer_data, now);
            peer_done |= read_all(tcp, h, &mut buf, &mut run.received);
        }
        if peer_done && ours_received.len() == peer_data.len() {
            assert_eq!(ours_received, peer_data);
            run.offloaded = std::mem::take(&mut our_card.offloaded);
            return run;
        }
    }
    panic!(
        "the exchange did not finish: {} of {BULK} bytes, {} frames: {:02x?}",
        run.received.len(),
        run.wire.len(),
        run.wire.iter().take(4).collect::<Vec<_>>()
    );
}

/// Writes `data` as the socket takes it, at most `per_call` bytes per
/// call, then shuts the sending side.
#[derive(Default)]
struct Writer {
    per_call: usize,
    written: usize,
    shut: bool,
}

impl Writer {
    fn write(&mut self, tcp: &mut TcpTable, h: SocketHandle, data: &[u8], now: Instant) {
        let end = data.len().min(self.written + self.per_call);
        while self.written < end {
            match tcp.send(h, &data[self.written..end]) {
                Ok(n) => self.written += n,
                Err(_) => break,
            }
        }
        if self.written == data.len() && !self.shut {
            tcp.shutdown_write(h, now).unwrap();
            self.shut = true;
        }
    }
}

/// Reads what has arrived into `into`; true at the end of the stream.
fn read_all(tcp: &mut TcpTable, h: SocketHandle, buf: &mut [u8], into: &mut Vec<u8>) -> bool {
    loop {
        match tcp.recv(h, buf) {
            Ok(0) => return true,
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(_) => return false,
        }
    }
}

fn no_delayed_acks() -> TcpConfig {
    TcpConfig {
        ack_delay: None,
        ..TcpConfig::default()
    }
}

/// The runs put the same frames on the wire, and every one of ours is a
/// valid frame (checksums right) of at most one MSS.
fn assert_same_wire(plain: &Run, offloaded: &Run) {
    assert_eq!(plain.received.len(), BULK);
    assert_eq!(offloaded.received, plain.received);
    assert_eq!(
        offloaded.wire.len(),
        plain.wire.len(),
        "frame counts differ"
    );
    for (i, (a, b)) in plain.wire.iter().zip(&offloaded.wire).enumerate() {
        assert!(a == b, "frame {i} differs: {a:02x?}\nvs\n{b:02x?}");
    }
    for (ours, frame) in &offloaded.wire {
        let eth = EthernetFrame::new_checked(frame).unwrap();
        if eth.ethertype() != EtherType::Ipv4 {
            continue;
        }
        let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
        assert!(ip.total_len() <= 1500);
        if *ours && ip.protocol() == net::wire::ipv4::Protocol::Tcp {
            let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
            assert!(tcp.verify_checksum(ip.src(), ip.dst()));
        }
    }
}

#[test]
fn segmentation_offload_puts_the_same_bytes_on_the_wire() {
    let plain = exchange(Capabilities::NONE, no_delayed_acks(), 0, false);
    let tso = exchange(TSO, no_delayed_acks(), 0, false);
    assert!(plain.offloaded.is_empty());
    // Large segments did go to the card, each cut into several frames.
    let large = tso
        .offloaded
        .iter()
        .filter(|(frame, o)| o.segmentation.is_some() && frame.len() > 10_000)
        .count();
    assert!(large > 10, "only {large} large segments");
    assert_same_wire(&plain, &tso);
}

#[test]
fn segmentation_offload_with_delayed_acks_and_nagle() {
    let tcp = TcpConfig {
        nagle: true,
        ..TcpConfig::default()
    };
    let plain = exchange(Capabilities::NONE, tcp, 0, false);
    let tso = exchange(TSO, tcp, 0, false);
    assert!(tso.offloaded.iter().any(|(_, o)| o.segmentation.is_some()));
    assert_same_wire(&plain, &tso);
}

#[test]
fn checksum_offload_alone_puts_the_same_bytes_on_the_wire() {
    let plain = exchange(Capabilities::NONE, no_delayed_acks(), 0, false);
    let checksum = exchange(CHECKSUM_ONLY, no_delayed_acks(), 0, false);
    assert!(!checksum.offloaded.is_empty());
    assert!(
        checksum
            .offloaded
            .iter()
            .all(|(_, o)| o.segmentation.is_none())
    );
    assert_same_wire(&plain, &checksum);
}

#[test]
fn losses_and_retransmissions_are_the_same_with_offload() {
    for drop_every in [7, 50] {
        let plain = exchange(Capabilities::NONE, no_delayed_acks(), drop_every, false);
        let tso = exchange(TSO, no_delayed_acks(), drop_every, false);
        assert_same_wire(&plain, &tso);
    }
}

#[test]
fn bulk_both_ways_with_losses_is_the_same_with_offload() {
    for drop_every in [0, 13] {
        let plain = exchange(Capabilities::NONE, no_delayed_acks(), drop_every, true);
        let tso = exchange(TSO, no_delayed_acks(), drop_every, true);
        assert_same_wire(&plain, &tso);
    }
}
