//! Sender-side silly window syndrome avoidance (RFC 9293 §3.8.6.2.1): a
//! peer whose window opens a few bytes at a time must not get a stream of
//! tiny segments, yet data must never wait forever (the override timer).

mod tcp_support;

use net::wire::tcp::Flags;
use tcp_support::*;

const MSS: usize = 1460;

/// The scenario of the RFC: everything we sent is acknowledged, and the
/// peer's application reads 20 bytes every 20 ms, so the right edge of
/// its window moves 20 bytes at a time. Returns the payload sizes of the
/// data segments sent in `duration_ms`, and the sws_overrides counter.
fn window_opening_by(step: u32, duration_ms: u64) -> (Vec<usize>, u64) {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.send(link.handle, &vec![7u8; 60_000]).unwrap();
    // The initial window's segments, all acknowledged with a window of
    // `step` bytes: the peer's buffer is full.
    let mut acked = link.host_nxt;
    for seg in h.poll() {
        acked = acked.max(seg.seq().wrapping_add(seg.payload.len() as u32));
    }
    let mut right_edge = acked.wrapping_add(step);
    link.host_nxt = acked;
    h.deliver(&link.seg(Flags::NONE).window(step as u16));
    let mut sizes = Vec::new();
    let mut elapsed = 0;
    while elapsed < duration_ms {
        for seg in h.poll() {
            if !seg.payload.is_empty() {
                sizes.push(seg.payload.len());
                acked = seg.seq().wrapping_add(seg.payload.len() as u32);
            }
        }
        h.advance(20);
        elapsed += 20;
        right_edge = right_edge.wrapping_add(step);
        link.host_nxt = acked;
        let window = right_edge.wrapping_sub(acked) as u16;
        h.deliver(&link.seg(Flags::NONE).window(window));
    }
    (sizes, h.table.counters().sws_overrides)
}

#[test]
fn window_opening_20_bytes_at_a_time_gets_no_run_of_tiny_segments() {
    let (sizes, overrides) = window_opening_by(20, 3500);
    // 175 window updates of 20 bytes. Without SWS avoidance that is 175
    // segments of 20 bytes. With it: a full segment once 1460 bytes are
    // usable, and otherwise only what the override timer (200 ms, doubling
    // until a full segment goes) lets go: 220, 420, 820 bytes, then 1460,
    // then 220 again.
    let short: Vec<_> = sizes.iter().filter(|&&n| n < MSS).collect();
    assert!(short.len() <= 4, "short segments: {sizes:?}");
    assert!(
        short.iter().all(|&&n| n >= 10 * 20),
        "no tiny ones: {sizes:?}"
    );
    assert!(
        sizes.contains(&MSS),
        "a full segment once the window allows: {sizes:?}"
    );
    assert_eq!(overrides as usize, short.len());
    let sent: usize = sizes.iter().sum();
    assert!(sent >= 2 * MSS, "the data still flows: {sent} bytes");
}

#[test]
fn override_timer_lets_held_data_go_after_one_rto() {
    let mut h = Harness::quick();
    let mut link = h.established();
    h.table.send(link.handle, &[1u8; 5000]).unwrap();
    let mut acked = link.host_nxt;
    for seg in h.poll() {
        acked = acked.max(seg.seq().wrapping_add(seg.payload.len() as u32));
    }
    link.host_nxt = acked;
    h.deliver(&link.seg(Flags::NONE).window(100));
    h.assert_silent(); // 100 bytes: not worth a segment yet
    h.advance(199);
    h.assert_silent();
    h.advance(1);
    let seg = h.poll_one();
    assert_eq!(seg.payload.len(), 100, "the override sends what fits");
    assert_eq!(h.table.counters().sws_overrides, 1);
}

#[test]
fn the_last_bytes_of_the_data_go_at_once_even_in_a_small_window() {
    let mut h = Harness::quick();
    let link = h.established();
    h.deliver(&link.seg(Flags::NONE).window(100));
    h.table.send(link.handle, b"short request").unwrap();
    let seg = h.poll_one();
    assert_eq!(seg.payload, b"short request");
}

#[test]
fn half_of_the_largest_window_is_worth_a_segment() {
    // A peer with a small buffer: its whole window is 1000 bytes, under
    // one MSS. Half of it is worth sending, or nothing would ever go.
    let mut h = Harness::quick();
    let link = h.accept_from(1000, Seg::syn(1000).window(1000));
    h.table.send(link.handle, &[3u8; 5000]).unwrap();
    let sizes: Vec<_> = h.poll().iter().map(|s| s.payload.len()).collect();
    assert_eq!(sizes, [1000]);
}
