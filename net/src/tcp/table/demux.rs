//! An arriving segment finds its socket (RFC 9293 §3.10.7).
//!
//! The order of the search matters: first a connection with exactly this
//! 4-tuple (local address and port, remote address and port), then a
//! TIME-WAIT record of one, then a listener on the local port, and if none
//! exists the segment is answered with a reset, as if a CLOSED socket had
//! received it. Each step is a map lookup (`slots.rs`), not a scan.

use core::net::{Ipv4Addr, SocketAddrV4};

use super::{MAX_CONTROL_QUEUE, Socket, SocketHandle, TcpTable, slots};
use crate::tcp::connection::{Connection, DEFAULT_MSS};
use crate::tcp::segment::{Segment, reset_repr};
use crate::tcp::seq::SeqNumber;
use crate::tcp::time_wait::TimeWaitReply;
use crate::tcp::{isn, syn_cookie};
use crate::time::Instant;
use crate::wire::tcp::{Flags, SackBlocks, TcpPacket, TcpRepr};

impl TcpTable {
    // ANCHOR: input
    /// Handles one segment: the payload of an IPv4 packet with protocol 6
    /// from `src` to `dst`. Any reply waits for `poll_output`.
    pub fn input(&mut self, now: Instant, src: Ipv4Addr, dst: Ipv4Addr, bytes: &[u8]) {
        self.counters.segments_in += 1;
        let Ok(packet) = TcpPacket::new_checked(bytes) else {
            self.counters.malformed += 1;
            return;
        };
        if !packet.verify_checksum(src, dst) {
            self.counters.bad_checksum += 1;
            return;
        }
        // TCP is unicast only; a port of 0 is never valid (RFC 9293 §3.9.1,
        // RFC 1122 §4.2.3.10).
        let unicast =
            |ip: Ipv4Addr| !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast());
        if !unicast(src) || !unicast(dst) || packet.src_port() == 0 || packet.dst_port() == 0 {
            self.counters.malformed += 1;
            return;
        }
        let repr = TcpRepr::parse(&packet);
        let mut seg = Segment::new(&repr, packet.payload());
        // ANCHOR: recv_memory
        // The global bound on receive buffers: data that would pass it is
        // dropped; the rest of the segment (its ACK, its window) still
        // counts. The peer sends the data again after its timeout.
        if !seg.payload.is_empty()
            && self.recv_memory() + seg.payload.len() > self.config.max_recv_memory
        {
            self.counters.recv_memory_drops += 1;
            seg = seg.without_data();
        }
        // ANCHOR_END: recv_memory
        let local = SocketAddrV4::new(dst, repr.dst_port);
        let remote = SocketAddrV4::new(src, repr.src_port);

        if let Some(h) = self.find_connection(local, remote) {
            if let Some((conn, counters)) = self.connection_and_counters(h) {
                conn.process(now, &seg, counters);
            }
            self.settle(h);
        } else if self.time_wait.get(&(local, remote)).is_some()
            && !self.reopens_time_wait(local, remote, &seg, now)
        {
            self.time_wait_input(local, remote, &seg, now);
        } else if let Some(listener) = self.find_listener(local) {
            self.listener_input(listener, local, remote, &seg, now);
        } else {
            self.counters.no_socket += 1;
            self.reply_to_closed(local, remote, &seg);
        }
        self.refresh_listeners();
    }
    // ANCHOR_END: input

    // ANCHOR: reopen
    /// Is `seg` a new SYN that may replace the TIME-WAIT record of this
    /// four-tuple (see `TimeWait::allows_reincarnation`)? If so the record
    /// is freed, and the listener gets the SYN. Without this, a client
    /// reusing its port would wait for a challenge ACK, a reset and a
    /// retransmission of its SYN.
    fn reopens_time_wait(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        seg: &Segment<'_>,
        now: Instant,
    ) -> bool {
        let Some(record) = self.time_wait.get(&(local, remote)) else {
            return false;
        };
        if !seg.syn || seg.ack.is_some() || seg.rst || self.find_listener(local).is_none() {
            return false;
        }
        let new_iss = isn::initial_sequence_number(&self.secret, now, local, remote);
        if !record.allows_reincarnation(seg.seq, new_iss) {
            return false;
        }
        self.time_wait.remove(&(local, remote));
        slots::release_port(&mut self.port_users, local.port());
        true
    }
    // ANCHOR_END: reopen

    /// A segment for a TIME-WAIT record; an ACK it asks for waits in the
    /// control queue.
    fn time_wait_input(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        seg: &Segment<'_>,
        now: Instant,
    ) {
        let time_wait = self.config.time_wait;
        let key = (local, remote);
        let answer = self
            .time_wait
            .process(&key, now, seg, time_wait, &mut self.counters);
        if let Some((record, TimeWaitReply::Ack)) = answer {
            self.queue_control(local, remote, record.ack());
        }
    }

    /// An ICMP "fragmentation needed" about a segment from `local` to
    /// `remote` with sequence number `seq`: the path's MTU is `mtu`. The
    /// connection checks it (RFC 5927) before it believes it.
    pub fn path_mtu_report(
        &mut self,
        _now: Instant,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        seq: u32,
        mtu: usize,
    ) {
        let found = self.find_connection(local, remote);
        match found.and_then(|h| self.connection_and_counters(h)) {
            Some((conn, counters)) => conn.on_path_mtu(SeqNumber(seq), mtu, counters),
            None => self.counters.icmp_rejected += 1,
        }
    }

    // ANCHOR: listen_input
    /// RFC 9293 §3.10.7.2: a segment for a socket in LISTEN.
    fn listener_input(
        &mut self,
        listener: SocketHandle,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        seg: &Segment<'_>,
        now: Instant,
    ) {
        // First, a RST cannot refer to anything: ignore it.
        if seg.rst {
            return;
        }
        // Second, an ACK here acknowledges nothing we sent: reset. Unless
        // it brings back a SYN cookie we sent: then it completes a
        // handshake we did not keep (RFC 4987 §3.6).
        if let Some(ack) = seg.ack {
            let client_isn = seg.seq - 1;
            let cookie = ack - 1;
            let mss = (self.config.syn_cookies && !seg.syn)
                .then(|| syn_cookie::check(&self.secret, now, local, remote, client_isn, cookie));
            match mss.flatten() {
                Some(mss) => self.accept_cookie(listener, local, remote, seg, mss, now),
                None => self.queue_reset(local, remote, ack, None),
            }
            return;
        }
        // Third, a SYN opens a child connection in SYN-RECEIVED.
        if !seg.syn {
            self.counters.out_of_window += 1;
            return;
        }
        let Some(Socket::Listener(l)) = self.get(listener) else {
            return;
        };
        if l.accept_queue_full() {
            self.counters.listen_overflows += 1;
            return;
        }
        if self.config.syn_cookies && l.half_open_len() >= self.config.max_half_open {
            self.send_cookie(local, remote, seg, now);
            return;
        }
        let iss = isn::initial_sequence_number(&self.secret, now, local, remote);
        let child = Connection::accept_syn(self.config, local, remote, iss, seg, listener);
        let child = self.insert_connection(child);
        self.counters.passive_opens += 1;
        let max_half_open = self.config.max_half_open;
        let evicted = match self.get_mut(listener) {
            Some(Socket::Listener(l)) => l.add_half_open(child, max_half_open),
            _ => None,
        };
        if let Some(oldest) = evicted {
            // Dropped silently: under a flood its peer is likely forged,
            // and a real client will retransmit its SYN.
            self.counters.syn_flood_evictions += 1;
            self.free(oldest);
        }
    }
    // ANCHOR_END: listen_input

    // ANCHOR: cookies
    /// The half-open queue is full: answer `syn` with a SYN+ACK whose ISN
    /// is a cookie, and remember nothing.
    fn send_cookie(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        syn: &Segment<'_>,
        now: Instant,
    ) {
        if self.control.len() >= MAX_CONTROL_QUEUE {
            self.counters.control_queue_drops += 1;
            return;
        }
        let client_mss = syn.mss.unwrap_or(DEFAULT_MSS as u16);
        let cookie = syn_cookie::make(&self.secret, now, local, remote, syn.seq, client_mss);
        let repr = TcpRepr {
            src_port: local.port(),
            dst_port: remote.port(),
            seq_number: cookie.0,
            ack_number: (syn.seq + 1).0,
            flags: Flags::SYN | Flags::ACK,
            // Unscaled: the cookie cannot remember a window scale.
            window: self.config.recv_buffer.min(usize::from(u16::MAX)) as u16,
            urgent_pointer: 0,
            max_seg_size: Some(self.config.mss),
            window_scale: None,
            sack_permitted: false,
            sack: SackBlocks::NONE,
        };
        self.control.push_back((*local.ip(), *remote.ip(), repr));
        self.counters.syn_cookies_sent += 1;
    }

    /// An ACK brought back a valid cookie: the connection is created now,
    /// and the ACK (with any data it carries) processed on it.
    fn accept_cookie(
        &mut self,
        listener: SocketHandle,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        ack: &Segment<'_>,
        mss: u16,
        now: Instant,
    ) {
        match self.get(listener) {
            Some(Socket::Listener(l)) if !l.accept_queue_full() => {}
            _ => {
                // The client will send again (data, or its next ACK).
                self.counters.listen_overflows += 1;
                return;
            }
        }
        let (iss, client_isn) = (ack.ack.unwrap_or(SeqNumber(0)) - 1, ack.seq - 1);
        let mss = usize::from(mss);
        let mut child =
            Connection::from_cookie(self.config, local, remote, iss, client_isn, mss, listener);
        child.process(now, ack, &mut self.counters);
        let child = self.insert_connection(child);
        self.settle(child);
        self.counters.passive_opens += 1;
        self.counters.syn_cookies_accepted += 1;
        if let Some(Socket::Listener(l)) = self.get_mut(listener) {
            l.push_ready(child);
        }
    }
    // ANCHOR_END: cookies

    // ANCHOR: reply_to_closed
    /// RFC 9293 §3.10.7.1: "If the state is CLOSED (i.e., TCB does not
    /// exist) then all data in the incoming segment is discarded. An
    /// incoming segment containing a RST is discarded. An incoming segment
    /// not containing a RST causes a RST to be sent in response."
    fn reply_to_closed(&mut self, local: SocketAddrV4, remote: SocketAddrV4, seg: &Segment<'_>) {
        if seg.rst {
            return;
        }
        match seg.ack {
            // <SEQ=SEG.ACK><CTL=RST>
            Some(ack) => self.queue_reset(local, remote, ack, None),
            // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            None => self.queue_reset(local, remote, SeqNumber(0), Some(seg.seq + seg.len())),
        }
    }
    // ANCHOR_END: reply_to_closed

    fn queue_reset(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        seq: SeqNumber,
        ack: Option<SeqNumber>,
    ) {
        let repr = reset_repr(local.port(), remote.port(), seq, ack);
        self.queue_control(local, remote, repr);
    }

    /// Queues a segment that belongs to no connection, unless the queue is
    /// full: a flood must not make us queue replies without end.
    fn queue_control(&mut self, local: SocketAddrV4, remote: SocketAddrV4, repr: TcpRepr) {
        if self.control.len() >= MAX_CONTROL_QUEUE {
            self.counters.control_queue_drops += 1;
            return;
        }
        self.control.push_back((*local.ip(), *remote.ip(), repr));
    }
}
