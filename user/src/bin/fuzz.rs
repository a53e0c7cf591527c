//! fuzz: a randomized system-call tester, syzkaller in miniature.
//!
//! `fuzz CALLS FIRST_SEED SEEDS` issues CALLS random system calls for each
//! of SEEDS seeds, starting at FIRST_SEED, with arguments drawn from what
//! breaks kernels: zero, -1, `u64::MAX`, the last page of the address
//! space, kernel and non-canonical addresses, valid buffers that run off
//! the end of mapped memory, huge lengths and counts, values too wide for
//! their type, real paths and descriptors. The same seed always makes the
//! same calls, so a crash it finds can be replayed and turned into a named
//! test (see `usertests/robustness.rs`).
//!
//! The calls run in a *worker* process, which is expected to die: it may
//! exec a program, kill itself, fault (the kernel may write into its own
//! memory through a random pointer — that is allowed), or block forever in
//! a `read`. The parent is its watchdog: the worker reports progress
//! through a pipe every few calls, and a worker silent for a second is
//! killed and replaced by a new one (with the next seed of a sub-sequence).
//! Only the parent's survival, and the kernel's, is the test: it prints
//! `fuzz: done` at the end.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use libsys::abi::{O_CREATE, O_NONBLOCK, O_RDWR, POLLIN, PollFd, SOCK_DGRAM, SOCK_STREAM};
use libsys::syscalls::{NAMES, nr};
use libsys::{Args, Errno, println};

/// The descriptor on which a worker reports progress (high, so random
/// `close`/`dup2` calls on small numbers rarely hit it).
const PROGRESS_FD: usize = 250;
/// Calls between two progress reports.
const REPORT_EVERY: u64 = 32;
/// A worker silent this long is killed.
const WATCHDOG_MS: i64 = 1000;

/// xorshift64*: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Values that have broken kernels before.
const EDGES: &[u64] = &[
    0,
    1,
    u64::MAX,              // -1
    u64::MAX - 1,          // -2
    i64::MAX as u64,       // the largest positive
    i64::MIN as u64,       // the most negative
    i32::MAX as u64,       //
    u32::MAX as u64,       // the largest u32
    1 << 32,               // one past it
    (1 << 32) | 2,         // truncates to 2
    0xffff_ffff_ffff_fff0, // the last page: pointer + length wraps
    0x0000_7fff_ffff_ffff, // the last user byte
    0x0000_8000_0000_0000, // USER_TOP
    0x8000_0000_0000_0000, // non-canonical
    0xffff_8000_0000_0000, // the kernel's direct map
    0xffff_ffff_8000_0000, // the kernel image
    4095,
    4096,
    65536,
    1 << 40,
];

/// Paths worth trying: real files, directories, /tmp, nonsense.
const PATHS: &[&str] = &[
    "/",
    "/bin",
    "/bin/true",
    "/bin/false",
    "/bin/hello",
    "/etc/motd",
    "/tmp",
    "/tmp/fz",
    "/tmp/fz/a",
    "/tmp/fz/a/b",
    "/tmp/fz/f",
    "..",
    ".",
    "",
    "//tmp//fz/../fz",
    "/nonexistent",
    "/tmp/fz/\u{e9}t\u{e9}",
];

/// What a worker has to point its calls at.
struct Pool {
    scratch: Vec<u8>,
    /// The address of the last byte of a mapped page followed by an
    /// unmapped one: a buffer here runs off the end of memory.
    edge: u64,
}

impl Pool {
    fn new(rng: &mut Rng) -> Pool {
        let mut scratch = alloc::vec![0u8; 8192];
        for byte in scratch.iter_mut() {
            *byte = rng.next() as u8;
        }
        let brk = libsys::sbrk(0).unwrap_or(0) as u64;
        Pool {
            scratch,
            edge: brk.saturating_sub(7),
        }
    }

    fn argument(&mut self, rng: &mut Rng) -> u64 {
        match rng.below(100) {
            0..30 => rng.below(20), // descriptors, flags
            30..45 => self.scratch.as_ptr() as u64 + rng.below(8192), // a real buffer
            45..52 => self.edge,    // a buffer running off the end
            52..75 => rng.pick(EDGES),
            75..85 => 1 << rng.below(24), // lengths
            _ => rng.next(),
        }
    }

    fn refill(&mut self, rng: &mut Rng) {
        let at = rng.below(8000) as usize;
        for byte in &mut self.scratch[at..at + 64] {
            *byte = rng.next() as u8;
        }
    }
}

/// One random call. Arguments are random except where a call could stop
/// the worker for good without teaching the kernel anything (long sleeps,
/// killing other processes) or where a well-formed argument reaches deeper
/// (a real path with its length).
fn one_call(rng: &mut Rng, pool: &mut Pool, me: u64) {
    let number = if rng.below(50) == 0 {
        rng.below(128) as usize // numbers no call uses: ENOSYS
    } else {
        rng.pick(NAMES).0
    };
    let mut args = [0u64; 6];
    for arg in args.iter_mut() {
        *arg = pool.argument(rng);
    }
    match number {
        nr::exit => return, // the worker would just end; `kill` covers dying
        nr::sleep => args[0] %= 3,
        nr::poll => args[2] %= 3,
        nr::ping => args[2] %= 5,
        nr::kill => args[0] = rng.pick(&[0, 1, me, 1 << 32 | me, u64::MAX, 99_999]),
        nr::open | nr::chdir | nr::mkdir | nr::unlink | nr::exec if rng.below(2) == 0 => {
            let path = rng.pick(PATHS);
            args[0] = path.as_ptr() as u64;
            args[1] = path.len() as u64;
        }
        _ => {}
    }
    if number == nr::exec && rng.below(4) != 0 {
        return; // exec of a real program ends the worker: keep it rare
    }
    let words: [usize; 6] = args.map(|a| a as usize);
    // SAFETY: none, deliberately. Random pointers may make the kernel write
    // into this worker's own memory; the worker may then crash, which the
    // kernel must survive (it is only ever this worker that suffers).
    let ret = unsafe { libsys::syscall::call(number, &words) };
    if number == nr::fork && ret == 0 {
        libsys::exit(0); // the child of a random fork leaves at once
    }
    if rng.below(16) == 0 {
        pool.refill(rng);
    }
}

/// A worker: sets up descriptors to aim at, then makes `calls` calls,
/// reporting its count every `REPORT_EVERY`.
fn worker(seed: u64, calls: u64) -> ! {
    let mut rng = Rng::new(seed);
    for fd in 0..3 {
        let _ = libsys::close(fd); // no console: a random read must not eat the tester's input
    }
    let _ = libsys::mkdir("/tmp/fz");
    let _ = libsys::open("/tmp/fz/f", O_CREATE | O_RDWR);
    let _ = libsys::pipe();
    let _ = libsys::socket(SOCK_DGRAM, O_NONBLOCK);
    let _ = libsys::socket(SOCK_STREAM, O_NONBLOCK);
    let mut pool = Pool::new(&mut rng);
    let me = libsys::getpid() as u64;
    for done in 1..=calls {
        one_call(&mut rng, &mut pool, me);
        if done % REPORT_EVERY == 0 || done == calls {
            let _ = libsys::write(PROGRESS_FD, &done.to_ne_bytes());
        }
    }
    libsys::exit(0)
}

#[derive(Default)]
struct Totals {
    calls: u64,
    workers: u64,
    watchdog_kills: u64,
    faulted: u64,
}

/// Runs workers for `seed` until `calls` calls have been made.
fn run_seed(seed: u64, calls: u64, totals: &mut Totals) -> Result<(), Errno> {
    let mut done = 0u64;
    let mut restart = 0u64;
    while done < calls {
        let (r, w) = libsys::pipe()?;
        let sub_seed = seed.wrapping_mul(1_000_003).wrapping_add(restart);
        restart += 1;
        totals.workers += 1;
        let pid = libsys::fork()?;
        if pid == 0 {
            let _ = libsys::close(r);
            if libsys::dup2(w, PROGRESS_FD).is_err() {
                libsys::exit(1);
            }
            let _ = libsys::close(w);
            worker(sub_seed, calls - done);
        }
        libsys::close(w)?;
        let mut last = 0u64;
        loop {
            let mut fds = [PollFd {
                fd: r as i32,
                events: POLLIN,
                revents: 0,
            }];
            if libsys::poll(&mut fds, WATCHDOG_MS)? == 0 {
                let _ = libsys::kill(pid); // silent for a second: stuck
                totals.watchdog_kills += 1;
                break;
            }
            let mut word = [0u8; 8];
            match libsys::read(r, &mut word)? {
                8 => last = u64::from_ne_bytes(word),
                _ => break, // end of file: the worker is gone
            }
        }
        libsys::close(r)?;
        let (_, status) = libsys::wait()?;
        if status == libsys::abi::STATUS_FAULTED {
            totals.faulted += 1;
        }
        // A worker that died counts the calls it reported, and at least
        // one (the call that ended it), so the loop always advances.
        done += last.max(1);
    }
    totals.calls += done;
    Ok(())
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let number =
        |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (calls, first_seed, seeds) = (number(1, 10_000), number(2, 1), number(3, 1));
    let start = libsys::time_ns();
    let mut totals = Totals::default();
    for seed in first_seed..first_seed + seeds {
        let before = totals.calls;
        if let Err(e) = run_seed(seed, calls, &mut totals) {
            println!("fuzz: seed {seed}: the tester itself failed: {e}");
            return 1;
        }
        println!("fuzz: seed {seed}: {} calls", totals.calls - before);
    }
    let seconds = (libsys::time_ns() - start) as f64 / 1e9;
    println!(
        "fuzz: {} calls in {:.1} s ({} workers, {} stopped by the watchdog, {} faulted)",
        totals.calls, seconds, totals.workers, totals.watchdog_kills, totals.faulted
    );
    println!("fuzz: done");
    0
}
