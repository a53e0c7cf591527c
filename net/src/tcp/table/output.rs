//! The table's send side: every connection's segments, and the resets
//! and SYN-cookie replies that belong to none, built one by one straight
//! into the buffers of their frames, complete or left for the card to
//! finish (`crate::offload`).

use alloc::vec::Vec;
use core::net::Ipv4Addr;

use super::{Socket, SocketHandle, TcpTable};
use crate::offload::{Capabilities, SegmentOffload, pseudo_header_seed};
use crate::time::Instant;
use crate::wire::tcp::{self, Flags, TcpRepr};

/// Where `poll_output_offloaded` hands each segment: source, destination,
/// the segment (after the headroom asked for), and what it leaves for the
/// card. Returns whether there is room for more.
pub type EmitOffloaded<'a> = dyn FnMut(Ipv4Addr, Ipv4Addr, Vec<u8>, SegmentOffload) -> bool + 'a;

impl TcpTable {
    // ANCHOR: poll_output
    /// Sends whatever is due at `now`: data, ACKs, retransmissions, probes,
    /// resets. `emit(source, destination, segment)` gets each segment with
    /// the addresses of the IPv4 packet to carry it, and returns whether
    /// there is room for more. Once it says no, the connections not served
    /// yet wait for the next call (which starts with them, so every
    /// connection gets its turn): building segments that the interface
    /// could only drop would waste the time everyone else waits for the
    /// stack's lock.
    pub fn poll_output(
        &mut self,
        now: Instant,
        emit: &mut dyn FnMut(Ipv4Addr, Ipv4Addr, &[u8]) -> bool,
    ) {
        let none = |_| Capabilities::NONE;
        self.poll_output_offloaded(now, 0, &none, &mut |src, dst, segment, _| {
            emit(src, dst, &segment)
        });
    }

    /// `poll_output` as the interface uses it. Each segment comes in a
    /// buffer of its own, after `headroom` blank bytes for the lower
    /// layers' headers: the payload is copied once, from the send buffer
    /// straight to where the frame is built. `offload_for(dst)` says what
    /// the card on the way to `dst` can finish, and `emit` learns what each
    /// segment leaves for it (see [`crate::offload`]).
    pub fn poll_output_offloaded(
        &mut self,
        now: Instant,
        headroom: usize,
        offload_for: &dyn Fn(Ipv4Addr) -> Capabilities,
        emit: &mut EmitOffloaded<'_>,
    ) {
        let mut room = true;
        let count = self.slots.len();
        self.count_steps(count);
        for step in 0..count {
            let index = (self.next_output + step) % count;
            if !room {
                self.next_output = index;
                break;
            }
            let slot = &mut self.slots[index];
            let Some(Socket::Connection(conn)) = &mut slot.socket else {
                continue;
            };
            let h = SocketHandle {
                index: index as u32,
                generation: slot.generation,
            };
            let (src, dst) = (*conn.local.ip(), *conn.remote.ip());
            let card = offload_for(dst);
            let mss = conn.send_mss();
            let max_segment = card.tso_max.max(mss);
            conn.dispatch(
                now,
                &mut self.counters,
                max_segment,
                &mut |repr, payload| {
                    let (segment, offload) =
                        build_segment(src, dst, repr, payload, card, mss, headroom);
                    room &= emit(src, dst, segment, offload);
                },
            );
            self.settle(h);
        }
        self.expire_time_wait(now);
        while room && let Some((src, dst, repr)) = self.control.pop_front() {
            let (segment, _) =
                build_segment(src, dst, &repr, [&[], &[]], Capabilities::NONE, 0, headroom);
            room = emit(src, dst, segment, SegmentOffload::None);
            self.counters.segments_out += 1;
            if repr.flags.contains(Flags::RST) {
                self.counters.resets_sent += 1;
            }
        }
        self.refresh_listeners();
    }
    // ANCHOR_END: poll_output
}

// ANCHOR: build_segment
/// Builds one segment in a buffer of its own, after `headroom` blank
/// bytes: complete, or with its checksum left to the card if the card can
/// compute it, and marked for segmentation if it carries more than one MSS
/// (which `dispatch` only builds for a card that segments).
fn build_segment(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    repr: &TcpRepr,
    payload: [&[u8]; 2],
    card: Capabilities,
    mss: usize,
    headroom: usize,
) -> (Vec<u8>, SegmentOffload) {
    let data_len = payload[0].len() + payload[1].len();
    let len = repr.header_len() + data_len;
    let offload = if !card.tx_checksum && card.tso_max == 0 {
        SegmentOffload::None
    } else if data_len > mss {
        SegmentOffload::Segmentation { mss }
    } else {
        SegmentOffload::Checksum
    };
    let seed = match offload {
        SegmentOffload::None => 0,
        SegmentOffload::Checksum => pseudo_header_seed(src, dst, len as u16),
        SegmentOffload::Segmentation { .. } => pseudo_header_seed(src, dst, 0),
    };
    let mut segment = Vec::with_capacity(headroom + len);
    segment.resize(headroom, 0);
    repr.append_header(seed, &mut segment);
    segment.extend_from_slice(payload[0]);
    segment.extend_from_slice(payload[1]);
    if offload == SegmentOffload::None {
        tcp::fill_checksum(src, dst, &mut segment[headroom..]);
    }
    (segment, offload)
}
// ANCHOR_END: build_segment
