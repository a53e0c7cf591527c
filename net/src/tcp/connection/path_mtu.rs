//! Path-MTU discovery for one connection (RFC 1191 §6): the segments we
//! send carry DF, so a router whose next link is too small drops them and
//! says so in an ICMP "fragmentation needed" message. We then send smaller
//! segments.
//!
//! Anyone can send an ICMP message, so it is believed only if it quotes a
//! segment this connection could have sent and not yet had acknowledged:
//! RFC 5927 §4.1 checks SND.UNA <= SEG.SEQ < SND.NXT. An off-path attacker
//! must then guess a sequence number inside the flight, as for a reset.

use super::{Connection, MIN_MSS};
use crate::tcp::counters::TcpCounters;
use crate::tcp::seq::SeqNumber;
use crate::tcp::state::State;
use crate::wire::ipv4;
use crate::wire::tcp::HEADER_LEN;

impl Connection {
    // ANCHOR: path_mtu
    /// An ICMP "fragmentation needed" quoting our segment `seq`: the path
    /// carries datagrams of `mtu` bytes at most.
    pub(in crate::tcp) fn on_path_mtu(
        &mut self,
        seq: SeqNumber,
        mtu: usize,
        counters: &mut TcpCounters,
    ) {
        let in_flight = self.snd_una <= seq && seq < self.snd_max;
        if !in_flight || !self.state.is_established_or_later() || self.state == State::TimeWait {
            counters.icmp_rejected += 1;
            return;
        }
        let mss = mtu
            .saturating_sub(ipv4::HEADER_LEN + HEADER_LEN)
            .max(MIN_MSS);
        // RFC 1191 §6.3: only ever lower it on such a message.
        if mss >= self.snd_mss {
            return;
        }
        counters.path_mtu_reductions += 1;
        self.snd_mss = mss;
        // What is in flight was sent too big and is lost: send it again
        // now, in smaller segments (RFC 1191 §6.5), from SND.UNA. This is
        // not congestion, so the congestion window stays; Karn's rule
        // stops the RTT sample.
        self.snd_nxt = self.snd_una;
        self.rtt_sample = None;
    }
    // ANCHOR_END: path_mtu
}
