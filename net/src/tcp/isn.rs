//! Initial sequence numbers (RFC 6528) and the SipHash-2-4 they use.
//!
//! If an attacker can guess the sequence numbers of a connection, they can
//! inject data or resets into it without seeing its packets. RFC 6528 §3
//! therefore builds the ISN from two parts:
//!
//! ```text
//! ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//! ```
//!
//! `M` is a timer ticking every 4 µs, so that a new incarnation of the same
//! connection starts beyond the old one's numbers. `F` is a keyed hash: the
//! same 4-tuple always gets the same offset, but without the secret key
//! nobody can compute it. We use SipHash-2-4 (Aumasson and Bernstein, 2012),
//! a small keyed hash designed for exactly this kind of job.
//!
//! The caller supplies the 16-byte secret (the kernel draws it from its
//! entropy source at boot); nothing here is random.

use core::net::SocketAddrV4;

use super::seq::SeqNumber;
use crate::time::Instant;

/// One SipRound: additions, rotations and XORs mixing the four words.
fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// SipHash-2-4 of `message` under `key`: 2 rounds per 8-byte word, 4 at
/// the end.
pub fn siphash24(key: &[u8; 16], message: &[u8]) -> u64 {
    let mut k = [0u8; 8];
    k.copy_from_slice(&key[..8]);
    let k0 = u64::from_le_bytes(k);
    k.copy_from_slice(&key[8..]);
    let k1 = u64::from_le_bytes(k);
    // The constants spell "somepseudorandomlygeneratedbytes".
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let mut words = message.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let m = u64::from_le_bytes(bytes);
        v[3] ^= m;
        sip_round(&mut v);
        sip_round(&mut v);
        v[0] ^= m;
    }
    // The last word: the leftover bytes, and the length in the top byte.
    let mut last = [0u8; 8];
    let rest = words.remainder();
    last[..rest.len()].copy_from_slice(rest);
    last[7] = message.len() as u8;
    let b = u64::from_le_bytes(last);
    v[3] ^= b;
    sip_round(&mut v);
    sip_round(&mut v);
    v[0] ^= b;
    v[2] ^= 0xff;
    for _ in 0..4 {
        sip_round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

// ANCHOR: isn
/// The ISN for a new connection from `local` to `remote` at `now`
/// (RFC 6528 §3).
pub fn initial_sequence_number(
    secret: &[u8; 16],
    now: Instant,
    local: SocketAddrV4,
    remote: SocketAddrV4,
) -> SeqNumber {
    let mut tuple = [0u8; 12];
    tuple[0..4].copy_from_slice(&local.ip().octets());
    tuple[4..6].copy_from_slice(&local.port().to_be_bytes());
    tuple[6..10].copy_from_slice(&remote.ip().octets());
    tuple[10..12].copy_from_slice(&remote.port().to_be_bytes());
    let f = siphash24(secret, &tuple) as u32;
    // M: one tick every 4 microseconds, i.e. 250 per millisecond.
    let m = now.millis().wrapping_mul(250) as u32;
    SeqNumber(m.wrapping_add(f))
}
// ANCHOR_END: isn

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    fn key() -> [u8; 16] {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn siphash_matches_the_reference_vectors() {
        // From the SipHash paper's reference implementation (vectors.h):
        // key 00..0f, message 00..(n-1).
        let message: [u8; 15] = core::array::from_fn(|i| i as u8);
        assert_eq!(siphash24(&key(), &[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(siphash24(&key(), &message), 0xa129_ca61_49be_45e5);
    }

    fn addr(last: u8, port: u16) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, last), port)
    }

    #[test]
    fn isn_depends_on_the_four_tuple_and_the_secret() {
        let t = Instant(0);
        let a = initial_sequence_number(&key(), t, addr(1, 1000), addr(2, 80));
        let b = initial_sequence_number(&key(), t, addr(1, 1001), addr(2, 80));
        let c = initial_sequence_number(&[7; 16], t, addr(1, 1000), addr(2, 80));
        assert_ne!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn isn_advances_250_per_millisecond() {
        let (l, r) = (addr(1, 1000), addr(2, 80));
        let a = initial_sequence_number(&key(), Instant(10), l, r);
        let b = initial_sequence_number(&key(), Instant(14), l, r);
        assert_eq!(b - a, 1000);
    }
}
