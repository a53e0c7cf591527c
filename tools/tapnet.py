#!/usr/bin/env python3
"""A private network between the guest and the host's own TCP/IP stack:
a tap device in a network namespace, and a frame relay with loss and delay.

Why: QEMU's user network (slirp, tools/sock_test.py) runs a BSD-derived TCP
inside QEMU itself. To test our stack against the host's real Linux TCP/IP,
with losses and delays as `tc netem` would add them, the guest's e1000 must
be wired to a Linux network interface. This kernel has tap devices but no
netem qdisc (`tc qdisc add ... netem` says "Specified qdisc kind is
unknown"), so the impairment is done here, in a relay of our own:

    guest e1000 ── QEMU -netdev socket,udp= ──► UDP 127.0.0.1:R ┐
                                                                 relay ◄─► tap0 (10.0.3.1/24) ◄─► Linux
    guest e1000 ◄── QEMU localaddr 127.0.0.1:Q ◄── UDP ──────────┘

QEMU's socket netdev sends each Ethernet frame as one UDP datagram to the
relay's port R and receives frames on its own port Q. The relay copies
frames between that socket and tap0 (/dev/net/tun, IFF_TAP | IFF_NO_PI:
one whole Ethernet frame per read or write), dropping each with a seeded
random probability and holding it for a delay (plus optional uniform
jitter, which may reorder frames, as netem's does) in each direction, and
counts what it relayed and dropped. The peer the guest talks to is
Linux's own stack on tap0: only the wire between them is ours.

Everything lives in a network namespace made for the run (`oxv6-tap-PID-N`):
tap0, the relay's and QEMU's UDP sockets (on the namespace's own loopback),
and the host-side clients. Python 3.11 has no os.setns, so the test script
re-executes itself inside it (`ip netns exec NS python3 SCRIPT --inside`,
see `run_inside`); the namespace, and every process in it, is removed when
that run ends, however it ends. Traffic therefore never leaves the
namespace: 10.0.3.0/24 exists only there.

Pieces:
- `Namespace`: creates the namespace with `lo` up and tap0 at 10.0.3.1/24
  (IPv6 off, so the guest sees no router solicitations); deletes it, and
  kills what still runs in it, on exit. `cleanup_stale()` removes the
  namespaces of earlier runs whose creator is gone.
- `run_inside(script, args, ...)`: runs `script --inside NS args` in a new
  namespace, streaming its output lines, with a deadline; kills its whole
  process group (QEMU and relay included) and deletes the namespace after.
- `TapNet` (used inside the namespace): the relay, in a child process;
  `set_conditions(loss, delay_ms, jitter_ms, seed)` at any time;
  `stats()`; `inject(frames)` writes raw frames to QEMU's port as if they
  came from tap0; `qemu_args()`; `boot(...)` starts QEMU on it; on exit
  QEMU and the relay are killed. `TapNet(trace="x.pcapng")` records every
  frame the relay sees, with its direction, the lost ones marked "lost by
  the relay" (a frame comment in Wireshark).

Used by tools/tap_test.py (make test) and tools/net_bench.py (make bench).
"""

import fcntl
import heapq
import multiprocessing
import os
import random
import re
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)

HOST_IP = "10.0.3.1"
GUEST_IP = "10.0.3.15"
PREFIX = 24
GUEST_MAC = "52:54:00:12:34:56"
TAP = "tap0"
NS_PREFIX = "oxv6-tap-"
# The kernel command line that puts the guest on the tap network.
GUEST_CMDLINE = f"ip={GUEST_IP}/{PREFIX} gw={HOST_IP}"

# linux/if_tun.h
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

# Frames waiting in one direction's delay line at most; beyond, they are
# dropped and counted (as a router's queue would).
MAX_QUEUED = 20000

# Index of each counter in the relay's shared array.
COUNTERS = ["to_guest", "to_guest_dropped", "to_guest_bytes",
            "to_host", "to_host_dropped", "to_host_bytes",
            "queue_overflow", "send_errors", "injected"]


def available():
    """None if tap networking can work here, or why not: only root can make
    namespaces and tap devices, and only with /dev/net/tun. (A missing `ip`
    command is no reason: setting up then fails, loudly.)"""
    if os.geteuid() != 0:
        return "not root (network namespaces and tap devices need CAP_NET_ADMIN)"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing"
    return None


def _run(*args, check=True):
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {proc.stdout.strip()}")
    return proc


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _kill_namespace_processes(name):
    """Kills, by pid, the processes still inside namespace `name` (which we
    created: QEMU or a relay left behind)."""
    proc = _run("ip", "netns", "pids", name, check=False)
    for word in proc.stdout.split():
        if word.isdigit() and int(word) != os.getpid():
            try:
                os.kill(int(word), signal.SIGKILL)
            except ProcessLookupError:
                pass


def cleanup_stale():
    """Deletes `oxv6-tap-PID-N` namespaces whose creating process is gone
    (a run killed before its own cleanup). Returns their names."""
    removed = []
    for line in _run("ip", "netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.fullmatch(re.escape(NS_PREFIX) + r"(\d+)-(\d+)", name)
        if m and not _pid_alive(int(m.group(1))):
            _kill_namespace_processes(name)
            _run("ip", "netns", "delete", name, check=False)
            removed.append(name)
    return removed


class Namespace:
    """A network namespace with `lo` up and tap0 at 10.0.3.1/24, deleted
    (with whatever still runs inside) on exit."""

    _count = 0

    def __init__(self):
        Namespace._count += 1
        self.name = f"{NS_PREFIX}{os.getpid()}-{Namespace._count}"

    def __enter__(self):
        cleanup_stale()
        _run("ip", "netns", "add", self.name)
        try:
            ns = ["ip", "-n", self.name]
            _run(*ns, "link", "set", "lo", "up")
            # A persistent tap: the relay attaches to it by name later.
            _run(*ns, "tuntap", "add", "dev", TAP, "mode", "tap")
            # No IPv6 on tap0: no router solicitations or MLD reports
            # reach the guest, whose counters the tests read.
            _run("ip", "netns", "exec", self.name, "sysctl", "-q", "-w",
                 f"net.ipv6.conf.{TAP}.disable_ipv6=1", check=False)
            _run(*ns, "addr", "add", f"{HOST_IP}/{PREFIX}", "dev", TAP)
            _run(*ns, "link", "set", TAP, "up")
        except BaseException:
            self.delete()
            raise
        return self

    def exec_args(self, argv):
        return ["ip", "netns", "exec", self.name, *argv]

    def delete(self):
        _kill_namespace_processes(self.name)
        _run("ip", "netns", "delete", self.name, check=False)

    def __exit__(self, *exc):
        self.delete()
        return False


def run_inside(script, args, on_line, timeout):
    """Runs `python3 script --inside NS args...` in a fresh namespace; calls
    `on_line(line)` for each line it prints. Returns (exit status or None on
    timeout, last output). The child's process group is killed and the
    namespace deleted afterwards, on every path."""
    tail = []
    with Namespace() as ns:
        argv = ns.exec_args([sys.executable, "-u", script, "--inside", ns.name, *args])
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        status = None
        try:
            fd = proc.stdout.fileno()
            buffer = b""
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 1)
                if not ready:
                    if proc.poll() is not None:
                        break  # exited, with a leftover child holding the pipe
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    break  # end of output: the child is done
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    text = line.decode("utf-8", "replace")
                    tail = (tail + [text])[-60:]
                    on_line(text)
            if buffer:
                text = buffer.decode("utf-8", "replace")
                tail.append(text)
                on_line(text)
            try:
                status = proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                status = None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
            proc.stdout.close()
    return status, "\n".join(tail)


# --- the relay ---------------------------------------------------------------

def open_tap(name):
    """Attaches to tap device `name` (created in this namespace); returns a
    non-blocking fd that reads and writes whole Ethernet frames."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    except OSError:
        os.close(fd)
        raise
    return fd


class PcapngWriter:
    """Every frame the relay sees, in pcapng (Wireshark opens it): each
    with its direction (inbound: towards the guest; outbound: from it) and,
    for the frames the loss dropped, the comment "lost by the relay"."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.file.write(self._block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        # One interface: Ethernet (linktype 1), microsecond timestamps.
        self.file.write(self._block(1, struct.pack("<HHI", 1, 0, 65535)))

    @staticmethod
    def _block(kind, body):
        body += b"\0" * (-len(body) % 4)
        length = len(body) + 12
        return struct.pack("<II", kind, length) + body + struct.pack("<I", length)

    @staticmethod
    def _option(code, value):
        return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)

    def write(self, frame, to_guest, lost):
        micros = int(time.time() * 1e6)
        body = struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(frame), len(frame))
        body += frame + b"\0" * (-len(frame) % 4)
        body += self._option(2, struct.pack("<I", 1 if to_guest else 2))  # epb_flags: direction
        if lost:
            body += self._option(1, b"lost by the relay")
        body += struct.pack("<HH", 0, 0)
        self.file.write(self._block(6, body))

    def close(self):
        self.file.close()


class _Direction:
    """One direction of the relay: its random source, delay line and counters."""

    def __init__(self, counters, index, trace=None, to_guest=False):
        self.counters = counters
        self.frames, self.dropped, self.bytes = index, index + 1, index + 2
        self.rng = random.Random()
        self.queue = []  # heap of (due, sequence, frame)
        self.sequence = 0
        self.trace, self.to_guest = trace, to_guest

    def offer(self, frame, now, loss, delay, jitter):
        """A frame came in: lose it, or queue it for `now + delay (+ jitter)`."""
        lost = loss > 0 and self.rng.random() < loss
        if self.trace:
            self.trace.write(frame, self.to_guest, lost)
        if lost:
            self.counters[self.dropped] += 1
            return
        if len(self.queue) >= MAX_QUEUED:
            self.counters[COUNTERS.index("queue_overflow")] += 1
            return
        due = now + delay
        if jitter > 0:
            due += self.rng.uniform(-jitter, jitter)
        self.sequence += 1
        heapq.heappush(self.queue, (due, self.sequence, frame))

    def deliver(self, now, send):
        while self.queue and self.queue[0][0] <= now:
            _, _, frame = heapq.heappop(self.queue)
            try:
                send(frame)
            except OSError:
                self.counters[COUNTERS.index("send_errors")] += 1
                continue
            self.counters[self.frames] += 1
            self.counters[self.bytes] += len(frame)

    def next_due(self):
        return self.queue[0][0] if self.queue else None


def _relay_main(tap_fd, sock, qemu_addr, settings, counters, stop, trace_path=None):
    """The relay loop (in its own process). `settings` is a shared array:
    [generation, loss to guest, loss to host, delay s, jitter s, seed];
    a new generation re-seeds both directions, so a phase of a test sees
    the same losses every run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    trace = PcapngWriter(trace_path) if trace_path else None
    try:
        _relay_loop(tap_fd, sock, qemu_addr, settings, counters, stop, trace)
    finally:
        if trace:
            trace.close()


def _relay_loop(tap_fd, sock, qemu_addr, settings, counters, stop, trace):
    to_guest = _Direction(counters, COUNTERS.index("to_guest"), trace, to_guest=True)
    to_host = _Direction(counters, COUNTERS.index("to_host"), trace)
    generation = None
    sel = selectors.DefaultSelector()
    sel.register(tap_fd, selectors.EVENT_READ, "tap")
    sel.register(sock, selectors.EVENT_READ, "udp")

    def send_guest(frame):
        sock.sendto(frame, qemu_addr)

    def send_host(frame):
        os.write(tap_fd, frame)

    while not stop.is_set():
        if settings[0] != generation:
            generation = settings[0]
            seed = int(settings[5])
            to_guest.rng.seed(seed * 2 + 1)
            to_host.rng.seed(seed * 2 + 2)
        loss_guest, loss_host, delay, jitter = settings[1], settings[2], settings[3], settings[4]
        now = time.monotonic()
        dues = [d for d in (to_guest.next_due(), to_host.next_due()) if d is not None]
        wait = 0.05 if not dues else max(0.0, min(min(dues) - now, 0.05))
        for key, _ in sel.select(timeout=wait):
            now = time.monotonic()
            for _ in range(64):  # bounded: the other side gets its turn
                try:
                    if key.data == "tap":
                        frame = os.read(tap_fd, 65536)
                        to_guest.offer(frame, now, loss_guest, delay, jitter)
                    else:
                        frame = sock.recv(65536)
                        to_host.offer(frame, now, loss_host, delay, jitter)
                except BlockingIOError:
                    break
                except OSError:
                    counters[COUNTERS.index("send_errors")] += 1
                    break
        now = time.monotonic()
        to_guest.deliver(now, send_guest)
        to_host.deliver(now, send_host)


class TapNet:
    """The relay between QEMU and tap0, run inside the namespace (see the
    module docs). A context manager: on exit, the QEMUs started by `boot`
    and the relay process are killed."""

    def __init__(self, loss=0.0, delay_ms=0.0, jitter_ms=0.0, seed=1, tap=TAP, trace=None):
        self.tap = tap
        self.trace = trace  # a pcapng file of every frame, if a path
        self.initial = (loss, delay_ms, jitter_ms, seed)
        self.qemus = []
        self.process = None

    def __enter__(self):
        ctx = multiprocessing.get_context("fork")
        self.settings = ctx.Array("d", 6, lock=False)
        self.counters = ctx.Array("Q", len(COUNTERS), lock=False)
        self.stop = ctx.Event()
        self.tap_fd = open_tap(self.tap)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.relay_port = self.sock.getsockname()[1]
        self.qemu_port = _free_udp_port()
        self.qemu_addr = ("127.0.0.1", self.qemu_port)
        self.injector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.set_conditions(*self.initial)
        self.process = ctx.Process(
            target=_relay_main, name="tap-relay", daemon=True,
            args=(self.tap_fd, self.sock, self.qemu_addr, self.settings, self.counters, self.stop, self.trace))
        try:
            self.process.start()
        except BaseException:
            self.close()
            raise
        return self

    def set_conditions(self, loss=0.0, delay_ms=0.0, jitter_ms=0.0, seed=1, loss_to_host=None):
        """Loss rate (0..1), delay and jitter (ms) in both directions from
        now on (`loss_to_host` apart, if given); `seed` makes the losses
        reproducible."""
        s = self.settings
        s[1], s[2] = loss, loss if loss_to_host is None else loss_to_host
        s[3], s[4], s[5] = delay_ms / 1000, jitter_ms / 1000, seed
        s[0] += 1

    def stats(self):
        """Counters since the start: frames and bytes relayed each way,
        frames dropped by the loss, queue overflows, send errors."""
        return {name: self.counters[i] for i, name in enumerate(COUNTERS)}

    def qemu_args(self, mac=GUEST_MAC):
        """QEMU arguments for one e1000 on this relay."""
        return ["-netdev", f"socket,id=n0,udp=127.0.0.1:{self.relay_port},localaddr=127.0.0.1:{self.qemu_port}",
                "-device", f"e1000,netdev=n0,mac={mac}"]

    def boot(self, kernel, accel, cmdline, initrd=None, memory="128M", extra=()):
        """Starts QEMU (tools/harness.py's Qemu) on this network; killed on exit."""
        from harness import Qemu
        qemu = Qemu(kernel, accel, cmdline, initrd=initrd, memory=memory, extra=[*self.qemu_args(), *extra])
        self.qemus.append(qemu)
        return qemu

    def inject(self, frames, batch=16, pause=0.004):
        """Sends raw Ethernet frames to QEMU as if they came from tap0,
        `batch` at a time with a pause between, so that QEMU's socket buffer
        (which fills while the guest's receive ring is full) does not
        overflow. Returns how many were sent."""
        sent = 0
        for i, frame in enumerate(frames):
            self.injector.sendto(frame, self.qemu_addr)
            sent += 1
            if (i + 1) % batch == 0:
                time.sleep(pause)
        self.counters[COUNTERS.index("injected")] += sent
        return sent

    def close(self):
        for qemu in self.qemus:
            try:
                qemu.kill()
            except Exception:  # noqa: BLE001 - cleanup goes on regardless
                pass
        if self.process is not None:
            self.stop.set()
            self.process.join(timeout=2)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=2)
        for closer in (lambda: os.close(self.tap_fd), self.sock.close, self.injector.close):
            try:
                closer()
            except (OSError, AttributeError):
                pass

    def __exit__(self, *exc):
        self.close()
        return False


def _free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_receive_errors():
    """This namespace's UDP receive-buffer drops (/proc/net/snmp
    RcvbufErrors): datagrams lost because a socket's queue was full, QEMU's
    included (it stops reading while the guest's receive ring is full)."""
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    header, values = lines[0], lines[1]
    return int(values[header.index("RcvbufErrors")])


# --- frames ------------------------------------------------------------------

def mac_bytes(text):
    return bytes(int(b, 16) for b in text.split(":"))


def ip_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, protocol, payload, ttl=64, ident=0, flags_frag=0x4000, ihl=5,
         total_length=None, checksum=None, version=4, options=b""):
    """An IPv4 packet; every field can be set to a lie."""
    length = 20 + len(options) + len(payload) if total_length is None else total_length
    header = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, length, ident, flags_frag,
                         ttl, protocol, 0, socket.inet_aton(src), socket.inet_aton(dst)) + options
    if checksum is None:
        checksum = ip_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:] + payload


def udp(src, dst, sport, dport, payload):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    checksum = ip_checksum(pseudo + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", checksum) + payload


if __name__ == "__main__":
    # A manual check: a namespace, a relay and a guest; ping it from the host.
    print(available() or "tap networking is available")
