//! The interface: one Ethernet card, one IPv4 address, and everything between
//! the card and the sockets.
//!
//! The kernel's network thread owns an [`Interface`] and calls
//! [`Interface::poll`] whenever the card raises an interrupt, a timer fires
//! (see [`Interface::poll_at`]) or a process sends something. `poll`:
//!
//! 1. receives up to [`RX_BATCH`] frames and handles each one completely
//!    (answer ARP, answer ping, queue UDP data on its socket) before the next;
//! 2. runs the ARP retry timers and abandons overdue reassemblies;
//! 3. collects what TCP has to send, if a TCP table is attached, and
//!    delivers the packets this host sent to itself (`loopback`), a few
//!    rounds of both;
//! 4. hands the transmit queue to the card.
//!
//! Nothing here blocks, allocates without bound, or panics on any input:
//! every queue has a fixed limit, and every dropped packet bumps a counter.
//!
//! The code is split by concept: `input` (the receive path), `output`
//! (routing, ARP resolution, fragmentation and the transmit queue),
//! `reassembly` (fragments back into datagrams), `loopback` (packets to
//! ourselves), `udp` and `icmp` (their
//! sockets and messages), `tcp` (the glue to a `TcpTable`), `arp_cache`,
//! `counters`, `config`, `device`.

pub mod arp_cache;
pub mod config;
pub mod counters;
pub mod device;
pub mod icmp;
mod input;
pub mod loopback;
mod output;
pub mod reassembly;
mod tcp;
pub mod udp;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::Ipv4Addr;

use crate::offload::{Capabilities, TxOffload};
use crate::tcp::TcpTable;
use crate::time::Instant;
use crate::wire::ethernet::MAX_FRAME_LEN;

pub use arp_cache::ArpState;
pub use config::Config;
pub use counters::Counters;
pub use device::Device;
pub use icmp::EchoReply;
pub use udp::UdpHandle;

/// Frames received per `poll` at most, so that a flood cannot keep the
/// network thread from its timers and from sending.
pub const RX_BATCH: usize = 32;
/// Frames waiting for the card at most. TCP hands over everything its
/// windows allow in one `poll`: a 64 KiB window is about 45 full segments
/// per connection, plus ACKs for the others, and a frame refused here is a
/// segment TCP believes it sent (counted in `tx_queue_full`; only its
/// retransmission timer recovers it). So the queue is sized for several
/// full windows (at most about 384 KiB of frames), not for the card's ring;
/// and once it is full, TCP's output stops at the end of the connection it
/// is serving, and the others wait for the next `poll`.
pub const TX_QUEUE_LEN: usize = 256;
/// Time-to-live of the packets we send (RFC 1122 §3.2.1.7 asks for a
/// configurable value; 64 is what most systems use today).
pub const DEFAULT_TTL: u8 = 64;

/// Why a call on the interface failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetError {
    /// `udp_bind` on a port another socket holds (EADDRINUSE).
    AddrInUse,
    /// Every ephemeral port is taken.
    NoFreePort,
    /// The socket table is full.
    TooManySockets,
    /// The handle names no open socket (closed, or never existed).
    BadHandle,
    /// The destination is off-link and there is no gateway (ENETUNREACH).
    NoRoute,
    /// The destination cannot be sent to: 0.0.0.0, a multicast address, or
    /// port 0.
    BadAddress,
    /// The packet is larger than the largest IPv4 datagram (EMSGSIZE).
    MessageTooLong,
    /// A bounded queue (transmit, ARP waiting, ARP cache) is full; try again
    /// after `poll` has drained it (ENOBUFS).
    QueueFull,
}

/// The network interface. See the module docs.
#[derive(Debug)]
pub struct Interface {
    config: Config,
    counters: Counters,
    arp: arp_cache::ArpCache,
    /// Frames, oldest first, waiting for the card: complete, or with
    /// what the card is to finish (only if it offered that).
    tx_queue: VecDeque<(Vec<u8>, Option<TxOffload>)>,
    /// What the card can finish, as it said at the last `poll`.
    card: Capabilities,
    /// IPv4 packets to ourselves, waiting to be received (`loopback.rs`).
    loopback: VecDeque<Vec<u8>>,
    udp: udp::UdpSockets,
    echo_replies: icmp::EchoReplies,
    /// Fragmented datagrams being put back together.
    reassembly: reassembly::Reassembler,
    /// TCP's sockets, once the owner attaches a table (`tcp.rs`).
    tcp: Option<TcpTable>,
    /// The IPv4 identification of the next packet we send.
    next_ident: u16,
}

impl Interface {
    pub fn new(config: Config) -> Interface {
        Interface {
            config,
            counters: Counters::default(),
            arp: arp_cache::ArpCache::new(),
            tx_queue: VecDeque::new(),
            card: Capabilities::NONE,
            loopback: VecDeque::new(),
            udp: udp::UdpSockets::new(),
            echo_replies: icmp::EchoReplies::new(),
            reassembly: reassembly::Reassembler::new(),
            tcp: None,
            next_ident: 0,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The ARP cache, for display (`arp -a`). Age a resolved entry with
    /// `now.since(learned_at)`.
    pub fn arp_cache_entries(&self) -> impl Iterator<Item = (Ipv4Addr, ArpState)> + '_ {
        self.arp.entries()
    }

    // ANCHOR: poll
    /// Does all the work that is due at `now`: receive, timers, TCP output,
    /// transmit.
    /// Returns whether anything happened (a frame came in or went out, or a
    /// timer fired); if so, sockets may have data and the caller should wake
    /// whoever waits on them.
    pub fn poll(&mut self, now: Instant, dev: &mut dyn Device) -> bool {
        let mut activity = false;
        self.card = dev.capabilities();
        let mut buf = [0u8; MAX_FRAME_LEN];
        for _ in 0..RX_BATCH {
            let Some(len) = dev.receive(&mut buf) else {
                break;
            };
            activity = true;
            self.counters.rx_frames += 1;
            self.counters.rx_bytes += len as u64;
            match buf.get(..len) {
                Some(frame) => self.process_frame(now, frame),
                // A driver bug, but not a reason to panic.
                None => self.counters.rx_oversized += 1,
            }
        }
        activity |= self.run_arp_timers(now);
        activity |= self.expire_fragments(now);
        for _ in 0..loopback::LOOPBACK_ROUNDS {
            activity |= self.tcp_output(now);
            if !self.run_loopback(now) {
                break;
            }
            activity = true;
        }
        activity |= self.transmit(dev);
        activity
    }
    // ANCHOR_END: poll

    /// When `poll` next has something to do without new input: `None` if
    /// only a received frame or a send can create work, `Instant::ZERO` if
    /// frames wait for the card (poll again once it has room), otherwise the
    /// earliest of the next ARP retry, reassembly deadline and TCP timer.
    /// Looped packets waiting count as frames waiting.
    pub fn poll_at(&self) -> Option<Instant> {
        if !self.tx_queue.is_empty() || !self.loopback.is_empty() {
            return Some(Instant::ZERO);
        }
        let tcp = self.tcp.as_ref().and_then(TcpTable::poll_at);
        [self.arp.poll_at(), self.reassembly.poll_at(), tcp]
            .into_iter()
            .flatten()
            .min()
    }

    /// Bytes held by datagrams being reassembled (never more than
    /// [`reassembly::MEMORY_LIMIT`]), and how many there are.
    pub fn reassembly_usage(&self) -> (usize, usize) {
        (self.reassembly.memory(), self.reassembly.in_progress())
    }

    /// Gives queued frames to the card until it is full or the queue empty.
    fn transmit(&mut self, dev: &mut dyn Device) -> bool {
        let mut sent = false;
        while let Some((frame, offload)) = self.tx_queue.front() {
            if !dev.transmit(frame, offload.as_ref()) {
                // The ring is full; the frame stays first in line.
                self.counters.tx_device_busy += 1;
                break;
            }
            self.counters.tx_frames += 1;
            self.counters.tx_bytes += frame.len() as u64;
            self.tx_queue.pop_front();
            sent = true;
        }
        sent
    }
}
