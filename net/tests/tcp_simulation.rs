//! Two `TcpTable`s talk over a simulated link that loses, duplicates,
//! delays and reorders segments, and may have a bottleneck with a small
//! drop-tail queue. A seeded xorshift generator makes every run
//! reproducible; a fake clock makes it fast. Each test moves a large
//! transfer both ways at once, checks that every byte arrives intact and
//! in order, and that both sides close cleanly and free every socket.

use core::net::{Ipv4Addr, SocketAddrV4};
use net::tcp::isn::initial_sequence_number;
use net::tcp::{SocketHandle, TcpConfig, TcpError, TcpTable};
use net::time::{Duration, Instant};

const A: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
const B: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);
const PORT: u16 = 7;

/// xorshift64* (Vigna): tiny and good enough to script a network.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

#[derive(Clone, Copy, Debug)]
struct LinkParams {
    loss_per_mille: u64,
    dup_per_mille: u64,
    delay_ms: u64,
    /// Extra random delay in 0..jitter: this is what reorders segments.
    jitter_ms: u64,
    /// Bottleneck: bytes per millisecond (0 = unlimited) and queue length.
    rate: u64,
    queue: usize,
}

struct Packet {
    at: Instant,
    to_b: bool,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    bytes: Vec<u8>,
}

struct Link {
    params: LinkParams,
    rng: Rng,
    in_flight: Vec<Packet>,
    /// Per direction: when the bottleneck is free again.
    busy_until: [Instant; 2],
    sent: u64,
    dropped: u64,
}

impl Link {
    fn transmit(&mut self, now: Instant, to_b: bool, src: Ipv4Addr, dst: Ipv4Addr, bytes: &[u8]) {
        self.sent += 1;
        let dir = usize::from(to_b);
        let mut depart = now;
        // Serialisation time at the bottleneck, if there is one.
        if let Some(tx_ms) = (bytes.len() as u64).checked_div(self.params.rate) {
            let queued = self
                .in_flight
                .iter()
                .filter(|p| {
                    p.to_b == to_b
                        && p.at > now + Duration(self.params.delay_ms + self.params.jitter_ms)
                })
                .count();
            if queued >= self.params.queue {
                self.dropped += 1; // drop-tail: the bottleneck queue is full
                return;
            }
            let start = self.busy_until[dir].max(now);
            self.busy_until[dir] = start + Duration(tx_ms + 1);
            depart = self.busy_until[dir];
        }
        if self.rng.chance(self.params.loss_per_mille) {
            self.dropped += 1;
            return;
        }
        let copies = if self.rng.chance(self.params.dup_per_mille) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = self.params.delay_ms + self.rng.below(self.params.jitter_ms);
            self.in_flight.push(Packet {
                at: depart + Duration(delay),
                to_b,
                src,
                dst,
                bytes: bytes.to_vec(),
            });
        }
    }

    fn next_arrival(&self) -> Option<Instant> {
        self.in_flight.iter().map(|p| p.at).min()
    }

    /// Removes and returns the packets due at `now`, earliest first.
    fn due(&mut self, now: Instant) -> Vec<Packet> {
        let (mut due, rest): (Vec<_>, Vec<_>) = self.in_flight.drain(..).partition(|p| p.at <= now);
        self.in_flight = rest;
        due.sort_by_key(|p| p.at);
        due
    }
}

/// One side's application: send `outgoing`, read everything, then close.
struct App {
    table: TcpTable,
    listener: Option<SocketHandle>,
    conn: Option<SocketHandle>,
    outgoing: Vec<u8>,
    written: usize,
    received: Vec<u8>,
    shut: bool,
    eof: bool,
    closed: bool,
}

impl App {
    fn step(&mut self, now: Instant) {
        if let Some(listener) = self.listener
            && let Ok(conn) = self.table.accept(listener)
        {
            self.conn = Some(conn);
            self.table.close(listener, now).unwrap();
            self.listener = None;
        }
        let Some(conn) = self.conn else { return };
        if self.closed {
            return;
        }
        while self.written < self.outgoing.len() {
            match self.table.send(conn, &self.outgoing[self.written..]) {
                Ok(n) => self.written += n,
                Err(TcpError::WouldBlock) => break,
                Err(e) => panic!("send failed: {e:?}"),
            }
        }
        if self.written == self.outgoing.len() && !self.shut {
            self.table.shutdown_write(conn, now).unwrap();
            self.shut = true;
        }
        let mut buf = [0u8; 3000];
        loop {
            match self.table.recv(conn, &mut buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(TcpError::WouldBlock) => break,
                Err(e) => panic!("recv failed: {e:?}"),
            }
        }
        if self.eof && self.shut {
            self.table.close(conn, now).unwrap();
            self.closed = true;
        }
    }
}

fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    (0..len).map(|_| rng.next() as u8).collect()
}

/// Runs a transfer of `size` bytes each way and returns (simulated
/// milliseconds, segments retransmitted by A and B).
/// When the transfer starts, and A's local port (0: ephemeral).
struct Start {
    at: Instant,
    port: u16,
}

fn run(seed: u64, params: LinkParams, size: usize, config: TcpConfig) -> (u64, u64) {
    let start = Start {
        at: Instant::from_millis(1000 * seed),
        port: 0,
    };
    run_from(start, seed, params, size, config)
}

fn run_from(
    start: Start,
    seed: u64,
    params: LinkParams,
    size: usize,
    config: TcpConfig,
) -> (u64, u64) {
    let mut link = Link {
        params,
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        in_flight: Vec::new(),
        busy_until: [Instant::ZERO; 2],
        sent: 0,
        dropped: 0,
    };
    let mut now = start.at;
    let mut b = App {
        table: TcpTable::new(config, [0xb; 16]),
        listener: None,
        conn: None,
        outgoing: pattern(seed * 2 + 1, size),
        written: 0,
        received: Vec::new(),
        shut: false,
        eof: false,
        closed: false,
    };
    b.listener = Some(b.table.listen(SocketAddrV4::new(B, PORT), 4).unwrap());
    let mut a = App {
        table: TcpTable::new(config, [0xa; 16]),
        listener: None,
        conn: None,
        outgoing: pattern(seed * 2, size),
        written: 0,
        received: Vec::new(),
        shut: false,
        eof: false,
        closed: false,
    };
    let conn = a.table.connect(
        now,
        SocketAddrV4::new(A, start.port),
        SocketAddrV4::new(B, PORT),
    );
    a.conn = Some(conn.unwrap());
    let began = now;
    let deadline = now + Duration::from_secs(3600);
    let mut spins = 0;
    loop {
        a.step(now);
        b.step(now);
        a.table.poll_output(now, &mut |s, d, bytes| {
            link.transmit(now, true, s, d, bytes);
            true
        });
        b.table.poll_output(now, &mut |s, d, bytes| {
            link.transmit(now, false, s, d, bytes);
            true
        });
        for p in link.due(now) {
            let app = if p.to_b { &mut b } else { &mut a };
            app.table.input(now, p.src, p.dst, &p.bytes);
        }
        if a.closed && b.closed && a.table.sockets().count() == 0 && b.table.sockets().count() == 0
        {
            break;
        }
        let next = [a.table.poll_at(), b.table.poll_at(), link.next_arrival()]
            .into_iter()
            .flatten()
            .min()
            .expect("nothing left to happen, but the transfer is not finished");
        if next <= now {
            spins += 1;
            assert!(spins < 1000, "livelock at {now:?}");
        } else {
            spins = 0;
            now = next;
        }
        assert!(
            now < deadline,
            "transfer stalled: a={:?} b={:?}",
            a.table.sockets().collect::<Vec<_>>(),
            b.table.sockets().collect::<Vec<_>>()
        );
    }
    assert!(
        b.received == a.outgoing,
        "A→B data differs (got {} of {} bytes)",
        b.received.len(),
        size
    );
    assert!(
        a.received == b.outgoing,
        "B→A data differs (got {} of {} bytes)",
        a.received.len(),
        size
    );
    let retransmits =
        a.table.counters().retransmitted_segments + b.table.counters().retransmitted_segments;
    std::println!(
        "seed {seed}: {} ms, {} segments sent, {} dropped, {retransmits} retransmitted\n  A {:?}\n  B {:?}",
        now.since(began).millis(),
        link.sent,
        link.dropped,
        a.table.counters(),
        b.table.counters()
    );
    (now.since(began).millis(), retransmits)
}

const MIB: usize = 1 << 20;

fn lossy(loss_per_mille: u64) -> LinkParams {
    LinkParams {
        loss_per_mille,
        dup_per_mille: 10,
        delay_ms: 10,
        jitter_ms: 8,
        rate: 0,
        queue: 0,
    }
}

#[test]
fn clean_link_transfers_a_mebibyte_each_way() {
    let clean = LinkParams {
        dup_per_mille: 0,
        jitter_ms: 0,
        ..lossy(0)
    };
    let (_, retransmits) = run(1, clean, MIB, TcpConfig::default());
    assert_eq!(retransmits, 0);
}

#[test]
fn five_percent_loss_with_reordering_and_duplicates() {
    for seed in 1..=4 {
        let (_, retransmits) = run(seed, lossy(50), MIB, TcpConfig::default());
        assert!(
            retransmits > 0,
            "seed {seed}: losses must cause retransmissions"
        );
    }
}

#[test]
fn twenty_percent_loss_still_delivers_everything() {
    for seed in 10..=12 {
        run(seed, lossy(200), 256 * 1024, TcpConfig::default());
    }
}

#[test]
fn bottleneck_queue_overflow_is_handled_by_congestion_control() {
    let params = LinkParams {
        loss_per_mille: 0,
        dup_per_mille: 0,
        delay_ms: 20,
        jitter_ms: 0,
        rate: 1500, // about 12 Mbit/s
        queue: 12,
    };
    for seed in 20..=21 {
        let (_, retransmits) = run(seed, params, MIB, TcpConfig::default());
        assert!(retransmits > 0, "the queue must overflow at some point");
    }
}

#[test]
fn small_buffers_no_window_scaling_and_delayed_acks_off() {
    let config = TcpConfig {
        send_buffer: 4096,
        recv_buffer: 3000,
        window_scaling: false,
        ack_delay: None,
        nagle: true,
        mss: 536,
        ..TcpConfig::default()
    };
    for seed in 30..=31 {
        run(seed, lossy(50), 200 * 1024, config);
    }
}

#[test]
fn closing_waits_out_time_wait_before_freeing_sockets() {
    // `run` only returns once both tables are empty; the side that closed
    // first had to sit in TIME-WAIT for its 2 seconds.
    let (elapsed, _) = run(40, lossy(0), 1000, TcpConfig::default());
    assert!(elapsed >= 2000, "freed after {elapsed} ms");
}

#[test]
fn sequence_numbers_crossing_2_32_under_loss() {
    // Start the clock where A's ISN (RFC 6528: 250 ticks per ms plus a
    // hash) lies 1000 below the wrap, so its data crosses it at once.
    let local = SocketAddrV4::new(A, 4444);
    let remote = SocketAddrV4::new(B, PORT);
    let at_zero = initial_sequence_number(&[0xa; 16], Instant::ZERO, local, remote).0;
    let ms = u64::from((u32::MAX - 1000).wrapping_sub(at_zero)).div_ceil(250);
    let isn = initial_sequence_number(&[0xa; 16], Instant(ms), local, remote).0;
    assert!(isn > u32::MAX - 1000);
    for seed in 50..=51 {
        let start = Start {
            at: Instant(ms),
            port: 4444,
        };
        run_from(start, seed, lossy(50), 256 * 1024, TcpConfig::default());
    }
}
