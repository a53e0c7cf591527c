//! The `net` crate's errors, as the errno values user programs expect.

use libsys::Errno;
use net::NetError;
use net::tcp::TcpError;

// ANCHOR: errors
pub fn from_tcp(error: TcpError) -> Errno {
    match error {
        TcpError::WouldBlock => Errno::EAGAIN,
        TcpError::AddrInUse => Errno::EADDRINUSE,
        TcpError::AddrNotAvailable => Errno::EADDRNOTAVAIL,
        TcpError::Refused => Errno::ECONNREFUSED,
        TcpError::Reset => Errno::ECONNRESET,
        TcpError::TimedOut => Errno::ETIMEDOUT,
        TcpError::Pipe => Errno::EPIPE,
        TcpError::NotConnected => Errno::ENOTCONN,
        TcpError::InvalidHandle => Errno::EBADF,
        TcpError::InvalidArgument => Errno::EINVAL,
    }
}

pub fn from_net(error: NetError) -> Errno {
    match error {
        NetError::AddrInUse => Errno::EADDRINUSE,
        NetError::NoFreePort | NetError::TooManySockets => Errno::ENFILE,
        NetError::BadHandle => Errno::EBADF,
        NetError::NoRoute => Errno::ENETUNREACH,
        NetError::BadAddress => Errno::EADDRNOTAVAIL,
        NetError::MessageTooLong => Errno::EMSGSIZE,
        NetError::QueueFull => Errno::EAGAIN,
    }
}
// ANCHOR_END: errors
