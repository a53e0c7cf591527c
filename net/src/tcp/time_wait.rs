//! TIME-WAIT without a connection: the few numbers a closed connection
//! still needs for its last 2 MSL, kept apart from the live sockets.
//!
//! A server that closes first (as a web server answering `Connection:
//! close` does) leaves every connection in TIME-WAIT for `time_wait`
//! (2 s): at a thousand connections a second, thousands at once. Keeping a
//! whole [`Connection`](super::connection::Connection) for each, with its
//! buffers and timers, would make every poll walk them. Once the user has
//! closed the socket and our last ACK has gone, all TIME-WAIT still does
//! is answer a few kinds of segments, so a [`TimeWait`] record replaces the
//! connection (Linux does the same with its `tcp_timewait_sock`): the
//! four-tuple, the two sequence numbers its ACKs carry, the window, and the
//! deadline.
//!
//! [`TimeWaitSet`] holds the records in a map keyed by the four-tuple, for
//! arriving segments, and their deadlines in a queue. Every record lasts
//! the same `time_wait`, so records enter the queue in the order they
//! expire: expiring them looks only at the front, never at the rest. A
//! retransmitted FIN restarts a record's timer; the new deadline goes to
//! the back (still in order), and the record's old entry stays behind,
//! recognised as stale when it reaches the front because its deadline is
//! no longer the record's.

use alloc::collections::{BTreeMap, VecDeque};
use core::net::SocketAddrV4;

use super::counters::TcpCounters;
use super::segment::Segment;
use super::seq::SeqNumber;
use crate::time::{Duration, Instant};
use crate::wire::tcp::{Flags, SackBlocks, TcpRepr};

/// (local, remote): what names a connection on this host.
pub(crate) type FourTuple = (SocketAddrV4, SocketAddrV4);

/// What remains of a connection in TIME-WAIT (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimeWait {
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    /// Our next sequence number: one past our FIN.
    pub snd_nxt: SeqNumber,
    /// The peer's next: one past its FIN.
    pub rcv_nxt: SeqNumber,
    /// The window we last offered, in bytes (for the acceptability test),
    /// and as the window field of our segments (scaled).
    pub rcv_wnd: usize,
    pub window_field: u16,
    /// When the record is freed.
    pub deadline: Instant,
}

/// What a segment that reached a [`TimeWait`] record asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeWaitReply {
    Nothing,
    /// `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`, built by [`TimeWait::ack`].
    Ack,
}

impl TimeWait {
    // ANCHOR: process
    /// A segment arrives in TIME-WAIT (RFC 9293 §3.10.7.4). The caller has
    /// already decided that a SYN does not open a new incarnation.
    pub fn process(
        &mut self,
        now: Instant,
        seg: &Segment<'_>,
        time_wait: Duration,
        counters: &mut TcpCounters,
    ) -> TimeWaitReply {
        // RFC 1337: a RST must not end TIME-WAIT early ("assassination"),
        // or old duplicates could reach a new connection on this
        // four-tuple. It is dropped, whatever its number.
        if seg.rst {
            counters.time_wait_resets_ignored += 1;
            return TimeWaitReply::Nothing;
        }
        // A SYN in a synchronized state: a challenge ACK (RFC 5961 §4).
        if seg.syn {
            counters.challenge_acks += 1;
            return TimeWaitReply::Ack;
        }
        // "The only thing that can arrive in this state is a
        // retransmission of the remote FIN. Acknowledge it, and restart
        // the 2 MSL timeout": our last ACK was lost.
        if seg.fin {
            self.deadline = now + time_wait;
            return TimeWaitReply::Ack;
        }
        // First, the sequence number: outside the window, an ACK says
        // where we are.
        if !seg.acceptable(self.rcv_nxt, self.rcv_wnd) {
            counters.out_of_window += 1;
            return TimeWaitReply::Ack;
        }
        // Fifth, the ACK field: one for something we never sent gets an
        // ACK; any other acknowledges our FIN again, and data after the
        // peer's FIN is ignored (seventh step).
        match seg.ack {
            Some(ack) if ack > self.snd_nxt => TimeWaitReply::Ack,
            _ => TimeWaitReply::Nothing,
        }
    }
    // ANCHOR_END: process

    // ANCHOR: reincarnation
    /// May a SYN with ISN `syn_seq` open a new incarnation of this
    /// connection, whose ISN would be `new_iss`? RFC 1122 §4.2.2.13 allows
    /// it if both new sequence spaces start beyond the old ones, so that no
    /// old duplicate can be taken for new data.
    pub fn allows_reincarnation(&self, syn_seq: SeqNumber, new_iss: SeqNumber) -> bool {
        syn_seq > self.rcv_nxt && new_iss > self.snd_nxt
    }
    // ANCHOR_END: reincarnation

    /// The header of our ACK.
    pub fn ack(&self) -> TcpRepr {
        TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq_number: self.snd_nxt.0,
            ack_number: self.rcv_nxt.0,
            flags: Flags::ACK,
            window: self.window_field,
            urgent_pointer: 0,
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack: SackBlocks::NONE,
        }
    }
}

/// The TIME-WAIT records of a host: a map for lookups, a queue for
/// deadlines (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct TimeWaitSet {
    records: BTreeMap<FourTuple, TimeWait>,
    /// (four-tuple, deadline), deadlines never decreasing front to back.
    /// An entry is live if its record still has that deadline.
    deadlines: VecDeque<(FourTuple, Instant)>,
}

/// Stale entries allowed beyond one per record before the queue is
/// compacted: a peer that keeps sending FINs must not grow it without
/// bound.
const STALE_SLACK: usize = 64;

impl TimeWaitSet {
    pub fn insert(&mut self, record: TimeWait) {
        let key = (record.local, record.remote);
        self.push_deadline(key, record.deadline);
        self.records.insert(key, record);
    }

    pub fn get(&self, key: &FourTuple) -> Option<&TimeWait> {
        self.records.get(key)
    }

    pub fn remove(&mut self, key: &FourTuple) -> Option<TimeWait> {
        // Its queue entry becomes stale and is skipped when it expires.
        self.records.remove(key)
    }

    /// Gives `key`'s record a segment (see [`TimeWait::process`]), and
    /// queues its new deadline if the segment restarted the timer.
    pub fn process(
        &mut self,
        key: &FourTuple,
        now: Instant,
        seg: &Segment<'_>,
        time_wait: Duration,
        counters: &mut TcpCounters,
    ) -> Option<(TimeWait, TimeWaitReply)> {
        let record = self.records.get_mut(key)?;
        let before = record.deadline;
        let reply = record.process(now, seg, time_wait, counters);
        let record = *record;
        if record.deadline != before {
            self.push_deadline(*key, record.deadline);
        }
        Some((record, reply))
    }

    fn push_deadline(&mut self, key: FourTuple, deadline: Instant) {
        self.deadlines.push_back((key, deadline));
        if self.deadlines.len() > 2 * self.records.len() + STALE_SLACK {
            // Each compaction removes at least half of the queue, so its
            // cost, spread over the pushes that made it necessary, is a
            // constant per push.
            let records = &self.records;
            self.deadlines
                .retain(|(key, at)| records.get(key).is_some_and(|r| r.deadline == *at));
        }
    }

    /// The earliest deadline, or an earlier one (a stale entry's): waking
    /// too early costs one look at the queue's front.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.front().map(|&(_, at)| at)
    }

    /// Frees the records whose deadline is `now` or earlier, calling
    /// `freed` for each. Returns how many queue entries it looked at.
    pub fn expire(&mut self, now: Instant, mut freed: impl FnMut(&TimeWait)) -> usize {
        let mut looked = 0;
        while let Some(&(key, at)) = self.deadlines.front()
            && at <= now
        {
            looked += 1;
            self.deadlines.pop_front();
            if self.records.get(&key).is_some_and(|r| r.deadline == at)
                && let Some(record) = self.records.remove(&key)
            {
                freed(&record);
            }
        }
        looked
    }

    pub fn iter(&self) -> impl Iterator<Item = &TimeWait> {
        self.records.values()
    }

    /// Entries in the deadline queue, stale ones included.
    #[cfg(test)]
    pub fn queued(&self) -> usize {
        self.deadlines.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::net::Ipv4Addr;

    fn record(port: u16, deadline: u64) -> TimeWait {
        TimeWait {
            local: SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 80),
            remote: SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), port),
            snd_nxt: SeqNumber(1000),
            rcv_nxt: SeqNumber(5000),
            rcv_wnd: 1000,
            window_field: 1000,
            deadline: Instant(deadline),
        }
    }

    fn fin(seq: u32) -> Segment<'static> {
        let repr = TcpRepr {
            src_port: 1,
            dst_port: 80,
            seq_number: seq,
            ack_number: 1000,
            flags: Flags::FIN | Flags::ACK,
            window: 100,
            urgent_pointer: 0,
            max_seg_size: None,
            window_scale: None,
            sack_permitted: false,
            sack: SackBlocks::NONE,
        };
        Segment::new(&repr, &[])
    }

    #[test]
    fn records_expire_in_deadline_order_looking_only_at_the_front() {
        let mut set = TimeWaitSet::default();
        for port in 0..100 {
            set.insert(record(port, 2000 + u64::from(port)));
        }
        let mut freed = Vec::new();
        assert_eq!(
            set.expire(Instant(2009), |r| freed.push(r.remote.port())),
            10
        );
        assert_eq!(freed, (0..10).collect::<Vec<u16>>());
        assert_eq!(set.expire(Instant(2009), |_| {}), 0, "nothing new is due");
        assert_eq!(set.iter().count(), 90);
    }

    #[test]
    fn a_restarted_record_outlives_its_first_deadline() {
        let mut set = TimeWaitSet::default();
        set.insert(record(1, 2000));
        let key = (record(1, 0).local, record(1, 0).remote);
        let mut counters = TcpCounters::default();
        let time_wait = Duration::from_secs(2);
        let (_, reply) = set
            .process(&key, Instant(1500), &fin(4999), time_wait, &mut counters)
            .unwrap();
        assert_eq!(reply, TimeWaitReply::Ack);
        assert_eq!(set.next_deadline(), Some(Instant(2000)), "the stale entry");
        assert_eq!(
            set.expire(Instant(2000), |_| panic!("stale entry freed")),
            1
        );
        assert_eq!(set.next_deadline(), Some(Instant(3500)));
        assert_eq!(set.expire(Instant(3500), |_| {}), 1);
        assert_eq!(set.iter().count(), 0);
    }

    #[test]
    fn a_fin_flood_does_not_grow_the_deadline_queue_without_bound() {
        let mut set = TimeWaitSet::default();
        set.insert(record(1, 2000));
        let key = (record(1, 0).local, record(1, 0).remote);
        let mut counters = TcpCounters::default();
        for now in 0..10_000 {
            let time_wait = Duration::from_secs(2);
            set.process(&key, Instant(now), &fin(4999), time_wait, &mut counters);
        }
        assert!(set.queued() <= 2 + STALE_SLACK, "{} entries", set.queued());
    }
}
