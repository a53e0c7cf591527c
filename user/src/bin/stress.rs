//! stress: many processes doing everything at once, for the SMP tests.
//!
//! `stress SECONDS WORKERS [IP PORT]` starts WORKERS processes that, until
//! SECONDS have passed, go round four tasks, each of which sleeps and wakes
//! across processes (and so, on several CPUs, across CPUs):
//!
//! - **pipe**: a child echoes 16 KiB back through a second pipe; every byte
//!   must come back in order;
//! - **sleep**: a child sleeps a few milliseconds, then writes one byte to
//!   a pipe; the parent `poll`s that pipe with a 10 s timeout. A timeout
//!   is a lost wakeup: the child's sleep or the parent's poll was never
//!   woken;
//! - **kill**: a child blocks reading a pipe nobody writes; the parent
//!   kills it, and `wait` must report it killed (a kill wakes a sleeper);
//! - **connect** (with IP PORT): a TCP connection to an echo server, 1 KiB
//!   there and back.
//!
//! Each worker exits with the number of errors it saw (each printed as
//! `stress: ERROR ...`); the last line is `stress: N rounds (...), E errors`.
//! A deadlock shows as no last line (the harness times out), a panic as
//! the kernel's report.
#![no_std]
#![no_main]

use libsys::abi::{POLLIN, PollFd, SOCK_STREAM, STATUS_KILLED, SocketAddr};
use libsys::{Args, Errno, println};

/// Counts per task, and errors.
#[derive(Default)]
struct Tally {
    pipes: u64,
    sleeps: u64,
    kills: u64,
    connects: u64,
    errors: u64,
}

fn error(what: &str, e: impl core::fmt::Display) -> u64 {
    println!("stress: ERROR pid {}: {}: {}", libsys::getpid(), what, e);
    1
}

/// A child echoes what comes in on one pipe out through another.
fn pipe_round(seed: u64) -> Result<(), Errno> {
    let (to_child_r, to_child_w) = libsys::pipe()?;
    let (from_child_r, from_child_w) = libsys::pipe()?;
    let pid = libsys::fork()?;
    if pid == 0 {
        let _ = libsys::close(to_child_w);
        let _ = libsys::close(from_child_r);
        let mut buffer = [0u8; 512];
        loop {
            match libsys::read(to_child_r, &mut buffer) {
                Ok(0) | Err(_) => libsys::exit(0),
                Ok(n) => {
                    if libsys::write(from_child_w, &buffer[..n]).is_err() {
                        libsys::exit(1);
                    }
                }
            }
        }
    }
    libsys::close(to_child_r)?;
    libsys::close(from_child_w)?;
    let byte = |i: u64| (i.wrapping_mul(31).wrapping_add(seed) % 251) as u8;
    let mut block = [0u8; 1024];
    let mut back = [0u8; 1024];
    let mut result = Ok(());
    for round in 0..16u64 {
        for (i, b) in block.iter_mut().enumerate() {
            *b = byte(round * 1024 + i as u64);
        }
        libsys::write(to_child_w, &block)?;
        let mut got = 0;
        while got < back.len() {
            match libsys::read(from_child_r, &mut back[got..])? {
                0 => return Err(Errno::EPIPE),
                n => got += n,
            }
        }
        if back != block {
            result = Err(Errno::EIO);
            break;
        }
    }
    libsys::close(to_child_w)?;
    libsys::close(from_child_r)?;
    libsys::wait()?;
    result
}

/// A child sleeps, then writes; we poll for it with a timeout.
fn sleep_round(seed: u64) -> Result<(), &'static str> {
    let (r, w) = libsys::pipe().map_err(|_| "pipe")?;
    let pid = libsys::fork().map_err(|_| "fork")?;
    if pid == 0 {
        let _ = libsys::close(r);
        let _ = libsys::sleep_ms(1 + seed % 20);
        let _ = libsys::write(w, b"x");
        libsys::exit(0);
    }
    let _ = libsys::close(w);
    let mut fds = [PollFd {
        fd: r as i32,
        events: POLLIN,
        revents: 0,
    }];
    let ready = libsys::poll(&mut fds, 10_000).map_err(|_| "poll")?;
    let _ = libsys::close(r);
    let waited = libsys::wait().map_err(|_| "wait")?;
    match (ready, waited) {
        (0, _) => Err("lost wakeup: no byte from a sleeping child within 10 s"),
        (_, (_, 0)) => Ok(()),
        _ => Err("sleeping child failed"),
    }
}

/// A child blocks on an empty pipe; we kill it.
fn kill_round() -> Result<(), &'static str> {
    let (r, w) = libsys::pipe().map_err(|_| "pipe")?;
    let pid = libsys::fork().map_err(|_| "fork")?;
    if pid == 0 {
        let mut byte = [0u8; 1];
        let _ = libsys::read(r, &mut byte); // nobody writes: sleeps
        libsys::exit(0);
    }
    // Give it a moment to be asleep (or not: kill works either way).
    libsys::yield_now();
    libsys::kill(pid).map_err(|_| "kill")?;
    let (_, status) = libsys::wait().map_err(|_| "wait")?;
    let _ = libsys::close(r);
    let _ = libsys::close(w);
    if status != STATUS_KILLED {
        return Err("killed child did not die of the kill");
    }
    Ok(())
}

fn connect_round(server: &SocketAddr, seed: u64) -> Result<(), Errno> {
    let fd = libsys::socket(SOCK_STREAM, 0)?;
    let result = (|| {
        libsys::connect(fd, server)?;
        let mut data = [0u8; 1024];
        for (i, b) in data.iter_mut().enumerate() {
            *b = (i as u64 ^ seed) as u8;
        }
        libsys::write(fd, &data)?;
        let mut back = [0u8; 1024];
        let mut got = 0;
        while got < back.len() {
            match libsys::read(fd, &mut back[got..])? {
                0 => return Err(Errno::ECONNRESET),
                n => got += n,
            }
        }
        if back != data {
            return Err(Errno::EIO);
        }
        Ok(())
    })();
    libsys::close(fd)?;
    result
}

fn worker(index: u64, until_ns: u64, server: Option<SocketAddr>) -> Tally {
    let mut tally = Tally::default();
    let mut round = index * 7919;
    while libsys::time_ns() < until_ns {
        round += 1;
        match pipe_round(round) {
            Ok(()) => tally.pipes += 1,
            Err(e) => tally.errors += error("pipe", e),
        }
        match sleep_round(round) {
            Ok(()) => tally.sleeps += 1,
            Err(e) => tally.errors += error("sleep", e),
        }
        match kill_round() {
            Ok(()) => tally.kills += 1,
            Err(e) => tally.errors += error("kill", e),
        }
        if let Some(server) = &server {
            match connect_round(server, round) {
                Ok(()) => tally.connects += 1,
                Err(e) => tally.errors += error("connect", e),
            }
        }
    }
    tally
}

fn parse_ip(text: &str) -> Option<[u8; 4]> {
    let mut ip = [0u8; 4];
    let mut parts = text.split('.');
    for byte in ip.iter_mut() {
        *byte = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(ip)
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    let (Some(seconds), Some(workers)) = (number(1), number(2)) else {
        println!("usage: stress SECONDS WORKERS [IP PORT]");
        return 2;
    };
    let server = match (args.get(3).and_then(parse_ip), number(4)) {
        (Some(ip), Some(port)) => Some(SocketAddr::new(ip, port as u16)),
        _ => None,
    };
    // The TSC clock, not the tick count: on a busy host QEMU may drop timer
    // ticks, which slows `uptime`, and a minute would stretch to several.
    let until_ns = libsys::time_ns() + seconds * 1_000_000_000;
    println!("stress: {workers} workers for {seconds} s");
    for index in 0..workers {
        match libsys::fork() {
            Ok(0) => {
                let t = worker(index, until_ns, server);
                println!(
                    "stress: worker {}: {} pipes, {} sleeps, {} kills, {} connects, {} errors",
                    index, t.pipes, t.sleeps, t.kills, t.connects, t.errors
                );
                libsys::exit(t.errors.min(100) as i32);
            }
            Ok(_) => {}
            Err(e) => {
                println!("stress: fork: {e}");
                return 1;
            }
        }
    }
    let mut errors = 0;
    for _ in 0..workers {
        match libsys::wait() {
            Ok((_, status)) => errors += status as u64,
            Err(e) => errors += error("wait", e),
        }
    }
    println!("stress: {workers} workers done, {errors} errors");
    (errors > 0) as i32
}
