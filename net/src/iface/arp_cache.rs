//! The ARP cache: which MAC address answers for which on-link IPv4 address,
//! and the packets waiting for an answer.
//!
//! An entry is either `Resolved` (we know the MAC, learned at some instant)
//! or `Pending` (we have asked, `tries` times so far). The cache holds no
//! clock: every method that cares about time takes `now`.
//!
//! Invariants:
//! - at most [`CACHE_SIZE`] entries, at most one per IPv4 address;
//! - at most [`MAX_WAITING`] packets wait, each for an address that has a
//!   `Pending` entry (packets leave when it resolves or gives up);
//! - a `Pending` entry is never evicted to make room, since packets may be
//!   waiting on it; a `Resolved` one can always be asked for again.

use alloc::vec::Vec;
use core::net::Ipv4Addr;

use crate::time::{Duration, Instant};
use crate::wire::ethernet::EthernetAddress;

// ANCHOR: arp_limits
/// Most hosts talk to a handful of neighbours; 32 is plenty for a lab LAN.
pub const CACHE_SIZE: usize = 32;
/// How long a learned address is trusted. RFC 1122 §2.3.2.1 asks for a
/// timeout so that a host that changed its card (or its address) is found
/// again; Linux uses a similar order of magnitude.
pub const ENTRY_LIFETIME: Duration = Duration(60_000);
/// Resend an unanswered request after this long. RFC 1122 §2.3.2.1: at most
/// one request per second per destination, so we never flood the link.
pub const RETRY_INTERVAL: Duration = Duration(1_000);
/// Give up after this many unanswered requests.
pub const MAX_TRIES: u8 = 3;
/// Packets that may wait for resolutions, over all addresses together.
pub const MAX_WAITING: usize = 16;
// ANCHOR_END: arp_limits

/// What the cache knows about one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpState {
    /// `ip` is at `mac`, as of `learned_at`.
    Resolved {
        mac: EthernetAddress,
        learned_at: Instant,
    },
    /// We sent `tries` requests; the next one is due at `next_try`.
    Pending { tries: u8, next_try: Instant },
}

/// The answer to "where do I send a packet for this address?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(EthernetAddress),
    /// A request is out; queue the packet.
    Pending,
    /// Nothing known: start resolving.
    Missing,
}

/// What the timers decided; the interface acts on it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TimerActions {
    /// Send another request for each of these.
    pub retry: Vec<Ipv4Addr>,
    /// These never answered; this many packets waiting for them were dropped.
    pub failed: Vec<(Ipv4Addr, usize)>,
}

/// Every entry is `Pending`, so none may be evicted for a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheFull;

#[derive(Clone, Copy, Debug)]
struct Entry {
    ip: Ipv4Addr,
    state: ArpState,
}

#[derive(Debug)]
struct Waiting {
    next_hop: Ipv4Addr,
    frame: Vec<u8>,
}

/// The cache proper. See the module docs for its invariants.
#[derive(Debug, Default)]
pub struct ArpCache {
    entries: Vec<Entry>,
    waiting: Vec<Waiting>,
}

impl ArpCache {
    pub fn new() -> ArpCache {
        ArpCache::default()
    }

    // ANCHOR: lookup
    /// A resolved entry older than [`ENTRY_LIFETIME`] counts as missing: the
    /// caller will ask again, and the new request replaces it.
    pub fn lookup(&self, ip: Ipv4Addr, now: Instant) -> Lookup {
        match self.entries.iter().find(|e| e.ip == ip).map(|e| e.state) {
            Some(ArpState::Resolved { mac, learned_at })
                if now.since(learned_at) < ENTRY_LIFETIME =>
            {
                Lookup::Found(mac)
            }
            Some(ArpState::Pending { .. }) => Lookup::Pending,
            _ => Lookup::Missing,
        }
    }
    // ANCHOR_END: lookup

    /// Records that we just sent the first request for `ip`. Fails if the
    /// cache is full of pending entries.
    pub fn start_resolving(&mut self, ip: Ipv4Addr, now: Instant) -> Result<(), CacheFull> {
        let state = ArpState::Pending {
            tries: 1,
            next_try: now + RETRY_INTERVAL,
        };
        self.insert(ip, state, now)
    }

    /// Parks a frame until `next_hop` resolves. Fails (and hands the frame
    /// back) if [`MAX_WAITING`] frames already wait.
    pub fn enqueue(&mut self, next_hop: Ipv4Addr, frame: Vec<u8>) -> Result<(), Vec<u8>> {
        if self.waiting.len() >= MAX_WAITING {
            return Err(frame);
        }
        self.waiting.push(Waiting { next_hop, frame });
        Ok(())
    }

    // ANCHOR: learn
    /// Records that `ip` is at `mac`, following the reception algorithm of
    /// RFC 826: an address already in the cache is always updated (the
    /// "merge" step); a new one is added only if `create` is set, which the
    /// caller does when the packet was addressed to us. Returns the frames
    /// that were waiting for `ip`, now ready to go.
    pub fn learn(
        &mut self,
        ip: Ipv4Addr,
        mac: EthernetAddress,
        now: Instant,
        create: bool,
    ) -> Vec<Vec<u8>> {
        let state = ArpState::Resolved {
            mac,
            learned_at: now,
        };
        if let Some(entry) = self.entries.iter_mut().find(|e| e.ip == ip) {
            entry.state = state;
        } else if !create || self.insert(ip, state, now).is_err() {
            return Vec::new();
        }
        self.take_waiting(ip)
    }
    // ANCHOR_END: learn

    /// Runs the retry timers: resends due requests, gives up on addresses
    /// that were asked [`MAX_TRIES`] times, and forgets expired entries.
    pub fn poll(&mut self, now: Instant) -> TimerActions {
        let mut actions = TimerActions::default();
        let mut i = 0;
        while i < self.entries.len() {
            let entry = &mut self.entries[i];
            match entry.state {
                ArpState::Pending { tries, next_try } if now >= next_try => {
                    if tries >= MAX_TRIES {
                        let ip = entry.ip;
                        self.entries.swap_remove(i);
                        let dropped = self.take_waiting(ip).len();
                        actions.failed.push((ip, dropped));
                        continue;
                    }
                    entry.state = ArpState::Pending {
                        tries: tries + 1,
                        next_try: now + RETRY_INTERVAL,
                    };
                    actions.retry.push(entry.ip);
                }
                ArpState::Resolved { learned_at, .. }
                    if now.since(learned_at) >= ENTRY_LIFETIME =>
                {
                    self.entries.swap_remove(i);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        actions
    }

    /// The earliest instant at which [`ArpCache::poll`] has work to do, if
    /// any request is outstanding. Expiry needs no wake-up: `lookup` already
    /// ignores stale entries.
    pub fn poll_at(&self) -> Option<Instant> {
        self.entries
            .iter()
            .filter_map(|e| match e.state {
                ArpState::Pending { next_try, .. } => Some(next_try),
                ArpState::Resolved { .. } => None,
            })
            .min()
    }

    /// Every entry, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (Ipv4Addr, ArpState)> + '_ {
        self.entries.iter().map(|e| (e.ip, e.state))
    }

    /// How many frames wait for a resolution.
    pub fn waiting_len(&self) -> usize {
        self.waiting.len()
    }

    /// Adds or replaces the entry for `ip`, evicting the oldest resolved
    /// entry if the cache is full.
    fn insert(&mut self, ip: Ipv4Addr, state: ArpState, now: Instant) -> Result<(), CacheFull> {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.ip == ip) {
            entry.state = state;
            return Ok(());
        }
        if self.entries.len() >= CACHE_SIZE {
            // The entry learned longest ago is the least likely still right.
            let victim = self
                .entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| match e.state {
                    ArpState::Resolved { learned_at, .. } => Some((now.since(learned_at), i)),
                    ArpState::Pending { .. } => None,
                })
                .max()
                .map(|(_, i)| i)
                .ok_or(CacheFull)?;
            self.entries.swap_remove(victim);
        }
        self.entries.push(Entry { ip, state });
        Ok(())
    }

    /// Removes and returns, in the order they were queued, the frames
    /// waiting for `ip`.
    fn take_waiting(&mut self, ip: Ipv4Addr) -> Vec<Vec<u8>> {
        let (ready, still_waiting) = core::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.next_hop == ip);
        self.waiting = still_waiting;
        ready.into_iter().map(|w: Waiting| w.frame).collect()
    }
}
