//! Shared by the integration tests: a scripted device, the addresses of a
//! small test LAN, and builders that write packets byte by byte.
//!
//! The builders deliberately do not use the crate's own `emit` functions, so
//! that a bug in `emit` cannot hide the same bug in a parser.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use net::iface::{Config, Device, Interface};
use net::offload::{Capabilities, TxOffload, finish_in_software};
use net::time::Instant;
use net::wire::checksum;
use net::wire::ethernet::EthernetAddress;

/// The test LAN, laid out like QEMU's user network: 10.0.2.0/24, gateway .2.
pub const OUR_MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 0x01]);
pub const OUR_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 15);
pub const GATEWAY_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
pub const GATEWAY_MAC: EthernetAddress = EthernetAddress([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]);
pub const PEER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
pub const PEER_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
pub const OTHER_MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc]);

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;

/// A network card made of two queues: frames to hand to the interface, and
/// frames it sent.
pub struct MockDevice {
    pub rx: VecDeque<Vec<u8>>,
    pub tx: Vec<Vec<u8>>,
    /// How many more frames `transmit` accepts; `None` means no limit.
    pub tx_room: Option<usize>,
    /// What the mock card offers to finish (none unless a test sets it).
    pub capabilities: Capabilities,
    /// Frames given with offload, as handed over (before `tx` gets what
    /// the software model of the card made of them).
    pub offloaded: Vec<(Vec<u8>, TxOffload)>,
}

impl MockDevice {
    pub fn new() -> MockDevice {
        MockDevice {
            rx: VecDeque::new(),
            tx: Vec::new(),
            tx_room: None,
            capabilities: Capabilities::NONE,
            offloaded: Vec::new(),
        }
    }

    /// Takes every frame sent so far.
    pub fn take_tx(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.tx)
    }
}

impl Device for MockDevice {
    /// Reports the frame's true length even if it does not fit, as a buggy
    /// driver might, so that the interface's guard against it is tested.
    fn receive(&mut self, buf: &mut [u8]) -> Option<usize> {
        let frame = self.rx.pop_front()?;
        let n = frame.len().min(buf.len());
        buf[..n].copy_from_slice(&frame[..n]);
        Some(frame.len())
    }

    /// A frame with offload leaves as the card would send it: finished by
    /// the software model.
    fn transmit(&mut self, frame: &[u8], offload: Option<&TxOffload>) -> bool {
        match &mut self.tx_room {
            Some(0) => return false,
            Some(room) => *room -= 1,
            None => {}
        }
        match offload {
            None => self.tx.push(frame.to_vec()),
            Some(offload) => {
                assert_ne!(self.capabilities, Capabilities::NONE, "offload not offered");
                self.offloaded.push((frame.to_vec(), *offload));
                finish_in_software(frame, offload, &mut |f| self.tx.push(f));
            }
        }
        true
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn mac(&self) -> EthernetAddress {
        OUR_MAC
    }
}

pub fn config() -> Config {
    Config {
        mac: OUR_MAC,
        addr: OUR_IP,
        prefix_len: 24,
        gateway: Some(GATEWAY_IP),
    }
}

pub fn iface() -> Interface {
    Interface::new(config())
}

pub fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Feeds `frames` to the interface in one poll at `now`.
pub fn deliver(iface: &mut Interface, dev: &mut MockDevice, now: Instant, frames: &[Vec<u8>]) {
    dev.rx.extend(frames.iter().cloned());
    iface.poll(now, dev);
}

pub fn ethernet(
    dst: EthernetAddress,
    src: EthernetAddress,
    ethertype: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

pub fn arp(
    op: u16,
    sha: EthernetAddress,
    spa: Ipv4Addr,
    tha: EthernetAddress,
    tpa: Ipv4Addr,
) -> Vec<u8> {
    let mut p = vec![0x00, 0x01, 0x08, 0x00, 6, 4];
    p.extend_from_slice(&op.to_be_bytes());
    p.extend_from_slice(&sha.0);
    p.extend_from_slice(&spa.octets());
    p.extend_from_slice(&tha.0);
    p.extend_from_slice(&tpa.octets());
    p
}

/// An ARP request from the peer asking for our address, in a broadcast frame.
pub fn arp_request_from_peer() -> Vec<u8> {
    let zero = EthernetAddress([0; 6]);
    ethernet(
        EthernetAddress::BROADCAST,
        PEER_MAC,
        ETHERTYPE_ARP,
        &arp(1, PEER_MAC, PEER_IP, zero, OUR_IP),
    )
}

/// An ARP reply from `(mac, ip)` to us.
pub fn arp_reply_to_us(mac: EthernetAddress, ip: Ipv4Addr) -> Vec<u8> {
    ethernet(
        OUR_MAC,
        mac,
        ETHERTYPE_ARP,
        &arp(2, mac, ip, OUR_MAC, OUR_IP),
    )
}

/// A 20-byte IPv4 header (no flags, TTL 64) with its checksum, then `payload`.
pub fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_with_flags(src, dst, protocol, 0, payload)
}

/// Like [`ipv4`] with the 16-bit flags + fragment-offset word given.
pub fn ipv4_with_flags(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: u8,
    flags_frag: u16,
    payload: &[u8],
) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0x12, 0x34]);
    p.extend_from_slice(&flags_frag.to_be_bytes());
    p.extend_from_slice(&[64, protocol, 0, 0]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    let sum = checksum::checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// One fragment of datagram `ident` from the peer to us: `data` sits at
/// byte `offset` of the datagram's payload, `more` sets MF.
pub fn fragment_from_peer(
    protocol: u8,
    ident: u16,
    offset: usize,
    more: bool,
    data: &[u8],
) -> Vec<u8> {
    let word = (offset / 8) as u16 | if more { 0x2000 } else { 0 };
    let mut p = ipv4_with_flags(PEER_IP, OUR_IP, protocol, word, data);
    p[4..6].copy_from_slice(&ident.to_be_bytes());
    p[10..12].copy_from_slice(&[0, 0]);
    let sum = checksum::checksum(&p[..20]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    ethernet(OUR_MAC, PEER_MAC, ETHERTYPE_IPV4, &p)
}

/// `datagram` cut into fragments of `piece` bytes (a multiple of 8).
pub fn fragments_from_peer(
    protocol: u8,
    ident: u16,
    piece: usize,
    datagram: &[u8],
) -> Vec<Vec<u8>> {
    datagram
        .chunks(piece)
        .enumerate()
        .map(|(i, chunk)| {
            let more = (i + 1) * piece < datagram.len();
            fragment_from_peer(protocol, ident, i * piece, more, chunk)
        })
        .collect()
}

/// Feeds `frames` to the interface at `now`, polling until all are in.
pub fn deliver_all(iface: &mut Interface, dev: &mut MockDevice, now: Instant, frames: &[Vec<u8>]) {
    dev.rx.extend(frames.iter().cloned());
    while !dev.rx.is_empty() {
        iface.poll(now, dev);
    }
}

/// An ICMP echo message (type 8 request, type 0 reply) with its checksum.
pub fn icmp_echo(msg_type: u8, ident: u16, seq_no: u16, data: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type, 0, 0, 0];
    m.extend_from_slice(&ident.to_be_bytes());
    m.extend_from_slice(&seq_no.to_be_bytes());
    m.extend_from_slice(data);
    let sum = checksum::checksum(&m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    m
}

/// A UDP datagram with its checksum over the pseudo-header.
pub fn udp(src: Ipv4Addr, dst: Ipv4Addr, src_port: u16, dst_port: u16, data: &[u8]) -> Vec<u8> {
    let len = (8 + data.len()) as u16;
    let mut d = Vec::new();
    d.extend_from_slice(&src_port.to_be_bytes());
    d.extend_from_slice(&dst_port.to_be_bytes());
    d.extend_from_slice(&len.to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(data);
    let sum = checksum::finish(checksum::accumulate(
        checksum::pseudo_header(src, dst, PROTO_UDP, len),
        &d,
    ));
    d[6..8].copy_from_slice(&sum.to_be_bytes());
    d
}

/// An IPv4 packet from the peer to us, in a frame from the peer's MAC.
pub fn from_peer(protocol: u8, payload: &[u8]) -> Vec<u8> {
    ethernet(
        OUR_MAC,
        PEER_MAC,
        ETHERTYPE_IPV4,
        &ipv4(PEER_IP, OUR_IP, protocol, payload),
    )
}

/// A UDP datagram from the peer's `src_port` to our `dst_port`.
pub fn udp_from_peer(src_port: u16, dst_port: u16, data: &[u8]) -> Vec<u8> {
    from_peer(PROTO_UDP, &udp(PEER_IP, OUR_IP, src_port, dst_port, data))
}

/// Makes the interface learn the peer's MAC (the peer asks for ours), then
/// forgets the ARP reply it sent.
pub fn learn_peer(iface: &mut Interface, dev: &mut MockDevice, now: Instant) {
    deliver(iface, dev, now, &[arp_request_from_peer()]);
    dev.take_tx();
}

/// A tiny deterministic PRNG (Marsaglia's xorshift64), so "random" tests
/// always test the same inputs and a failure can be replayed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
