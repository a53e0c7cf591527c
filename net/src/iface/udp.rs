//! UDP sockets: a table from local port to a queue of received datagrams.
//!
//! A socket is named by a [`UdpHandle`], an id that is never reused, so a
//! handle kept after `udp_close` cannot reach a newer socket that happens to
//! sit on the same port: it gets [`NetError::BadHandle`].
//!
//! Invariants: at most [`MAX_SOCKETS`] sockets, at most one per port, at
//! most [`RX_QUEUE_LEN`] datagrams queued per socket, and at most
//! [`MAX_RX_MEMORY`] bytes queued over all sockets (UDP is unreliable by
//! contract, so dropping the newest when a reader falls behind is allowed;
//! the drop is counted). The byte bound matters since reassembly: one
//! datagram can be 64 KiB, and 64 sockets × 16 of them would be 64 MiB.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddrV4;

use super::output::MAX_IPV4_PAYLOAD;
use super::{Interface, NetError};
use crate::time::Instant;
use crate::wire::icmp;
use crate::wire::ipv4::{Ipv4Packet, Protocol};
use crate::wire::udp::{self, UdpPacket, UdpRepr};

/// Open sockets at most.
pub const MAX_SOCKETS: usize = 64;
/// Datagrams waiting per socket at most.
pub const RX_QUEUE_LEN: usize = 16;
/// Bytes of datagrams waiting over all sockets, at most.
pub const MAX_RX_MEMORY: usize = 1024 * 1024;
/// The largest datagram payload we send: one frame, no fragments.
pub const MAX_PAYLOAD: usize = MAX_IPV4_PAYLOAD - udp::HEADER_LEN;
/// Ports handed out by `udp_bind(0)`: the dynamic range of RFC 6335 §6.
const EPHEMERAL_FIRST: u16 = 49152;

/// Names one open UDP socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UdpHandle(u32);

#[derive(Debug)]
struct UdpSocket {
    handle: UdpHandle,
    port: u16,
    rx: VecDeque<(SocketAddrV4, Vec<u8>)>,
}

/// The socket table.
#[derive(Debug)]
pub(super) struct UdpSockets {
    sockets: Vec<UdpSocket>,
    /// Bytes of data queued over all sockets.
    rx_memory: usize,
    next_id: u32,
    next_ephemeral: u16,
}

impl UdpSockets {
    pub(super) fn new() -> UdpSockets {
        UdpSockets {
            sockets: Vec::new(),
            rx_memory: 0,
            next_id: 0,
            next_ephemeral: EPHEMERAL_FIRST,
        }
    }

    fn get(&self, handle: UdpHandle) -> Option<&UdpSocket> {
        self.sockets.iter().find(|s| s.handle == handle)
    }

    fn get_mut(&mut self, handle: UdpHandle) -> Option<&mut UdpSocket> {
        self.sockets.iter_mut().find(|s| s.handle == handle)
    }

    fn port_taken(&self, port: u16) -> bool {
        self.sockets.iter().any(|s| s.port == port)
    }

    /// The next free port of the dynamic range, round-robin so that a port
    /// just closed is not handed out again at once (a late datagram for the
    /// old socket would reach the new one).
    fn pick_ephemeral(&mut self) -> Option<u16> {
        let range_len = u16::MAX - EPHEMERAL_FIRST + 1;
        for _ in 0..range_len {
            let port = self.next_ephemeral;
            self.next_ephemeral = port.checked_add(1).unwrap_or(EPHEMERAL_FIRST);
            if !self.port_taken(port) {
                return Some(port);
            }
        }
        None
    }

    fn bind(&mut self, port: u16) -> Result<UdpHandle, NetError> {
        if self.sockets.len() >= MAX_SOCKETS {
            return Err(NetError::TooManySockets);
        }
        let port = match port {
            0 => self.pick_ephemeral().ok_or(NetError::NoFreePort)?,
            p if self.port_taken(p) => return Err(NetError::AddrInUse),
            p => p,
        };
        let handle = UdpHandle(self.next_id);
        // 2^32 binds before a wrap: no real run gets there.
        self.next_id = self.next_id.wrapping_add(1);
        self.sockets.push(UdpSocket {
            handle,
            port,
            rx: VecDeque::new(),
        });
        Ok(handle)
    }
}

impl Interface {
    /// Opens a socket on local `port`; port 0 picks a free ephemeral port
    /// (see [`Interface::udp_local_port`]).
    pub fn udp_bind(&mut self, port: u16) -> Result<UdpHandle, NetError> {
        self.udp.bind(port)
    }

    /// The port a socket is bound to.
    pub fn udp_local_port(&self, handle: UdpHandle) -> Option<u16> {
        self.udp.get(handle).map(|s| s.port)
    }

    /// Sends one datagram of `data` from the socket's port to `dst`.
    pub fn udp_send_to(
        &mut self,
        handle: UdpHandle,
        dst: SocketAddrV4,
        data: &[u8],
        now: Instant,
    ) -> Result<(), NetError> {
        let src_port = self.udp.get(handle).ok_or(NetError::BadHandle)?.port;
        if data.len() > MAX_PAYLOAD {
            self.counters.tx_too_long += 1;
            return Err(NetError::MessageTooLong);
        }
        if dst.port() == 0 {
            self.counters.tx_no_route += 1;
            return Err(NetError::BadAddress);
        }
        let repr = UdpRepr {
            src_port,
            dst_port: dst.port(),
        };
        let mut datagram = vec![0; udp::HEADER_LEN + data.len()];
        // Sized above, so emit cannot fail.
        let src = self.source_for(*dst.ip());
        let _ = repr.emit(&mut datagram, src, *dst.ip(), data);
        self.send_ipv4(now, *dst.ip(), Protocol::Udp, &datagram)?;
        self.counters.udp_tx += 1;
        Ok(())
    }

    /// Takes the oldest datagram received on the socket, with its sender.
    /// `None` if there is none (or the handle is closed).
    pub fn udp_recv_from(&mut self, handle: UdpHandle) -> Option<(SocketAddrV4, Vec<u8>)> {
        let datagram = self.udp.get_mut(handle)?.rx.pop_front()?;
        self.udp.rx_memory -= datagram.1.len();
        Some(datagram)
    }

    /// Bytes queued on all UDP sockets (at most [`MAX_RX_MEMORY`]).
    pub fn udp_rx_memory(&self) -> usize {
        self.udp.rx_memory
    }

    /// Would `udp_recv_from` return a datagram? For the kernel's `poll` and
    /// blocking `recvfrom`.
    pub fn udp_can_recv(&self, handle: UdpHandle) -> bool {
        self.udp.get(handle).is_some_and(|s| !s.rx.is_empty())
    }

    /// Closes the socket; datagrams still queued on it are discarded.
    pub fn udp_close(&mut self, handle: UdpHandle) -> Result<(), NetError> {
        let at = self
            .udp
            .sockets
            .iter()
            .position(|s| s.handle == handle)
            .ok_or(NetError::BadHandle)?;
        let socket = self.udp.sockets.swap_remove(at);
        self.udp.rx_memory -= socket.rx.iter().map(|(_, d)| d.len()).sum::<usize>();
        Ok(())
    }

    // ANCHOR: process_udp
    pub(super) fn process_udp(&mut self, now: Instant, ip: &Ipv4Packet<'_>, broadcast: bool) {
        let packet = match UdpPacket::new_checked(ip.payload(), ip.src(), ip.dst()) {
            Ok(packet) => packet,
            Err(e) => return self.counters.count_wire_error(e),
        };
        let port = packet.dst_port();
        let rx_memory = self.udp.rx_memory;
        let Some(socket) = self.udp.sockets.iter_mut().find(|s| s.port == port) else {
            self.counters.udp_no_socket += 1;
            // RFC 1122 §4.1.3.1: SHOULD answer with port unreachable.
            self.send_dst_unreachable(now, ip, icmp::CODE_PORT_UNREACHABLE, broadcast);
            return;
        };
        let data = packet.payload();
        if socket.rx.len() >= RX_QUEUE_LEN || rx_memory + data.len() > MAX_RX_MEMORY {
            self.counters.udp_queue_overflow += 1;
            return;
        }
        let from = SocketAddrV4::new(ip.src(), packet.src_port());
        socket.rx.push_back((from, data.to_vec()));
        self.udp.rx_memory += data.len();
        self.counters.udp_rx += 1;
    }
    // ANCHOR_END: process_udp
}
