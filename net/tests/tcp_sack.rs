//! Selective acknowledgments, the receiver's half (RFC 2018): agreed only
//! when both SYNs offer it, and then every ACK sent while data waits
//! beyond a hole lists the runs held, the latest first.

mod tcp_support;

use net::offload::Capabilities;
use net::tcp::TcpConfig;
use net::wire::tcp::{Flags, TcpPacket};
use tcp_support::{Harness, Seg};

/// A passive open whose peer offers SACK.
fn sack_link(h: &mut Harness) -> tcp_support::Link {
    h.accept_from(1000, Seg::syn(1000).sack_permitted())
}

#[test]
fn syn_ack_offers_sack_only_to_a_peer_that_offered_it() {
    let mut h = Harness::quick();
    h.listen();
    h.deliver(&Seg::syn(1000).sack_permitted());
    assert!(h.poll_one().repr.sack_permitted);

    let mut h = Harness::quick();
    h.listen();
    h.deliver(&Seg::syn(1000));
    assert!(
        !h.poll_one().repr.sack_permitted,
        "RFC 2018 §2: only if the SYN had it"
    );
}

#[test]
fn our_syn_offers_sack_unless_configured_off() {
    let mut h = Harness::quick();
    h.connect();
    assert!(h.poll_one().repr.sack_permitted);

    let config = TcpConfig {
        sack: false,
        ..*Harness::quick().table.config()
    };
    let mut h = Harness::new(config);
    h.connect();
    assert!(!h.poll_one().repr.sack_permitted);
}

#[test]
fn acks_list_the_runs_beyond_holes_latest_first() {
    let mut h = Harness::quick();
    let link = sack_link(&mut h);
    let p = link.peer_nxt;
    // Bytes p..p+10 arrive, p+10..p+20 are lost, then p+20..p+30.
    h.deliver(&link.seg(Flags::NONE).data(&[1; 10]));
    h.deliver(&Seg::ack(p + 20, link.host_nxt).data(&[3; 10]));
    let acks = h.poll();
    let last = acks.last().unwrap();
    assert_eq!(last.ack(), p + 10);
    assert_eq!(last.sack(), [(p + 20, p + 30)]);

    // p+40..p+50 arrives after another hole: it comes first.
    h.deliver(&Seg::ack(p + 40, link.host_nxt).data(&[5; 10]));
    let dup = h.poll_one();
    assert_eq!(dup.ack(), p + 10);
    assert_eq!(dup.sack(), [(p + 40, p + 50), (p + 20, p + 30)]);

    // The gap between the two runs fills: they become one run.
    h.deliver(&Seg::ack(p + 30, link.host_nxt).data(&[4; 10]));
    assert_eq!(h.poll_one().sack(), [(p + 20, p + 50)]);

    // The first hole fills: everything is in order, no blocks are left.
    h.deliver(&Seg::ack(p + 10, link.host_nxt).data(&[2; 10]));
    let ack = h.poll_one();
    assert_eq!(ack.ack(), p + 50);
    assert!(ack.sack().is_empty());
}

#[test]
fn at_most_four_blocks_and_the_latest_always_among_them() {
    let mut h = Harness::quick();
    let link = sack_link(&mut h);
    let p = link.peer_nxt;
    // Six runs of 10 bytes, each after a hole of 10, arriving in order.
    for run in 0..6u32 {
        h.deliver(&Seg::ack(p + 10 + 20 * run, link.host_nxt).data(&[7; 10]));
    }
    let last = h.poll().pop().unwrap();
    let blocks = last.sack();
    assert_eq!(blocks.len(), 4, "four fit in the 40 bytes of options");
    assert_eq!(blocks[0], (p + 110, p + 120), "the latest run first");
    assert_eq!(
        blocks[1..],
        [(p + 10, p + 20), (p + 30, p + 40), (p + 50, p + 60)]
    );
    assert_eq!(last.repr.header_len(), 20 + 4 + 4 * 8);
}

#[test]
fn no_blocks_without_agreement() {
    let mut h = Harness::quick();
    let link = h.established(); // the peer's SYN did not offer SACK
    let p = link.peer_nxt;
    h.deliver(&Seg::ack(p + 20, link.host_nxt).data(&[3; 10]));
    let dup = h.poll_one();
    assert_eq!(dup.ack(), p);
    assert!(dup.sack().is_empty());
}

#[test]
fn a_full_data_segment_carries_no_blocks() {
    let mut h = Harness::quick();
    let link = sack_link(&mut h);
    let p = link.peer_nxt;
    h.deliver(&Seg::ack(p + 20, link.host_nxt).data(&[3; 10]));
    h.poll();
    // Data from the host: a whole MSS leaves no room for options.
    let mss = h.table.config().mss as usize;
    h.table.send(link.handle, &vec![9; mss]).unwrap();
    let out = h.poll_one();
    assert_eq!(out.payload.len(), mss);
    assert!(
        out.sack().is_empty(),
        "options and data stay within the MSS"
    );
    // A small one has room for the block.
    h.deliver(&Seg::ack(p, out.seq() + mss as u32));
    h.table.send(link.handle, b"hello").unwrap();
    let out = h.poll_one();
    assert_eq!(out.sack(), [(p + 20, p + 30)]);
}

/// The payload lengths of what the host sends through a card that cuts
/// segments of up to 64 KiB (TSO), headers of 20 bytes plus options.
fn offloaded_payloads(h: &mut Harness) -> Vec<usize> {
    let tso = Capabilities {
        tx_checksum: true,
        tso_max: 65535,
    };
    let mut lengths = Vec::new();
    h.table
        .poll_output_offloaded(h.now, 0, &|_| tso, &mut |_, _, segment, _| {
            let packet = TcpPacket::new_checked(&segment).unwrap();
            lengths.push(segment.len() - packet.header_len());
            true
        });
    lengths
}

#[test]
fn no_bursts_for_the_card_while_sack_blocks_are_owed() {
    let mut h = Harness::quick();
    let link = sack_link(&mut h);
    let p = link.peer_nxt;
    let mss = h.table.config().mss as usize;
    // Data beyond a hole: every ACK owes a SACK block, which the card
    // would copy into each frame it cuts. So only MSS-sized segments.
    h.deliver(&Seg::ack(p + 20, link.host_nxt).data(&[3; 10]));
    h.table.send(link.handle, &vec![9; 6 * mss]).unwrap();
    let lengths = offloaded_payloads(&mut h);
    assert!(lengths.iter().sum::<usize>() > mss, "{lengths:?}");
    assert!(
        lengths.iter().all(|&n| n <= mss),
        "a burst while SACK blocks are owed: {lengths:?}"
    );

    // The hole fills: no blocks are owed, and the card gets bursts again.
    h.deliver(&link.seg(Flags::NONE).data(&[1; 20]));
    let sent: u32 = lengths.iter().sum::<usize>() as u32;
    h.deliver(&Seg::ack(p + 30, link.host_nxt + sent));
    h.table.send(link.handle, &vec![9; 6 * mss]).unwrap();
    let lengths = offloaded_payloads(&mut h);
    assert!(
        lengths.iter().any(|&n| n > mss),
        "no burst once the hole is filled: {lengths:?}"
    );
}
