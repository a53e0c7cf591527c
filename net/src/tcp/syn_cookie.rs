//! SYN cookies (RFC 4987 §3.6): answering a SYN without remembering it.
//!
//! A listener keeps a child connection for every SYN it answers, until the
//! handshake completes. A SYN flood from forged addresses completes none of
//! them, and whatever bound we put on those children (`max_half_open`),
//! the flood fills it, so real clients' SYNs find no room. With cookies, a
//! listener whose half-open queue is full keeps *nothing*: it encodes what
//! it must remember in the initial sequence number of its SYN+ACK, and a
//! client that completes the handshake sends it back, plus one, in its
//! ACK. The listener checks it and only then creates the connection.
//!
//! The cookie (D. J. Bernstein's layout, as Linux uses it):
//!
//! ```text
//!  31      27 26 25 24                                              0
//! +----------+-----+------------------------------------------------+
//! | t mod 32 | mss |  25 bits of SipHash(secret; addresses, ports,  |
//! |          |index|  client ISN, t)                                |
//! +----------+-----+------------------------------------------------+
//! ```
//!
//! `t` counts 64-second periods, so a cookie is good for one to two
//! periods; the MSS is one of four common values, the largest not above
//! the client's. What a cookie cannot carry is lost: window scaling (the
//! connection runs with 64 KiB windows at most) and the client's exact
//! MSS. That is the price of keeping no state, paid only while the queue
//! is full.
//!
//! A forged ACK must guess 25 bits of keyed hash for the current client
//! ISN and addresses: one chance in 33 million per try.

use core::net::SocketAddrV4;

use super::isn::siphash24;
use super::seq::SeqNumber;
use crate::time::Instant;

/// A cookie's period, in milliseconds.
const PERIOD_MS: u64 = 64_000;
/// The MSS values a cookie can say, in increasing order (Linux's table).
pub const MSS_TABLE: [u16; 4] = [536, 1300, 1440, 1460];
const HASH_BITS: u32 = 25;
const HASH_MASK: u32 = (1 << HASH_BITS) - 1;

fn period(now: Instant) -> u32 {
    (now.millis() / PERIOD_MS) as u32 & 31
}

fn hash(
    secret: &[u8; 16],
    local: SocketAddrV4,
    remote: SocketAddrV4,
    client_isn: SeqNumber,
    t: u32,
) -> u32 {
    let mut message = [0u8; 20];
    message[..4].copy_from_slice(&local.ip().octets());
    message[4..6].copy_from_slice(&local.port().to_be_bytes());
    message[6..10].copy_from_slice(&remote.ip().octets());
    message[10..12].copy_from_slice(&remote.port().to_be_bytes());
    message[12..16].copy_from_slice(&client_isn.0.to_be_bytes());
    message[16..20].copy_from_slice(&t.to_be_bytes());
    siphash24(secret, &message) as u32 & HASH_MASK
}

// ANCHOR: cookie
/// The ISN of a stateless SYN+ACK to a SYN with sequence number
/// `client_isn` announcing `client_mss`.
pub fn make(
    secret: &[u8; 16],
    now: Instant,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    client_isn: SeqNumber,
    client_mss: u16,
) -> SeqNumber {
    let t = period(now);
    let index = MSS_TABLE
        .iter()
        .rposition(|&mss| mss <= client_mss)
        .unwrap_or(0) as u32;
    SeqNumber(t << 27 | index << HASH_BITS | hash(secret, local, remote, client_isn, t))
}

/// Checks the cookie an ACK brings back (its acknowledgment number minus
/// one; its sequence number minus one is the client's ISN). Returns the
/// MSS it encodes if it is ours and at most one period old.
pub fn check(
    secret: &[u8; 16],
    now: Instant,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    client_isn: SeqNumber,
    cookie: SeqNumber,
) -> Option<u16> {
    let t = cookie.0 >> 27;
    let age = period(now).wrapping_sub(t) & 31;
    if age > 1 || cookie.0 & HASH_MASK != hash(secret, local, remote, client_isn, t) {
        return None;
    }
    Some(MSS_TABLE[(cookie.0 >> HASH_BITS & 3) as usize])
}
// ANCHOR_END: cookie

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    const SECRET: [u8; 16] = *b"cookie-secret-16";
    const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 80);
    const REMOTE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 40000);

    fn round_trip(made_at: u64, checked_at: u64, isn: u32, mss: u16) -> Option<u16> {
        let now = Instant::from_millis(made_at);
        let cookie = make(&SECRET, now, LOCAL, REMOTE, SeqNumber(isn), mss);
        let later = Instant::from_millis(checked_at);
        check(&SECRET, later, LOCAL, REMOTE, SeqNumber(isn), cookie)
    }

    #[test]
    fn cookie_round_trips_with_the_mss_rounded_down() {
        assert_eq!(round_trip(0, 0, 7, 1460), Some(1460));
        assert_eq!(round_trip(0, 0, 7, 1400), Some(1300));
        assert_eq!(round_trip(0, 0, 7, 100), Some(536));
        assert_eq!(round_trip(5_000_000, 5_000_001, u32::MAX, 9000), Some(1460));
    }

    #[test]
    fn cookie_lasts_one_to_two_periods() {
        assert_eq!(round_trip(63_999, 64_000 + 63_999, 1, 1460), Some(1460));
        assert_eq!(round_trip(63_999, 128_000, 1, 1460), None);
        // 32 periods later t wraps around to the same value, but then the
        // check is only as good as any cookie of that period: still valid
        // by design, which is why the hash covers t.
    }

    #[test]
    fn a_cookie_is_bound_to_its_connection() {
        let now = Instant::from_millis(1000);
        let cookie = make(&SECRET, now, LOCAL, REMOTE, SeqNumber(5), 1460);
        let other = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 3), 40000);
        assert_eq!(
            check(&SECRET, now, LOCAL, other, SeqNumber(5), cookie),
            None
        );
        assert_eq!(
            check(&SECRET, now, LOCAL, REMOTE, SeqNumber(6), cookie),
            None
        );
        assert_eq!(
            check(
                b"another-secret!!",
                now,
                LOCAL,
                REMOTE,
                SeqNumber(5),
                cookie
            ),
            None
        );
        assert_eq!(
            check(&SECRET, now, LOCAL, REMOTE, SeqNumber(5), cookie + 1),
            None
        );
    }
}
