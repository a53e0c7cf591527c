//! The table seen from outside, for `netstat` and for tests: one
//! [`SocketInfo`] per socket, orphans and TIME-WAIT records included.

use core::net::SocketAddrV4;

use super::{Socket, SocketHandle, TcpTable};
use crate::tcp::connection::Owner;
use crate::tcp::state::State;
use crate::time::Duration;

/// One line of `netstat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketInfo {
    /// `None` for a TIME-WAIT record, which no handle names.
    pub handle: Option<SocketHandle>,
    pub local: SocketAddrV4,
    /// `None` for a listener.
    pub remote: Option<SocketAddrV4>,
    pub state: State,
    /// Bytes not yet acknowledged by the peer / not yet read by the user.
    pub send_queue: usize,
    pub recv_queue: usize,
    /// False for orphans and for connections waiting to be accepted.
    pub user_owned: bool,
    pub rto: Duration,
    pub srtt: Option<Duration>,
    pub cwnd: usize,
    pub ssthresh: usize,
    pub send_window: usize,
    pub send_mss: usize,
}

impl SocketInfo {
    /// A line with no connection's figures (a listener, a TIME-WAIT
    /// record): no remote address, empty queues, zero timers and windows.
    fn without_connection(
        handle: Option<SocketHandle>,
        local: SocketAddrV4,
        state: State,
    ) -> SocketInfo {
        SocketInfo {
            handle,
            local,
            remote: None,
            state,
            send_queue: 0,
            recv_queue: 0,
            user_owned: false,
            rto: Duration::ZERO,
            srtt: None,
            cwnd: 0,
            ssthresh: 0,
            send_window: 0,
            send_mss: 0,
        }
    }
}

impl TcpTable {
    /// Every socket, orphans and TIME-WAIT records included, for
    /// `netstat`: the sockets in slot order, then the records.
    pub fn sockets(&self) -> impl Iterator<Item = SocketInfo> + '_ {
        let records = self.time_wait.iter().map(|record| SocketInfo {
            remote: Some(record.remote),
            ..SocketInfo::without_connection(None, record.local, State::TimeWait)
        });
        let sockets = self.slots.iter().enumerate().filter_map(|(index, slot)| {
            let handle = Some(SocketHandle {
                index: index as u32,
                generation: slot.generation,
            });
            Some(match slot.socket.as_ref()? {
                Socket::Listener(l) => SocketInfo {
                    recv_queue: l.half_open_len(),
                    user_owned: true,
                    ..SocketInfo::without_connection(handle, l.local, State::Listen)
                },
                Socket::Connection(c) => SocketInfo {
                    handle,
                    local: c.local,
                    remote: Some(c.remote),
                    state: c.state,
                    send_queue: c.send_queue(),
                    recv_queue: c.recv_queue(),
                    user_owned: c.owner == Owner::User,
                    rto: c.rto(),
                    srtt: c.srtt(),
                    cwnd: c.congestion().window(),
                    ssthresh: c.congestion().ssthresh(),
                    send_window: c.send_window(),
                    send_mss: c.send_mss(),
                },
            })
        });
        sockets.chain(records)
    }
}
