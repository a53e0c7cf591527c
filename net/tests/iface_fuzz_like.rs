//! A deterministic stand-in for fuzzing: a fixed-seed PRNG mutates valid
//! frames (bit flips, random bytes, truncations, extensions, pure noise) and
//! feeds them to `Interface::poll`. The test passes if nothing panics, the
//! counters add up, and the interface still works afterwards.
//!
//! `net/fuzz` runs the same idea with libFuzzer's coverage guidance, on
//! nightly; this runs on every `cargo test`.

mod common;

use std::net::Ipv4Addr;

use common::*;
use net::wire::ethernet::EthernetAddress;

const ROUNDS: usize = 20_000;

/// One valid frame of every kind the interface handles.
fn seeds() -> Vec<Vec<u8>> {
    let echo = icmp_echo(8, 1, 1, b"abcdefgh");
    let bcast = Ipv4Addr::new(10, 0, 2, 255);
    vec![
        arp_request_from_peer(),
        arp_reply_to_us(PEER_MAC, PEER_IP),
        from_peer(PROTO_ICMP, &echo),
        from_peer(PROTO_ICMP, &icmp_echo(0, 1, 1, b"reply")),
        udp_from_peer(5000, 7, b"to a bound port"),
        udp_from_peer(5000, 9, b"to an unbound port"),
        from_peer(PROTO_TCP, &[0; 20]),
        from_peer(47, &[0; 8]),
        ethernet(
            EthernetAddress::BROADCAST,
            PEER_MAC,
            ETHERTYPE_IPV4,
            &ipv4(PEER_IP, bcast, PROTO_UDP, &udp(PEER_IP, bcast, 1, 7, b"b")),
        ),
        ethernet(
            OUR_MAC,
            PEER_MAC,
            ETHERTYPE_IPV4,
            &ipv4_with_flags(PEER_IP, OUR_IP, PROTO_ICMP, 0x2000, &echo),
        ),
    ]
}

fn mutate(rng: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut frame = seed.to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let bit = rng.below(frame.len() * 8);
                frame[bit / 8] ^= 1 << (bit % 8);
            }
        }
        1 => {
            // Header bytes matter most: aim at the first 64.
            let at = rng.below(frame.len().min(64));
            frame[at] = rng.next() as u8;
        }
        2 => frame.truncate(rng.below(frame.len() + 1)),
        3 => {
            let extra = rng.below(1600);
            frame.extend((0..extra).map(|_| rng.next() as u8));
        }
        4 => {
            let len = rng.below(1600);
            frame = (0..len).map(|_| rng.next() as u8).collect();
            // Keep some noise addressed to us so it gets past Ethernet.
            if len >= 6 && rng.below(2) == 0 {
                frame[..6].copy_from_slice(&OUR_MAC.0);
            }
        }
        _ => {
            // A valid frame, unchanged: keeps sockets and ARP state busy.
        }
    }
    frame
}

#[test]
fn mutated_frames_never_panic_and_leave_the_interface_working() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let socket = iface.udp_bind(7).unwrap();
    let seeds = seeds();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut now = 0;
    for round in 0..ROUNDS {
        let seed = &seeds[rng.below(seeds.len())];
        dev.rx.push_back(mutate(&mut rng, seed));
        now += rng.below(300) as u64;
        iface.poll(at(now), &mut dev);
        // Sending while garbage arrives exercises the ARP queue too.
        if round % 97 == 0 {
            let dst = Ipv4Addr::new(10, 0, 2, rng.below(256) as u8);
            let _ = iface.send_ipv4(at(now), dst, net::wire::ipv4::Protocol::Udp, b"x");
        }
        while iface.udp_recv_from(socket).is_some() {}
        while iface.ping_recv(1).is_some() {}
        assert!(dev.take_tx().len() <= net::iface::TX_QUEUE_LEN);
    }
    assert_eq!(iface.counters().rx_frames, ROUNDS as u64);
    assert!(
        iface.counters().rx_bad_checksum > 0,
        "mutations reached the checksums"
    );
    assert!(
        iface.counters().udp_rx > 0,
        "valid frames still got through"
    );

    // Still healthy: a clean ARP request is answered.
    deliver(
        &mut iface,
        &mut dev,
        at(now + 1),
        &[arp_request_from_peer()],
    );
    assert_eq!(dev.take_tx().len(), 1);
}

#[test]
fn every_prefix_of_every_seed_is_handled() {
    let (mut iface, mut dev) = (iface(), MockDevice::new());
    let mut frames = 0;
    for seed in seeds() {
        for len in 0..=seed.len() {
            deliver(&mut iface, &mut dev, at(0), &[seed[..len].to_vec()]);
            frames += 1;
        }
    }
    assert_eq!(iface.counters().rx_frames, frames);
}
