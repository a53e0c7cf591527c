//! The network, kernel side: the interface, the thread that drives it, and
//! the calls the rest of the kernel makes on it.
//!
//! Names first: `net` is the crate, the TCP/IP stack that knows nothing of
//! the kernel (and is tested on the host); `netstack` is this module, which
//! gives that stack a card, a clock and a thread, and the kernel a way in.
//!
//! What lives here:
//! - [`NetStack`]: the one interface (a `::net::Interface` with a TCP
//!   table attached) and the e1000 under it, behind the `NET` lock;
//! - the network thread (`thread.rs`), the only code that polls the card;
//! - the calls other kernel code makes: `ping` and `info` (for the system
//!   calls of the same names), and what sockets are built on:
//!   [`with_interface`] (the interface and the time, under the lock),
//!   [`wait_until`] (retry until it works, sleeping in between), [`kick`].
//!
//! Who does what:
//! - the card's interrupt handler only acknowledges the card and kicks the
//!   thread ([`on_interrupt`]): it takes no lock but `procs`;
//! - the timer tick kicks the thread when the stack's next timer is due, and
//!   wakes callers of [`wait_for`] so they can notice a timeout ([`on_tick`]);
//! - the thread services the card and calls `Interface::poll`, then wakes
//!   every caller of [`wait_for`] if anything happened;
//! - a system call takes the lock, queues work or collects a result, kicks
//!   the thread if it queued something, and sleeps in [`wait_for`].
//!
//! Lock order: `net` → `procs` (to wake or sleep), `net` → `heap`,
//! `console`. `NET` is never taken while `procs` is held, and never held
//! across a sleep: `wait_for` gives it up while it sleeps, and the thread
//! lets go of it before it sleeps. Nor is it held across `copy_in` or
//! `copy_out`: system calls copy results out after releasing it.

pub mod config;
pub mod info;
pub mod ping;
mod thread;

use crate::dev::e1000::{self, E1000, ProbeError};
use crate::proc::Channel;
use crate::proc::scheduler::{sleep, wakeup};
use crate::sync::SpinLock;
use ::net::tcp::{TcpConfig, TcpTable};
use ::net::time::Instant;
use ::net::{Config, Device, Interface};
use core::net::Ipv4Addr;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use libsys::Errno;

// ANCHOR: net_stack
/// Everything the network thread drives.
pub struct NetStack {
    pub iface: Interface,
    pub card: E1000,
    /// Times the thread has polled, for `ifconfig`.
    pub polls: u64,
}

/// The network, or `None` if the machine has no usable card.
static NET: SpinLock<Option<NetStack>> = SpinLock::new("net", None);
// ANCHOR_END: net_stack

/// Set by [`kick`]; the thread clears it before each poll and does not
/// sleep while it is set, so a kick is never lost.
static KICKED: AtomicBool = AtomicBool::new(false);
/// When the stack next has work without new input (milliseconds, the
/// clock of [`now`]); `u64::MAX` for never, 0 to poll every tick.
static DEADLINE_MS: AtomicU64 = AtomicU64::new(u64::MAX);
/// Processes sleeping in [`wait_for`]: the tick wakes them while any are.
static WAITERS: AtomicUsize = AtomicUsize::new(0);
/// No interrupt line: the thread polls on every tick instead.
static POLLED: AtomicBool = AtomicBool::new(false);

/// The clock of the network stack: milliseconds since boot, from the TSC.
pub fn now() -> Instant {
    Instant::from_millis(crate::time::nanoseconds() / 1_000_000)
}

/// What the network thread sleeps on.
fn thread_channel() -> Channel {
    Channel::of(&KICKED)
}

/// What [`wait_for`] sleeps on: "the network did something".
fn activity_channel() -> Channel {
    Channel::of(&NET)
}

/// Finds the card, configures the interface from the command line
/// (`ip=`, `gw=`) and routes the card's interrupt to `apic_id`; `start`
/// starts the thread later. Without a card (`probe` found none), the
/// kernel runs without a network, and the network calls fail with
/// `ENETDOWN`.
pub fn init(card: Option<E1000>, ip: Option<&str>, gateway: Option<&str>, apic_id: u32) {
    let Some(mut card) = card else {
        return;
    };
    let addresses = config::parse(ip, gateway);
    let mut iface = Interface::new(Config {
        mac: card.mac(),
        addr: addresses.addr,
        prefix_len: addresses.prefix_len,
        gateway: addresses.gateway,
    });
    // Half-open connections per listener: beyond the bound, SYNs are
    // answered with SYN cookies (the crate's SYN-flood defence), which
    // cost a client its window scaling. Under TCG a legitimate burst (200
    // clients connecting at once) outruns the handshakes, so the kernel
    // keeps 256 half-open (the crate's default is 64): still a bound, and
    // cheap, since buffers grow only with data.
    //
    // ANCHOR: buffers
    // Socket buffers bigger than the crate's default of 64 KiB: one stream
    // can keep its whole send buffer in flight, which a fast peer needs
    // when every ACK takes a trip through QEMU (throughput is at most the
    // window per round trip). Sending, 1 MiB: with TSO the card empties
    // 256 KiB faster than the ACKs come back (the 1 MiB download went
    // from 141 to 183 MiB/s). Receiving, 256 KiB: the window offered to a
    // sender (with window scaling). Buffers grow only with data, and the
    // heap reserve still bounds them.
    let tcp_config = TcpConfig {
        max_half_open: 256,
        send_buffer: 1024 * 1024,
        recv_buffer: 256 * 1024,
        ..TcpConfig::default()
    };
    // ANCHOR_END: buffers
    iface.attach_tcp(TcpTable::new(tcp_config, isn_secret(card.mac().0)));
    let interrupts = card.enable_interrupts(apic_id);
    POLLED.store(!interrupts, Ordering::Relaxed);
    let irq = card.irq();
    *NET.lock() = Some(NetStack {
        iface,
        card,
        polls: 0,
    });
    let gateway = addresses.gateway.unwrap_or(Ipv4Addr::UNSPECIFIED);
    let (addr, prefix_len) = (addresses.addr, addresses.prefix_len);
    match irq {
        Some(irq) => crate::info!("net: {addr}/{prefix_len} gateway {gateway}, IRQ {irq}"),
        None => crate::warn!(
            "net: {addr}/{prefix_len} gateway {gateway}; the e1000 has no usable \
             interrupt line: polling it every tick"
        ),
    }
}

// ANCHOR: probe_early
/// Brings the card up, as early in the boot as memory allows (`kmain`
/// calls this right after `mem::init`, `init` comes later). The reason is
/// QEMU's e1000: after the driver turns its receiver on (the write of
/// RCTL), the model refuses frames for one second, so the first packet
/// can come in no sooner than a second after that write, however fast
/// the rest of the boot is. Everything else runs during that second.
pub fn probe() -> Option<E1000> {
    match e1000::probe() {
        Ok(card) => Some(card),
        Err(ProbeError::NotFound) => {
            crate::info!("net: no e1000 found: running without a network");
            None
        }
        Err(e) => {
            crate::warn!("net: e1000 unusable ({:?}): running without a network", e);
            None
        }
    }
}
// ANCHOR_END: probe_early

/// Starts the network thread, if there is a network. Called after init
/// exists, so that init is pid 1 as on every Unix.
pub fn start() {
    if !present() {
        return;
    }
    match crate::proc::fork::spawn_kernel_thread("net", thread::run) {
        Ok(pid) => crate::debug!("net: thread started, pid {}", pid),
        Err(e) => crate::error!("net: cannot start the network thread: {}", e),
    }
}

/// The key of TCP's initial sequence numbers and ephemeral ports: random if
/// the CPU has RDRAND, and in any case mixed with the boot time and the
/// MAC, so two machines, or two boots, do not share it.
fn isn_secret(mac: [u8; 6]) -> [u8; 16] {
    let mut secret = [0u8; 16];
    if let Some(rng) = x86_64::instructions::random::RdRand::new() {
        for chunk in secret.chunks_mut(8) {
            chunk.copy_from_slice(&rng.get_u64().unwrap_or(0).to_le_bytes());
        }
    }
    // SAFETY: rdtsc only reads the time-stamp counter.
    let tsc = unsafe { core::arch::x86_64::_rdtsc() };
    for (s, t) in secret.iter_mut().zip(tsc.to_le_bytes().iter().chain(&mac)) {
        *s ^= t;
    }
    secret
}

/// Is there a network?
pub fn present() -> bool {
    NET.lock().is_some()
}

/// Runs `f` on the network stack under the `NET` lock; `ENETDOWN` if the
/// machine has no network. `f` must not sleep.
pub fn with_stack<R>(f: impl FnOnce(&mut NetStack) -> R) -> Result<R, Errno> {
    NET.lock().as_mut().map(f).ok_or(Errno::ENETDOWN)
}

/// Runs `f` on the interface (with its TCP table) and the current time,
/// under the `NET` lock: what a socket call needs. `f` must not sleep.
pub fn with_interface<R>(f: impl FnOnce(&mut net::Interface, Instant) -> R) -> Result<R, Errno> {
    with_stack(|stack| f(&mut stack.iface, now()))
}

// ANCHOR: wait_until
/// Calls `attempt` until it returns `Some`, sleeping between tries until
/// the network has done something; `EAGAIN` at once when `nonblocking` (a
/// non-blocking socket makes one attempt).
pub fn wait_until<R>(
    nonblocking: bool,
    mut attempt: impl FnMut(&mut net::Interface, Instant) -> Option<R>,
) -> Result<R, Errno> {
    if nonblocking {
        return with_interface(attempt)?.ok_or(Errno::EAGAIN);
    }
    wait_for(u64::MAX, |stack| attempt(&mut stack.iface, now()))
}
// ANCHOR_END: wait_until

// ANCHOR: wait_for
/// Sleeps until `check` returns `Some` (checked under the `NET` lock, at
/// once and whenever the network did something), or the TSC clock passes
/// `deadline_ns` (`ETIMEDOUT`), or the caller is killed (`EINTR`).
pub fn wait_for<R>(
    deadline_ns: u64,
    mut check: impl FnMut(&mut NetStack) -> Option<R>,
) -> Result<R, Errno> {
    let mut guard = NET.lock();
    WAITERS.fetch_add(1, Ordering::SeqCst);
    let result = loop {
        let Some(stack) = guard.as_mut() else {
            break Err(Errno::ENETDOWN);
        };
        if let Some(result) = check(stack) {
            break Ok(result);
        }
        if crate::time::nanoseconds() >= deadline_ns {
            break Err(Errno::ETIMEDOUT);
        }
        if crate::proc::lifecycle::killed() {
            break Err(Errno::EINTR);
        }
        // Gives up NET while asleep; the thread's wakeup, or the timer at
        // our deadline, brings us back to check again.
        if deadline_ns != u64::MAX {
            crate::timer::wake_at(deadline_ns);
        }
        guard = sleep(activity_channel(), guard);
    };
    WAITERS.fetch_sub(1, Ordering::SeqCst);
    result
}
// ANCHOR_END: wait_for

// ANCHOR: kick
/// Asks the network thread to poll now: a frame came in, or a caller
/// queued something to send.
pub fn kick() {
    KICKED.store(true, Ordering::SeqCst);
    wakeup(thread_channel());
}

/// From `trap`, on the card's vector, with interrupts off. Everything else
/// happens in the thread, where it may take the `NET` lock and take its
/// time: an interrupt handler that polled the stack would run with
/// interrupts off for as long as a poll takes, and would have to take a
/// lock that a system call may hold on another CPU.
pub fn on_interrupt() {
    if e1000::acknowledge_interrupt() {
        kick();
    }
}

/// From the timer interrupt, on any CPU (see `crate::timer`).
pub fn on_tick() {
    if now().millis() >= DEADLINE_MS.load(Ordering::Relaxed) {
        kick();
    }
    if WAITERS.load(Ordering::SeqCst) > 0 {
        wakeup(activity_channel());
    }
}
// ANCHOR_END: kick
