//! IPv4 reassembly (RFC 791 §3.2, RFC 815), bounded so that no sender can
//! make it hold memory or work without limit.
//!
//! A datagram too big for a link travels as fragments: IPv4 packets with
//! the same source, destination, protocol and identification, each saying
//! where its data sits in the original (the fragment offset, in 8-byte
//! units) and whether more follow (MF). RFC 1122 §3.3.2 says a host MUST
//! put them back together. The danger is the other side of that promise:
//! a datagram in progress holds memory until its last piece comes, and a
//! hostile sender can simply never send it. So everything here is bounded:
//!
//! - [`MAX_DATAGRAMS`] datagrams in progress at once; a new one evicts the
//!   oldest (a flood of never-finished datagrams then only hurts datagrams
//!   whose pieces are further apart than the flood is fast);
//! - [`MAX_FRAGMENTS`] fragments per datagram (a 64 KiB datagram over
//!   Ethernet needs 45), which also bounds the work of a flood of tiny ones;
//! - [`MEMORY_LIMIT`] bytes over all datagrams, each fragment costing its
//!   data plus [`FRAGMENT_OVERHEAD`]; the oldest datagrams are evicted to
//!   make room;
//! - [`TIMEOUT`] after its first fragment, a datagram is abandoned.
//!
//! Fragments that overlap are where reassembly bugs and attacks live
//! (teardrop, the "overlapping fragment" evasion of RFC 1858 §4): which
//! copy of the overlapped bytes wins? We do not choose. As RFC 5722 does
//! for IPv6, a datagram with an overlap is discarded whole, and the later
//! fragments of it are dropped too until its timeout (an exact duplicate,
//! which a link may produce, is harmless and ignored). Fragments no honest
//! sender makes are refused: a non-last fragment whose data is not a
//! multiple of 8 bytes, one shorter than the 68 bytes every link carries
//! (RFC 791 §3.2: "tiny" fragments, RFC 1858 §3), or one that would end
//! past the largest datagram.
//!
//! Fragments are kept as they came, sorted by offset and never
//! overlapping; only a complete datagram is copied into one buffer, with
//! the header of its first fragment (RFC 791: the first fragment's header
//! becomes the datagram's).

use alloc::vec::Vec;
use core::net::Ipv4Addr;

use super::Counters;
use crate::time::{Duration, Instant};
use crate::wire::ipv4::{self, Ipv4Packet};

/// Datagrams being reassembled at once, at most.
pub const MAX_DATAGRAMS: usize = 16;
/// Fragments kept per datagram, at most.
pub const MAX_FRAGMENTS: usize = 64;
/// What one fragment costs beyond its data (its header, the vector that
/// holds it, the allocator's rounding): an estimate, so that a flood of
/// tiny fragments is charged for more than its few bytes.
pub const FRAGMENT_OVERHEAD: usize = 64;
/// Bytes held over all datagrams in progress, at most: room for four
/// maximal datagrams.
pub const MEMORY_LIMIT: usize = 4 * 64 * 1024;
/// How long a datagram may take to arrive whole. RFC 791 suggests 15 s,
/// RFC 1122 §3.3.2 60 to 120 s; a shorter time frees a flood's memory
/// sooner, and Linux uses 30 s.
pub const TIMEOUT: Duration = Duration(30_000);
/// RFC 791 §3.2: every link carries 68-byte datagrams, so no sender ever
/// needs a fragment (other than the last) smaller than this.
pub const MIN_FRAGMENT_LEN: usize = ipv4::MIN_MTU;
/// The largest IPv4 packet: the total length field has 16 bits.
const MAX_PACKET_LEN: usize = 65535;

/// RFC 791: the fields that name the datagram a fragment belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: u8,
    ident: u16,
}

#[derive(Debug)]
struct Fragment {
    /// Where the data starts in the datagram's payload, in bytes.
    offset: usize,
    data: Vec<u8>,
}

impl Fragment {
    fn end(&self) -> usize {
        self.offset + self.data.len()
    }
}

#[derive(Debug)]
struct Datagram {
    key: Key,
    /// When the datagram is abandoned: its first fragment's arrival plus
    /// [`TIMEOUT`].
    deadline: Instant,
    /// Sorted by offset, never overlapping.
    fragments: Vec<Fragment>,
    /// The payload length, known once the last fragment (MF clear) came.
    payload_len: Option<usize>,
    /// The header of the fragment at offset 0, once it came.
    first_header: Option<Vec<u8>>,
    /// What this datagram is charged against [`MEMORY_LIMIT`].
    memory: usize,
    /// Discarded (overlap, too many pieces...): its fragments are dropped
    /// until the deadline, as RFC 5722 asks.
    dropped: bool,
}

/// A datagram abandoned at its deadline.
#[derive(Debug)]
pub struct Expired {
    /// Its first fragment's header and first 8 data bytes, for the ICMP
    /// Time Exceeded message RFC 1122 §3.3.2 asks for; `None` if that
    /// fragment never came (then no message is sent).
    pub quote: Option<Vec<u8>>,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

/// What became of a fragment.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Kept; the datagram is not complete yet (or it was a duplicate).
    Held,
    /// It completed its datagram: the whole IPv4 packet, header included.
    Complete(Vec<u8>),
    /// Dropped, and counted.
    Dropped,
}

/// The datagrams in progress. See the module docs.
#[derive(Debug, Default)]
pub struct Reassembler {
    datagrams: Vec<Datagram>,
    memory: usize,
}

impl Reassembler {
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// Bytes charged to the datagrams in progress.
    pub fn memory(&self) -> usize {
        self.memory
    }

    /// Datagrams in progress (including dropped ones waiting out their
    /// deadline).
    pub fn in_progress(&self) -> usize {
        self.datagrams.len()
    }

    /// The earliest deadline, for `Interface::poll_at`.
    pub fn poll_at(&self) -> Option<Instant> {
        self.datagrams.iter().map(|d| d.deadline).min()
    }

    // ANCHOR: insert
    /// Adds one fragment (`packet.is_fragment()` must hold). Every drop is
    /// counted in `counters` under its reason.
    pub fn insert(
        &mut self,
        now: Instant,
        packet: &Ipv4Packet<'_>,
        counters: &mut Counters,
    ) -> Outcome {
        let key = Key {
            src: packet.src(),
            dst: packet.dst(),
            protocol: u8::from(packet.protocol()),
            ident: packet.ident(),
        };
        let (offset, data, more) = (
            packet.fragment_offset(),
            packet.payload(),
            packet.more_fragments(),
        );
        let end = offset + data.len();
        // Checks on the fragment alone. The datagram it belongs to cannot
        // be completed correctly any more: drop what we have of it too.
        let tiny = more && packet.total_len() < MIN_FRAGMENT_LEN;
        let malformed = (more && data.len() % 8 != 0) || end + packet.header_len() > MAX_PACKET_LEN;
        if tiny || malformed {
            if tiny {
                counters.frag_tiny += 1;
            } else {
                counters.frag_malformed += 1;
            }
            if let Some(at) = self.find(key) {
                self.discard(at);
            }
            return Outcome::Dropped;
        }
        let at = match self.find(key) {
            Some(at) => at,
            None => self.start(now, key, counters),
        };
        if self.datagrams[at].dropped {
            counters.frag_late += 1;
            return Outcome::Dropped;
        }
        match self.check_fits(at, offset, data, more) {
            Fit::New => {}
            Fit::Duplicate => return Outcome::Held,
            Fit::Overlap => {
                counters.frag_overlaps += 1;
                self.discard(at);
                return Outcome::Dropped;
            }
        }
        if self.datagrams[at].fragments.len() >= MAX_FRAGMENTS {
            counters.frag_too_many += 1;
            self.discard(at);
            return Outcome::Dropped;
        }
        let cost = data.len() + FRAGMENT_OVERHEAD;
        let Some(at) = self.make_room(at, cost, counters) else {
            return Outcome::Dropped;
        };
        self.store(at, packet, cost);
        match self.assemble(at) {
            Some(whole) => {
                counters.frag_reassembled += 1;
                Outcome::Complete(whole)
            }
            None => Outcome::Held,
        }
    }
    // ANCHOR_END: insert

    /// Abandons every datagram whose deadline has passed. Those that were
    /// dropped already just go; the others are counted as timeouts.
    pub fn expire(&mut self, now: Instant, counters: &mut Counters) -> Vec<Expired> {
        let mut expired = Vec::new();
        while let Some(at) = self.datagrams.iter().position(|d| d.deadline <= now) {
            let datagram = self.remove(at);
            if datagram.dropped {
                continue;
            }
            counters.frag_timeouts += 1;
            let quote = datagram.first_header.map(|mut quote| {
                // RFC 792: the header and the first 64 bits of data.
                if let Some(first) = datagram.fragments.first().filter(|f| f.offset == 0) {
                    quote.extend_from_slice(&first.data[..first.data.len().min(8)]);
                }
                quote
            });
            expired.push(Expired {
                quote,
                src: datagram.key.src,
                dst: datagram.key.dst,
            });
        }
        expired
    }

    fn find(&self, key: Key) -> Option<usize> {
        self.datagrams.iter().position(|d| d.key == key)
    }

    /// A new datagram, evicting the oldest if the table is full. Returns
    /// its index.
    fn start(&mut self, now: Instant, key: Key, counters: &mut Counters) -> usize {
        if self.datagrams.len() >= MAX_DATAGRAMS {
            self.evict_oldest(None, counters);
        }
        self.datagrams.push(Datagram {
            key,
            deadline: now + TIMEOUT,
            fragments: Vec::new(),
            payload_len: None,
            first_header: None,
            memory: 0,
            dropped: false,
        });
        self.datagrams.len() - 1
    }

    /// Does `offset..offset + data.len()` (the last piece if `!more`) fit
    /// with what the datagram holds?
    fn check_fits(&self, at: usize, offset: usize, data: &[u8], more: bool) -> Fit {
        let datagram = &self.datagrams[at];
        let end = offset + data.len();
        // Past the end that the last fragment set, or a second, different
        // end: the pieces contradict each other.
        if let Some(len) = datagram.payload_len
            && (end > len || (!more && end != len))
        {
            return Fit::Overlap;
        }
        if !more && datagram.fragments.iter().any(|f| f.end() > end) {
            return Fit::Overlap;
        }
        for f in &datagram.fragments {
            if f.offset < end && offset < f.end() {
                let same = f.offset == offset && f.data == data;
                return if same { Fit::Duplicate } else { Fit::Overlap };
            }
        }
        Fit::New
    }

    /// Frees memory for `cost` more bytes by evicting the oldest other
    /// datagrams. Returns where datagram `at` now sits (eviction moves it).
    fn make_room(&mut self, at: usize, cost: usize, counters: &mut Counters) -> Option<usize> {
        let key = self.datagrams[at].key;
        while self.memory + cost > MEMORY_LIMIT {
            if !self.evict_oldest(Some(key), counters) {
                // Only this datagram is left: it alone is over the limit.
                // (Cannot happen with the constants above: MEMORY_LIMIT
                // holds a maximal datagram in MAX_FRAGMENTS pieces.)
                counters.frag_evicted += 1;
                let at = self.find(key)?;
                self.discard(at);
                return None;
            }
        }
        self.find(key)
    }

    /// Removes the datagram with the earliest deadline, other than
    /// `spare`. Returns false if there was none.
    fn evict_oldest(&mut self, spare: Option<Key>, counters: &mut Counters) -> bool {
        let oldest = self
            .datagrams
            .iter()
            .enumerate()
            .filter(|(_, d)| Some(d.key) != spare)
            .min_by_key(|(_, d)| d.deadline)
            .map(|(at, _)| at);
        match oldest {
            Some(at) => {
                if !self.datagrams[at].dropped {
                    counters.frag_evicted += 1;
                }
                self.remove(at);
                true
            }
            None => false,
        }
    }

    fn store(&mut self, at: usize, packet: &Ipv4Packet<'_>, cost: usize) {
        let datagram = &mut self.datagrams[at];
        let offset = packet.fragment_offset();
        if offset == 0 {
            datagram.first_header = Some(packet.header().to_vec());
        }
        if !packet.more_fragments() {
            datagram.payload_len = Some(offset + packet.payload().len());
        }
        let position = datagram
            .fragments
            .iter()
            .position(|f| f.offset > offset)
            .unwrap_or(datagram.fragments.len());
        datagram.fragments.insert(
            position,
            Fragment {
                offset,
                data: packet.payload().to_vec(),
            },
        );
        datagram.memory += cost;
        self.memory += cost;
    }

    /// If datagram `at` is complete, removes it and returns it as one
    /// packet.
    fn assemble(&mut self, at: usize) -> Option<Vec<u8>> {
        let datagram = &self.datagrams[at];
        let payload_len = datagram.payload_len?;
        let header = datagram.first_header.as_ref()?;
        let mut next = 0;
        for f in &datagram.fragments {
            if f.offset != next {
                return None; // a hole
            }
            next = f.end();
        }
        if next != payload_len {
            return None;
        }
        let mut whole = Vec::with_capacity(header.len() + payload_len);
        whole.extend_from_slice(header);
        for f in &datagram.fragments {
            whole.extend_from_slice(&f.data);
        }
        // The checks in `insert` keep the total within 16 bits.
        let total = u16::try_from(whole.len()).ok()?;
        ipv4::mark_unfragmented(&mut whole, total);
        self.remove(at);
        Some(whole)
    }

    /// Drops a datagram's data but remembers it, so that its later
    /// fragments are dropped too (RFC 5722).
    fn discard(&mut self, at: usize) {
        let datagram = &mut self.datagrams[at];
        self.memory -= datagram.memory;
        datagram.memory = 0;
        datagram.fragments = Vec::new();
        datagram.first_header = None;
        datagram.dropped = true;
    }

    fn remove(&mut self, at: usize) -> Datagram {
        let datagram = self.datagrams.swap_remove(at);
        self.memory -= datagram.memory;
        datagram
    }
}

enum Fit {
    New,
    Duplicate,
    Overlap,
}
