//! A deterministic stand-in for fuzzing: a fixed-seed generator mutates
//! valid requests, Range headers and request-targets (bit flips, random
//! bytes, cuts, insertions of the characters the parsers care about,
//! duplications) and checks each against the contract in `properties/`.
//!
//! `http/fuzz` runs the same checks under libFuzzer's coverage guidance, on
//! nightly; this runs on every `cargo test`.

mod properties;

const ROUNDS: usize = 5_000;

/// xorshift64: small, fast, the same sequence on every machine.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes the parsers treat specially: a mutation that inserts them reaches
/// the interesting branches far sooner than random bytes do.
const SPECIAL: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"\r",
    b":",
    b" ",
    b"\t",
    b"/",
    b"..",
    b"%",
    b"%2e",
    b"%2f",
    b"%00",
    b"?",
    b"#",
    b"-",
    b",",
    b"=",
    b"0",
    b"9",
    b"18446744073709551615",
    b"\0",
    b"\xff",
    b"Content-Length: 5\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Connection: close\r\n",
    b"bytes=",
    b"http://",
];

fn mutate(rng: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let bit = rng.below(bytes.len() * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
            }
            1 if at < bytes.len() => bytes[at] = rng.next() as u8,
            2 => bytes.truncate(at),
            3 => {
                let special = SPECIAL[rng.below(SPECIAL.len())];
                bytes.splice(at..at, special.iter().copied());
            }
            4 if at < bytes.len() => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                let end = (at + rng.below(8)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

#[test]
fn mutated_requests_keep_the_contract() {
    let seeds: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: oxv6\r\n\r\n",
        b"HEAD /index.html HTTP/1.0\r\n\r\n",
        b"GET /big.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199\r\nIf-None-Match: \"abc\"\r\n\r\n",
        b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"\r\nGET http://oxv6/%2e%2e/etc HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    let mut rng = XorShift(0x0c76_2024);
    for round in 0..ROUNDS {
        let input = mutate(&mut rng, seeds[round % seeds.len()]);
        properties::check_request_bytes(&input);
    }
}

#[test]
fn mutated_ranges_keep_the_contract() {
    let seeds: &[&[u8]] = &[
        b"bytes=0-99",
        b"bytes=500-",
        b"bytes=-500",
        b"bytes=10-5",
        b"BYTES = 1-2",
    ];
    let sizes = [0, 1, 100, 1 << 20, u64::MAX];
    let mut rng = XorShift(0x0c76_0416);
    for round in 0..ROUNDS {
        let input = mutate(&mut rng, seeds[round % seeds.len()]);
        let header = String::from_utf8_lossy(&input);
        properties::check_range(&header, sizes[rng.below(sizes.len())]);
    }
}

#[test]
fn mutated_targets_keep_the_contract() {
    let seeds: &[&[u8]] = &[
        b"/",
        b"/index.html?x=1#top",
        b"/a/./b/../c/",
        b"/%2e%2e/etc/motd",
        b"http://oxv6/docs/",
        b"/hello%20world.txt",
    ];
    let mut rng = XorShift(0x0c76_0403);
    for round in 0..ROUNDS {
        let input = mutate(&mut rng, seeds[round % seeds.len()]);
        properties::check_target(&String::from_utf8_lossy(&input));
    }
}

/// The properties themselves must be able to fail: a path with a way up in
/// it is caught.
#[test]
#[should_panic(expected = "still has")]
fn check_resolved_catches_a_dot_dot() {
    properties::check_resolved("/a/../b");
}
