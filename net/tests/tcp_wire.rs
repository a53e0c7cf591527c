//! The TCP segment format: parsing, options, checksum, emitting
//! (RFC 9293 §3.1). Bad input must give an error, never a panic.

use core::net::Ipv4Addr;
use net::wire::tcp::{Error, Flags, HEADER_LEN, SackBlocks, TcpOption, TcpPacket, TcpRepr};

const SRC: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const DST: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

fn syn_repr() -> TcpRepr {
    TcpRepr {
        src_port: 1234,
        dst_port: 80,
        seq_number: 1,
        ack_number: 0,
        flags: Flags::SYN,
        window: 0x1000,
        urgent_pointer: 0,
        max_seg_size: None,
        window_scale: None,
        sack_permitted: false,
        sack: SackBlocks::NONE,
    }
}

/// A header with the given data offset (in words) and option bytes.
fn with_options(options: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    syn_repr().emit(SRC, DST, &[], &mut bytes);
    bytes.extend_from_slice(options);
    bytes[12] = (((HEADER_LEN + options.len()) / 4) as u8) << 4;
    bytes
}

#[test]
fn checksum_matches_a_hand_computed_value() {
    // Pseudo-header: 0a00 + 0001 + 0a00 + 0002 + 0006 (TCP) + 0014 (20
    // bytes) = 141d. Header: 04d2 (1234) + 0050 (80) + 0000 0001 (seq) +
    // 0000 0000 (ack) + 5002 (offset 5, SYN) + 1000 (window) + 0 + 0.
    // 141d + 04d2 + 0050 + 0001 + 5002 + 1000 = 7942, complement 86bd.
    let mut bytes = Vec::new();
    syn_repr().emit(SRC, DST, &[], &mut bytes);
    assert_eq!(bytes.len(), 20);
    assert_eq!(&bytes[16..18], &[0x86, 0xbd]);
    let packet = TcpPacket::new_checked(&bytes).unwrap();
    assert_eq!(packet.checksum(), 0x86bd);
    assert!(packet.verify_checksum(SRC, DST));
}

#[test]
fn checksum_covers_the_addresses() {
    let mut bytes = Vec::new();
    syn_repr().emit(SRC, DST, b"data", &mut bytes);
    let packet = TcpPacket::new_checked(&bytes).unwrap();
    assert!(!packet.verify_checksum(SRC, Ipv4Addr::new(10, 0, 0, 3)));
    // The sum is commutative, so swapping source and destination is one
    // corruption the checksum cannot see.
    assert!(packet.verify_checksum(DST, SRC));
}

#[test]
fn any_flipped_bit_breaks_the_checksum() {
    let mut bytes = Vec::new();
    syn_repr().emit(SRC, DST, b"hello, world", &mut bytes);
    for i in 0..bytes.len() * 8 {
        let mut damaged = bytes.clone();
        damaged[i / 8] ^= 1 << (i % 8);
        if let Ok(packet) = TcpPacket::new_checked(&damaged) {
            assert!(!packet.verify_checksum(SRC, DST), "bit {i}");
        }
    }
}

#[test]
fn emit_then_parse_gives_back_the_same_header_and_payload() {
    let repr = TcpRepr {
        src_port: 49152,
        dst_port: 443,
        seq_number: 0xdead_beef,
        ack_number: 0x0102_0304,
        flags: Flags::SYN | Flags::ACK,
        window: 29200,
        urgent_pointer: 7,
        max_seg_size: Some(1460),
        window_scale: Some(7),
        sack_permitted: true,
        sack: SackBlocks::NONE,
    };
    let mut bytes = Vec::new();
    repr.emit(SRC, DST, b"payload", &mut bytes);
    assert_eq!(bytes.len(), 32 + 7);
    let packet = TcpPacket::new_checked(&bytes).unwrap();
    assert!(packet.verify_checksum(SRC, DST));
    assert_eq!(packet.header_len(), 32);
    assert_eq!(packet.payload(), b"payload");
    assert_eq!(TcpRepr::parse(&packet), repr);
}

#[test]
fn options_iterate_in_order_including_unknown_ones() {
    let options = [
        2, 4, 0x05, 0xb4, // MSS 1460
        1,    // NOP
        3, 3, 2, // window scale 2
        4, 2, // SACK permitted
        8, 10, 0, 0, 0, 1, 0, 0, 0, 2, // timestamps 1, 2
        30, 3, 9, // unknown kind 30
        0, 0, 0, // end of list and padding
    ];
    let bytes = with_options(&options);
    let packet = TcpPacket::new_checked(&bytes).unwrap();
    let parsed: Vec<TcpOption<'_>> = packet.options().collect();
    assert_eq!(
        parsed,
        [
            TcpOption::MaxSegmentSize(1460),
            TcpOption::NoOperation,
            TcpOption::WindowScale(2),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { value: 1, echo: 2 },
            TcpOption::Unknown {
                kind: 30,
                data: &[9]
            },
            TcpOption::EndOfList,
        ]
    );
    let repr = TcpRepr::parse(&packet);
    assert_eq!(repr.max_seg_size, Some(1460));
    assert_eq!(repr.window_scale, Some(2));
    assert!(repr.sack_permitted);
}

#[test]
fn sack_blocks_round_trip() {
    let mut repr = syn_repr();
    repr.flags = Flags::ACK;
    repr.max_seg_size = None;
    repr.window_scale = None;
    repr.sack_permitted = false;
    for (left, right) in [(100, 200), (u32::MAX - 5, 7), (300, 400), (500, 600)] {
        assert!(repr.sack.push(left, right));
    }
    assert!(!repr.sack.push(700, 800), "a fifth block does not fit");
    let mut out = Vec::new();
    repr.emit(SRC, DST, b"", &mut out);
    assert_eq!(out.len(), 20 + 36);
    assert_eq!(&out[20..24], &[1, 1, 5, 34]);
    let packet = TcpPacket::new_checked(&out).unwrap();
    assert_eq!(TcpRepr::parse(&packet), repr);
}

#[test]
fn malformed_options_are_rejected() {
    let cases: [&[u8]; 9] = [
        &[2, 0, 0, 0],             // length 0
        &[30, 1, 0, 0],            // length 1 cannot hold kind and length
        &[1, 1, 1, 30],            // length byte missing at the end
        &[30, 9, 0, 0],            // runs past the header
        &[2, 3, 5, 0],             // MSS must be 4 bytes
        &[3, 4, 1, 1],             // window scale must be 3 bytes
        &[4, 3, 0, 0],             // SACK-permitted must be 2 bytes
        &[5, 6, 0, 0, 0, 1, 0, 0], // SACK: not a whole block (4 bytes of data)
        &[5, 2, 0, 0],             // SACK with no block
    ];
    for options in cases {
        let bytes = with_options(options);
        assert_eq!(
            TcpPacket::new_checked(&bytes).err(),
            Some(Error::BadOption),
            "{options:?}"
        );
    }
}

#[test]
fn data_offset_below_five_words_is_rejected() {
    let mut bytes = Vec::new();
    syn_repr().emit(SRC, DST, b"abcdefgh", &mut bytes);
    for words in 0..5 {
        bytes[12] = words << 4;
        assert_eq!(
            TcpPacket::new_checked(&bytes).err(),
            Some(Error::BadDataOffset)
        );
    }
}

#[test]
fn data_offset_past_the_end_is_truncated() {
    let mut bytes = Vec::new();
    syn_repr().emit(SRC, DST, &[], &mut bytes);
    bytes[12] = 6 << 4;
    assert_eq!(TcpPacket::new_checked(&bytes).err(), Some(Error::Truncated));
}

#[test]
fn every_truncation_is_an_error_and_never_a_panic() {
    let repr = TcpRepr {
        max_seg_size: Some(1460),
        window_scale: Some(3),
        sack_permitted: true,
        sack: SackBlocks::NONE,
        ..syn_repr()
    };
    let mut bytes = Vec::new();
    repr.emit(SRC, DST, b"some payload", &mut bytes);
    let header_len = repr.header_len();
    for len in 0..bytes.len() {
        let result = TcpPacket::new_checked(&bytes[..len]);
        if len < header_len {
            assert_eq!(result.err(), Some(Error::Truncated), "length {len}");
        } else {
            // The header is whole; only the payload is shorter, which TCP
            // cannot tell (IP gives the length) but the checksum can.
            let packet = result.unwrap();
            assert!(!packet.verify_checksum(SRC, DST), "length {len}");
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut state = 0x1234_5678_9abc_def1_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 80) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if len > 12 && next() % 2 == 0 {
            // Make the data offset plausible more often.
            bytes[12] = ((5 + next() % 11) as u8) << 4;
        }
        if let Ok(packet) = TcpPacket::new_checked(&bytes) {
            let _ = TcpRepr::parse(&packet);
            let _ = packet.options().count();
            let _ = packet.payload().len();
            let _ = packet.verify_checksum(SRC, DST);
        }
    }
}

#[test]
fn accessors_read_the_header_fields() {
    let repr = TcpRepr {
        ack_number: 0xa0b0_c0d0,
        flags: Flags::ACK | Flags::PSH | Flags::FIN,
        urgent_pointer: 0x0102,
        ..syn_repr()
    };
    let mut bytes = Vec::new();
    repr.emit(SRC, DST, &[], &mut bytes);
    let p = TcpPacket::new_checked(&bytes).unwrap();
    assert_eq!((p.src_port(), p.dst_port()), (1234, 80));
    assert_eq!(p.seq_number(), 1);
    assert_eq!(p.ack_number(), 0xa0b0_c0d0);
    assert_eq!(p.flags(), Flags::ACK | Flags::PSH | Flags::FIN);
    assert_eq!(p.window(), 0x1000);
    assert_eq!(p.urgent_pointer(), 0x0102);
    assert!(p.payload().is_empty());
}

#[test]
fn flags_print_like_tcpdump() {
    assert_eq!(format!("{:?}", Flags::SYN | Flags::ACK), "SYN|ACK");
    assert_eq!(format!("{:?}", Flags::NONE), "-");
    assert!((Flags::SYN | Flags::ACK).contains(Flags::ACK));
    assert!(!Flags::SYN.contains(Flags::ACK));
}
