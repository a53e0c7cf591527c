//! The Internet checksum (RFC 1071): the 16-bit ones'-complement of the
//! ones'-complement sum of the data taken as big-endian 16-bit words.
//!
//! IPv4 uses it over its header; ICMP over the whole message; UDP and TCP over
//! a "pseudo-header" (source, destination, protocol, length) followed by the
//! segment, so that a segment delivered to the wrong host fails the check.

use core::net::Ipv4Addr;

// ANCHOR: accumulate
/// Adds `data` to a running 32-bit sum without folding. An odd trailing byte
/// is padded with a zero byte on the right, as RFC 1071 says.
///
/// Eight bytes at a time: the ones'-complement sum does not care how the
/// words are grouped (RFC 1071 §2, "parallel summation"), so four 16-bit
/// words are added at once as one 64-bit word, and every carry out of bit
/// 63 is added back in at the bottom (the "end-around carry"). The 64-bit
/// sum is folded into 16 bits at the end; byte order works out because a
/// big-endian load of each 16-bit word is what the folding adds up. A
/// quarter of the loop trips of a 16-bit loop, which matters when every
/// segment's checksum runs under emulation.
pub fn accumulate(sum: u32, data: &[u8]) -> u32 {
    let mut wide: u64 = sum as u64;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_be_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        let (added, carry) = wide.overflowing_add(word);
        wide = added + carry as u64;
    }
    // Fold 64 -> 32 bits (ones'-complement: carries wrap around).
    let mut folded = (wide & 0xffff_ffff) + (wide >> 32);
    folded = (folded & 0xffff_ffff) + (folded >> 32);
    let mut sum = (folded & 0xffff) as u32 + (folded >> 16) as u32;
    let rest = chunks.remainder();
    let mut pairs = rest.chunks_exact(2);
    for pair in &mut pairs {
        sum = sum.wrapping_add(u16::from_be_bytes([pair[0], pair[1]]) as u32);
    }
    if let [last] = pairs.remainder() {
        sum = sum.wrapping_add((*last as u32) << 8);
    }
    sum
}
// ANCHOR_END: accumulate

/// Folds the carries back in and complements: the value to put in the header.
pub fn finish(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The checksum of `data` alone (IPv4 header, ICMP message).
pub fn checksum(data: &[u8]) -> u16 {
    finish(accumulate(0, data))
}

/// The running sum of the UDP/TCP pseudo-header (RFC 768, RFC 9293 §3.1).
pub fn pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> u32 {
    let mut sum = accumulate(0, &src.octets());
    sum = accumulate(sum, &dst.octets());
    sum = sum.wrapping_add(protocol as u32);
    sum.wrapping_add(length as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // The worked example of RFC 1071 §3: the sum is 0xddf2, so the
        // checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
    }

    /// The 16-bit loop of RFC 1071 §4.1, to compare with.
    fn simple(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in data.chunks(2) {
            let high = (pair[0] as u32) << 8;
            sum += high | pair.get(1).map_or(0, |&b| b as u32);
        }
        finish(sum)
    }

    #[test]
    fn eight_bytes_at_a_time_matches_the_simple_loop() {
        let mut data = [0u8; 1500];
        let mut x: u32 = 12345;
        for byte in data.iter_mut() {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *byte = (x >> 16) as u8;
        }
        for len in (0..64).chain([1459, 1460, 1499, 1500]) {
            assert_eq!(checksum(&data[..len]), simple(&data[..len]), "length {len}");
        }
        // Many carries: all ones.
        let ones = [0xffu8; 1500];
        for len in [8, 9, 64, 1500] {
            assert_eq!(
                checksum(&ones[..len]),
                simple(&ones[..len]),
                "ones, length {len}"
            );
        }
        // A running sum carried in from a pseudo-header.
        let start = 0xfffe_fffe;
        assert_eq!(finish(accumulate(start, &ones)), {
            let mut sum = start as u64;
            for pair in ones.chunks(2) {
                sum += u16::from_be_bytes([pair[0], pair[1]]) as u64;
            }
            while sum > 0xffff {
                sum = (sum & 0xffff) + (sum >> 16);
            }
            !(sum as u16)
        });
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(checksum(&[0xab]), checksum(&[0xab, 0x00]));
    }

    #[test]
    fn data_with_its_checksum_sums_to_zero() {
        let mut data = [
            0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0, 0,
        ];
        let c = checksum(&data);
        data[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&data), 0);
    }
}
