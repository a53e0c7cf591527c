//! The socket object: which protocol, and where in its life it is.
//!
//! A TCP socket goes through the same stages as in the textbook:
//!
//! ```text
//!  socket() ──► Fresh ──bind()──► Fresh{local} ──listen()──► Listening(h)
//!                 │                                              │ accept()
//!                 └────────────connect()──────────► Stream(h) ◄──┘ (a new socket)
//! ```
//!
//! `h` is a handle into the `net` crate's `TcpTable`, which holds the real
//! connection state (SYN-SENT, ESTABLISHED, ...). A UDP socket is simpler:
//! it is bound (explicitly, or on its first `sendto`) or not.
//!
//! Dropping a socket (its last descriptor closed, or its process exited)
//! closes it in the stack: a TCP stream sends its FIN and finishes the
//! handshake on its own; a listener stops accepting.

use crate::sync::SpinLock;
use core::net::SocketAddrV4;
use net::iface::UdpHandle;
use net::tcp::SocketHandle;

// ANCHOR: socket
pub enum Socket {
    Tcp(SpinLock<TcpSocket>),
    Udp(SpinLock<UdpSocket>),
}

pub enum TcpSocket {
    /// Not yet listening or connected; `local` is set by `bind`.
    Fresh {
        local: Option<SocketAddrV4>,
        reuse_address: bool,
    },
    Listening(SocketHandle),
    /// Connecting or connected (the table knows which).
    Stream {
        handle: SocketHandle,
        read_shut: bool,
    },
}

pub struct UdpSocket {
    pub handle: Option<UdpHandle>,
    /// Where `write` sends (set by `connect`).
    pub peer: Option<SocketAddrV4>,
}
// ANCHOR_END: socket

impl Socket {
    pub fn new_tcp() -> Socket {
        Socket::Tcp(SpinLock::new(
            "tcp_socket",
            TcpSocket::Fresh {
                local: None,
                reuse_address: false,
            },
        ))
    }

    pub fn new_udp() -> Socket {
        Socket::Udp(SpinLock::new(
            "udp_socket",
            UdpSocket {
                handle: None,
                peer: None,
            },
        ))
    }
}

// ANCHOR: file_ops
impl Socket {
    /// `read` on a socket: received bytes (TCP) or one datagram (UDP).
    pub fn read(&self, buffer: &mut [u8], nonblocking: bool) -> Result<usize, libsys::Errno> {
        match self {
            Socket::Tcp(s) => super::tcp::receive(s, buffer, nonblocking),
            Socket::Udp(s) => super::udp::receive(s, buffer, nonblocking).map(|(n, _)| n),
        }
    }

    /// `write` on a socket: to the connected peer.
    pub fn write(&self, data: &[u8], nonblocking: bool) -> Result<usize, libsys::Errno> {
        match self {
            Socket::Tcp(s) => super::tcp::send(s, data, nonblocking),
            Socket::Udp(s) => super::udp::send(s, data, None),
        }
    }

    pub fn readiness(&self) -> crate::fs::poll::Readiness {
        match self {
            Socket::Tcp(s) => super::tcp::readiness(s),
            Socket::Udp(s) => crate::fs::poll::Readiness {
                readable: super::udp::readable(s),
                writable: true,
                ..Default::default()
            },
        }
    }
}
// ANCHOR_END: file_ops

// ANCHOR: drop
impl Drop for Socket {
    fn drop(&mut self) {
        match self {
            Socket::Tcp(state) => super::tcp::close(state.get_mut()),
            Socket::Udp(state) => super::udp::close(state.get_mut()),
        }
    }
}
// ANCHOR_END: drop
