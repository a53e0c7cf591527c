//! ping: send ICMP echo requests and report the replies.
//!
//!     ping [-c COUNT] [-i MILLISECONDS] [-W MILLISECONDS] ADDRESS
//!
//! One request a second (`-i`), COUNT of them (default 4), each waiting up
//! to `-W` milliseconds (default 2000) for its reply. The kernel does the
//! sending and the waiting (`ping` system call) and returns the round-trip
//! time. Exit status: 0 if any reply came back, 1 if none, 2 on a usage or
//! network error, like the Unix `ping`.
#![no_std]
#![no_main]

use core::net::Ipv4Addr;
use libsys::{Args, Errno, eprintln, println};

struct Options {
    count: u32,
    interval_ms: u64,
    timeout_ms: u64,
    dst: Ipv4Addr,
}

fn usage() -> i32 {
    eprintln!("usage: ping [-c COUNT] [-i MILLISECONDS] [-W MILLISECONDS] ADDRESS");
    2
}

fn parse(args: &Args) -> Option<Options> {
    let mut options = Options {
        count: 4,
        interval_ms: 1000,
        timeout_ms: 2000,
        dst: Ipv4Addr::UNSPECIFIED,
    };
    let mut dst = None;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        match word {
            "-c" => options.count = words.next()?.parse().ok().filter(|&c| c > 0)?,
            "-i" => options.interval_ms = words.next()?.parse().ok()?,
            "-W" => options.timeout_ms = words.next()?.parse().ok().filter(|&w| w > 0)?,
            _ if dst.is_none() => dst = Some(word.parse().ok()?),
            _ => return None,
        }
    }
    options.dst = dst?;
    Some(options)
}

/// Microseconds as milliseconds with up to three decimals: "0.812".
struct Ms(u64);

impl core::fmt::Display for Ms {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        let (ms, us) = (self.0 / 1000, self.0 % 1000);
        if ms >= 100 {
            write!(f, "{ms}")
        } else if ms >= 10 {
            write!(f, "{ms}.{}", us / 100)
        } else {
            write!(f, "{ms}.{:03}", us)
        }
    }
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let Some(o) = parse(&args) else {
        return usage();
    };
    // The kernel sends 56 bytes of data: 64 bytes with the ICMP header.
    println!("PING {}: 56 data bytes", o.dst);
    let (mut received, mut sent) = (0u32, 0u32);
    let (mut min, mut max, mut total) = (u64::MAX, 0u64, 0u64);
    for seq in 1..=o.count {
        let started = libsys::time_ns();
        sent += 1;
        match libsys::ping(o.dst.to_bits(), seq as u16, o.timeout_ms) {
            Ok(rtt_us) => {
                received += 1;
                min = min.min(rtt_us);
                max = max.max(rtt_us);
                total += rtt_us;
                println!(
                    "64 bytes from {}: seq={} time={} ms",
                    o.dst,
                    seq,
                    Ms(rtt_us)
                );
            }
            Err(Errno::ETIMEDOUT) => println!("no reply from {}: seq={}", o.dst, seq),
            Err(e) => {
                eprintln!("ping: {}: {}", o.dst, e.description());
                return 2;
            }
        }
        if seq < o.count {
            // One request per interval, however long the reply took.
            let spent_ms = (libsys::time_ns() - started) / 1_000_000;
            libsys::sleep_ms(o.interval_ms.saturating_sub(spent_ms)).ok();
        }
    }
    println!("--- {} ping statistics ---", o.dst);
    println!(
        "{} packets transmitted, {} received, {}% packet loss",
        sent,
        received,
        (sent - received) * 100 / sent
    );
    if received > 0 {
        println!(
            "rtt min/avg/max = {}/{}/{} ms",
            Ms(min),
            Ms(total / received as u64),
            Ms(max)
        );
        0
    } else {
        1
    }
}
