//! bench: micro-benchmarks of the kernel's basic paths, run by `make bench`.
//!
//! Each benchmark prints one line, `bench NAME VALUE`, the unit being the
//! end of the name (`getpid_ns`: nanoseconds per call), then a detail line
//! `# NAME runs=5 iters=N min=X max=Y`. VALUE is the median of `RUNS` runs;
//! min and max show how much the runs disagreed. A benchmark the kernel
//! cannot run yet prints `bench NAME skipped (ERRNO)`; one that goes wrong
//! prints `bench NAME failed (why)` and makes the exit status 1.
//!
//! `bench NAME...` runs only the named benchmarks (default: all).
//!
//! Time comes from `time_ns` (the TSC, in nanoseconds since boot). It is a
//! system call itself, so each run times many iterations between two
//! readings: `per_op` first doubles the iteration count until a batch takes
//! a noticeable time, then sizes the runs to last about `TARGET_NS` each.
//! That calibration is also the warm-up.
//!
//! `tools/bench_linux.c` measures the same things on the host, in the same
//! way, for comparison: keep the two in step.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use libsys::{Args, Errno, eprintln, println};

/// Runs per benchmark; the median is reported.
const RUNS: usize = 5;
/// How long one run of an iterated benchmark should take.
const TARGET_NS: u64 = 100_000_000;
/// `sleep_ms(10)` calls per run of `sleep_10ms_actual_ms`.
const SLEEPS_PER_RUN: u64 = 10;
/// Bytes sent through the pipe per run of `pipe_throughput_mb_s`.
const PIPE_TOTAL: usize = 8 << 20;
/// Size of each `write` and `read` of `pipe_throughput_mb_s`.
const PIPE_CHUNK: usize = 4096;

/// The result of one benchmark: the median and spread of its runs.
struct Stats {
    median: f64,
    min: f64,
    max: f64,
    iters: u64,
}

impl Stats {
    fn of(mut samples: [f64; RUNS], iters: u64) -> Stats {
        samples.sort_by(f64::total_cmp);
        Stats {
            median: samples[RUNS / 2],
            min: samples[0],
            max: samples[RUNS - 1],
            iters,
        }
    }
}

enum Outcome {
    Measured(Stats),
    /// The kernel does not offer what the benchmark needs (yet).
    Skipped(Errno),
}

type BenchResult = Result<Outcome, String>;
/// A benchmark: its name (ending in its unit) and its function.
type Bench = (&'static str, fn() -> BenchResult);

const BENCHES: &[Bench] = &[
    ("getpid_ns", getpid_ns),
    ("fork_exit_wait_us", fork_exit_wait_us),
    ("yield_pingpong_ns", yield_pingpong_ns),
    ("sleep_10ms_actual_ms", sleep_10ms_actual_ms),
    ("pipe_throughput_mb_s", pipe_throughput_mb_s),
    ("pipe_pingpong_us", pipe_pingpong_us),
];

fn now() -> u64 {
    libsys::time_ns()
}

fn sys<T>(what: &str, result: Result<T, Errno>) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e}"))
}

/// Takes `RUNS` samples, each from one call of `sample`.
fn runs(iters: u64, mut sample: impl FnMut() -> Result<f64, String>) -> Result<Stats, String> {
    let mut samples = [0.0; RUNS];
    for s in samples.iter_mut() {
        *s = sample()?;
    }
    Ok(Stats::of(samples, iters))
}

/// Calibrates an iteration count for `batch` (which does `n` iterations
/// and returns the nanoseconds they took) so that a run lasts about
/// `TARGET_NS`, then returns the statistics of nanoseconds per iteration,
/// divided by `divisor` (to count several operations per iteration, or to
/// convert the unit).
fn per_op(
    divisor: f64,
    mut batch: impl FnMut(u64) -> Result<u64, String>,
) -> Result<Stats, String> {
    let mut n = 1u64;
    let elapsed = loop {
        let elapsed = batch(n)?;
        if elapsed >= TARGET_NS / 8 || n >= 1 << 24 {
            break elapsed.max(1);
        }
        n *= 2;
    };
    let iters = ((n as u128 * TARGET_NS as u128 / elapsed as u128) as u64).max(1);
    runs(iters, || Ok(batch(iters)? as f64 / iters as f64 / divisor))
}

/// Waits for the child `pid` and checks how it ended.
fn reap(pid: u32, expected_status: i32) -> Result<(), String> {
    let (done, status) = sys("wait", libsys::wait())?;
    if done != pid || status != expected_status {
        return Err(format!(
            "wait: pid {done} status {status}, expected pid {pid} status {expected_status}"
        ));
    }
    Ok(())
}

/// The cheapest system call, `getpid`: a round trip into the kernel
/// (syscall entry, dispatch, taking the process-table lock, sysret).
fn getpid_ns() -> BenchResult {
    let stats = per_op(1.0, |n| {
        let start = now();
        for _ in 0..n {
            core::hint::black_box(libsys::getpid());
        }
        Ok(now() - start)
    })?;
    Ok(Outcome::Measured(stats))
}

/// A child that exits at once: fork (copying the whole address space),
/// the child's first run and exit, and the parent's wait that frees it.
fn fork_exit_wait_us() -> BenchResult {
    let stats = per_op(1000.0, |n| {
        let start = now();
        for _ in 0..n {
            match sys("fork", libsys::fork())? {
                0 => libsys::exit(0),
                pid => reap(pid, 0)?,
            }
        }
        Ok(now() - start)
    })?;
    Ok(Outcome::Measured(stats))
}

/// The cost of one context switch, from user process to user process.
///
/// Method: the parent forks a child that does nothing but `yield_now()`
/// in a loop. With these two runnable processes on one CPU (init sleeps
/// in `wait`), every yield switches to the other one through the
/// scheduler: each of the parent's yields lets the child run until the
/// child's own yield gives the CPU back. So one iteration of the parent's
/// timed loop is two switches (parent → child → parent), each being a
/// system call, `swtch` into the scheduler, the scan for the next
/// Runnable process, and `swtch` out of it. Time / (2 × iterations) is
/// the cost of one switch. The odd timer tick that preempts one of the
/// two adds a round trip that the count misses: under one in a thousand.
///
/// The parent yields once before starting the clock, so that the child is
/// already in its loop, and kills it when done.
fn yield_pingpong_ns() -> BenchResult {
    let stats = per_op(2.0, |n| {
        let pid = match sys("fork", libsys::fork())? {
            0 => loop {
                libsys::yield_now();
            },
            pid => pid,
        };
        libsys::yield_now();
        let start = now();
        for _ in 0..n {
            libsys::yield_now();
        }
        let elapsed = now() - start;
        sys("kill", libsys::kill(pid))?;
        reap(pid, libsys::abi::STATUS_KILLED)?;
        Ok(elapsed)
    })?;
    Ok(Outcome::Measured(stats))
}

/// How long `sleep_ms(10)` really takes, on average: an accuracy figure,
/// not a speed (the kernel checks sleepers' deadlines at each 10 ms tick).
fn sleep_10ms_actual_ms() -> BenchResult {
    let stats = runs(SLEEPS_PER_RUN, || {
        let start = now();
        for _ in 0..SLEEPS_PER_RUN {
            sys("sleep", libsys::sleep_ms(10))?;
        }
        Ok((now() - start) as f64 / SLEEPS_PER_RUN as f64 / 1e6)
    })?;
    Ok(Outcome::Measured(stats))
}

/// Whether the kernel has pipes: `Some(errno)` if `pipe` fails.
fn pipes_missing() -> Option<Errno> {
    match libsys::pipe() {
        Ok((read_end, write_end)) => {
            libsys::close(read_end).ok();
            libsys::close(write_end).ok();
            None
        }
        Err(e) => Some(e),
    }
}

/// A child writes `PIPE_TOTAL` bytes into a pipe, `PIPE_CHUNK` at a time,
/// and the parent reads them until end of file. Timed in the parent from
/// the return of `fork` to end of file, after one untimed transfer. MB are
/// 10^6 bytes.
fn pipe_throughput_mb_s() -> BenchResult {
    if let Some(errno) = pipes_missing() {
        return Ok(Outcome::Skipped(errno));
    }
    pipe_transfer()?; // warm-up, as `per_op`'s calibration is for the others
    let stats = runs(1, || {
        let elapsed = pipe_transfer()?;
        Ok(PIPE_TOTAL as f64 / 1e6 / (elapsed as f64 / 1e9))
    })?;
    Ok(Outcome::Measured(stats))
}

/// One run of `pipe_throughput_mb_s`; returns nanoseconds.
fn pipe_transfer() -> Result<u64, String> {
    let (read_end, write_end) = sys("pipe", libsys::pipe())?;
    let pid = match sys("fork", libsys::fork())? {
        0 => {
            libsys::close(read_end).ok();
            let chunk = [0x5a_u8; PIPE_CHUNK];
            let mut sent = 0;
            while sent < PIPE_TOTAL {
                let size = PIPE_CHUNK.min(PIPE_TOTAL - sent);
                match libsys::write(write_end, &chunk[..size]) {
                    Ok(n) if n > 0 => sent += n,
                    _ => libsys::exit(1),
                }
            }
            libsys::exit(0)
        }
        pid => pid,
    };
    let start = now();
    sys("close", libsys::close(write_end))?;
    let mut chunk = [0u8; PIPE_CHUNK];
    let mut received = 0;
    let outcome = loop {
        match libsys::read(read_end, &mut chunk) {
            Ok(0) => break Ok(now() - start),
            Ok(n) => received += n,
            Err(e) => break Err(format!("read: {e}")),
        }
    };
    libsys::close(read_end).ok();
    reap(pid, 0)?;
    let elapsed = outcome?;
    if received != PIPE_TOTAL {
        return Err(format!("received {received} bytes of {PIPE_TOTAL}"));
    }
    Ok(elapsed)
}

/// One byte back and forth between two processes over two pipes: the
/// parent writes to the child and reads its echo. Each round trip is two
/// writes, two reads, and two wakeups with their context switches.
fn pipe_pingpong_us() -> BenchResult {
    if let Some(errno) = pipes_missing() {
        return Ok(Outcome::Skipped(errno));
    }
    let stats = per_op(1000.0, pipe_round_trips)?;
    Ok(Outcome::Measured(stats))
}

/// `n` round trips of `pipe_pingpong_us`, after one untimed; returns
/// nanoseconds.
fn pipe_round_trips(n: u64) -> Result<u64, String> {
    let (to_child, from_parent) = {
        let (r, w) = sys("pipe", libsys::pipe())?;
        (w, r)
    };
    let (to_parent, from_child) = {
        let (r, w) = sys("pipe", libsys::pipe())?;
        (w, r)
    };
    let pid = match sys("fork", libsys::fork())? {
        0 => {
            libsys::close(to_child).ok();
            libsys::close(from_child).ok();
            let mut byte = [0u8];
            // Echo until the parent closes its end (read returns 0).
            while let Ok(1) = libsys::read(from_parent, &mut byte) {
                if libsys::write(to_parent, &byte) != Ok(1) {
                    libsys::exit(1);
                }
            }
            libsys::exit(0)
        }
        pid => pid,
    };
    libsys::close(from_parent).ok();
    libsys::close(to_parent).ok();
    let round_trip = |byte: u8| -> Result<(), String> {
        let mut echo = [0u8];
        sys("write", libsys::write(to_child, &[byte]))?;
        match sys("read", libsys::read(from_child, &mut echo))? {
            1 if echo[0] == byte => Ok(()),
            got => Err(format!("echo: read {got} bytes ({echo:?}), sent {byte}")),
        }
    };
    let mut outcome = round_trip(0).map(|()| 0);
    if outcome.is_ok() {
        let start = now();
        outcome = (0..n)
            .try_for_each(|i| round_trip(i as u8))
            .map(|()| now() - start);
    }
    libsys::close(to_child).ok();
    libsys::close(from_child).ok();
    reap(pid, 0)?;
    outcome
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let wanted: Vec<&str> = args.iter().skip(1).collect();
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !BENCHES.iter().any(|(name, _)| name == *w))
    {
        let known: Vec<&str> = BENCHES.iter().map(|(name, _)| *name).collect();
        eprintln!(
            "bench: no benchmark {unknown}; there are: {}",
            known.join(" ")
        );
        return 2;
    }
    println!("# bench: median of {RUNS} runs, time from time_ns (TSC)");
    let mut failed = false;
    for (name, bench) in BENCHES {
        if !wanted.is_empty() && !wanted.contains(name) {
            continue;
        }
        match bench() {
            Ok(Outcome::Measured(stats)) => {
                println!("bench {name} {:.2}", stats.median);
                println!(
                    "# {name} runs={RUNS} iters={} min={:.2} max={:.2}",
                    stats.iters, stats.min, stats.max
                );
            }
            Ok(Outcome::Skipped(errno)) => println!("bench {name} skipped ({errno:?})"),
            Err(why) => {
                failed = true;
                println!("bench {name} failed ({why})");
            }
        }
    }
    if failed { 1 } else { 0 }
}
