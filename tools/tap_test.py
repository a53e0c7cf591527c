#!/usr/bin/env python3
"""Tap tests: the guest against the host's real Linux TCP/IP stack.

The guest's e1000 is wired, through QEMU's UDP socket netdev and a relay
of ours, to a tap device in a network namespace made for the run
(tools/tapnet.py explains why a relay: this kernel has no netem). The
host is 10.0.3.1 on tap0, the guest 10.0.3.15 (`ip=10.0.3.15/24
gw=10.0.3.1`). One boot, with the shell on the serial line; the guest runs
`udpecho 7` and `tcpecho 7` in the background and answers `ifconfig -a`
and `netstat` when asked.

- tap/ping: the host pings the guest (raw ICMP socket): 3 echo replies.
- tap/ping-3000: the same with 3000 data bytes (`ping -s 3000`): Linux
  sends each request in 3 fragments, the guest reassembles it and sends
  its 3028-byte reply in fragments too.
- tap/udp-echo: datagrams of 1 to 1472 bytes through Linux's UDP to
  `udpecho` and back, byte for byte.
- tap/malformed/*: thousands of broken frames injected from the host side
  (runts, truncated ARP/IPv4/UDP/TCP, bad checksums, length lies, IHL < 5,
  fragments, bad sources, oversized frames, random garbage), one kind at a
  time; each kind must show up in the guest's counters (`ifconfig -a`)
  under its drop reason, and every frame that reached the stack must be
  counted as dropped. Then tap/after-malformed-ping and -udp: the guest
  still answers.
- tap/tcp-loss-4mib: 5% loss and 2 ms delay each way (seeded); the host
  sends 4 MiB to `tcpecho` while reading the 4 MiB echo, compared by
  SHA-256.
- tap/connections-200: 200 connections open at the same time, each echoing some
  bytes and closing; then tap/no-leaked-sockets: after TIME-WAIT (2 s here)
  the guest's `netstat` lists only listeners.
- tap/sws-window-20: a scripted peer (frames injected, answers read on
  tap0) has `tcpecho` echo 6000 bytes into a window that opens 20 bytes
  every 20 ms: no run of tiny segments (RFC 9293 §3.8.6.2.1).
- tap/syn-flood: 4000 SYNs from forged addresses while a real client
  opens connections to `tcpecho` one after another: all are served, and the guest's
  SYN+ACKs seen on tap0 show SYN cookies once its half-open queue is full.
- tap/no-crash: no kernel panic or trap on the console.

Needs root and /dev/net/tun; without them it prints why and reports
nothing. Run by tools/test.py; on its own:

    tools/tap_test.py [--kernel build/kernel.elf] [--initrd build/initrd.tar]
                      [--only tap/NAME] [--seed N]
"""

import argparse
import hashlib
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

import harness  # noqa: E402
import tapnet  # noqa: E402
from tapnet import GUEST_IP, HOST_IP  # noqa: E402

RESULT = "TAPRESULT "  # how the run inside the namespace hands results out
ECHO_PORT = 7

# Counters (ifconfig -a) that count a received frame the stack dropped.
IFACE_DROPS = ["rx_oversized", "rx_truncated", "rx_bad_checksum", "rx_malformed", "rx_unsupported",
               "rx_bad_source", "rx_not_for_us", "rx_unknown_ethertype", "frag_tiny", "frag_malformed",
               "frag_overlaps", "frag_too_many", "frag_late",
               "ipv4_unknown_protocol", "tcp_unhandled", "udp_no_socket", "icmp_unsupported",
               "icmp_broadcast_ignored"]
DRIVER_DROPS = ["rx_errors", "rx_length_errors"]


# --- the guest, through its shell ------------------------------------------

def parse_ifconfig(text):
    """`ifconfig -a` output into {"iface": {...}, "driver": {...}}."""
    counters = {"iface": {}, "driver": {}}
    section = None
    for line in text.splitlines():
        if line.strip() == "interface counters:":
            section = "iface"
        elif line.strip() == "driver counters:":
            section = "driver"
        elif section and (m := re.fullmatch(r"\s{8}(\w+)\s+(\d+)", line)):
            counters[section][m.group(1)] = int(m.group(2))
        elif not line.startswith("        "):
            section = None
    return counters


def parse_netstat(text):
    """`netstat` output into [(local, remote, state)], or None if its last
    line (`N TCP sockets`) is missing or disagrees."""
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] != "local":
            rows.append((parts[0], parts[1], parts[2]))
    total = re.search(r"^(\d+) TCP sockets$", text, re.M)
    return rows if total and int(total.group(1)) == len(rows) else None


class Guest:
    """The guest's shell (tools/shell_test.py's Shell) and what we ask it."""

    def __init__(self, qemu):
        from shell_test import Shell
        self.qemu = qemu
        self.shell = Shell(qemu)

    def run(self, line, timeout=30):
        return self.shell.run(line, timeout)

    def counters(self):
        out = self.run("ifconfig -a")
        if out is None:
            return None
        counters = parse_ifconfig(out)
        return counters if counters["iface"] and counters["driver"] else None

    def netstat(self):
        out = self.run("netstat")
        return (None, out) if out is None else (parse_netstat(out), out)


def delta(before, after):
    return {kind: {k: v - before[kind].get(k, 0) for k, v in after[kind].items() if v != before[kind].get(k, 0)}
            for kind in after}


# --- host-side clients -------------------------------------------------------

def ping(dst, count=3, timeout=5.0, size=56):
    """Echo requests of `size` data bytes (as `ping -s`) from a raw ICMP
    socket (Linux's own IP layer, which fragments what does not fit in
    the MTU and reassembles the reply); returns the round-trip times in
    ms, None for each request left unanswered."""
    ident = os.getpid() & 0xFFFF
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        for seq in range(1, count + 1):
            payload = struct.pack("!d", time.monotonic()) + bytes(i % 256 for i in range(size - 8))
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            checksum = tapnet.ip_checksum(header + payload)
            sock.sendto(header[:2] + struct.pack("!H", checksum) + header[4:] + payload, (dst, 0))
            sent, rtt = time.monotonic(), None
            deadline = sent + timeout
            while rtt is None and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    packet, (src, _) = sock.recvfrom(65536)
                except socket.timeout:
                    break
                ihl = (packet[0] & 0x0F) * 4
                icmp = packet[ihl:]
                kind, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
                if src == dst and kind == 0 and rid == ident and rseq == seq and icmp[8:] == payload:
                    rtt = (time.monotonic() - sent) * 1000
            rtts.append(rtt)
            time.sleep(0.2)
    return rtts


def udp_echo(sizes, seed, tries=5, timeout=2.0):
    """Sends one datagram of each size to udpecho; returns (intact, resent)."""
    rng = random.Random(seed)
    intact = resent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        for size in sizes:
            payload = rng.randbytes(size)
            for _ in range(tries):  # the first may wait for ARP
                sock.sendto(payload, (GUEST_IP, ECHO_PORT))
                try:
                    data = sock.recv(4096)
                    while data != payload:  # a late echo of an earlier try
                        data = sock.recv(4096)
                except socket.timeout:
                    resent += 1
                    continue
                intact += 1
                break
    return intact, resent


def echo_exchange(payload, deadline, chunk=65536):
    """Connects to tcpecho, sends `payload` while reading its echo in
    another thread; returns the bytes that came back."""
    received = bytearray()
    with socket.create_connection((GUEST_IP, ECHO_PORT), timeout=max(1, deadline - time.monotonic())) as sock:
        def reader():
            try:
                while len(received) < len(payload) and time.monotonic() < deadline:
                    data = sock.recv(chunk)
                    if not data:
                        return
                    received.extend(data)
            except OSError:
                pass
        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        view = memoryview(payload)
        for i in range(0, len(payload), chunk):
            sock.sendall(view[i:i + chunk])
        thread.join(timeout=max(0, deadline - time.monotonic()))
    return bytes(received)


# --- malformed frames --------------------------------------------------------

def malformed_kinds(host_mac, guest_mac, seed):
    """Each kind of broken frame: (name, frames, expected counter deltas).

    Expected deltas name a counter ("iface.x" or "driver.x") and how much it
    must grow; "drops" is the sum of every drop counter (IFACE_DROPS and
    DRIVER_DROPS): a frame that reached the stack and was not counted as
    dropped would be a frame the stack acted on. QEMU's e1000 pads frames
    shorter than 60 bytes with zeros, and drops frames longer than 1522
    bytes itself; the expectations say what the guest sees after that."""
    rng = random.Random(seed)
    g, h = tapnet.mac_bytes(guest_mac), tapnet.mac_bytes(host_mac)
    IP, ARP = 0x0800, 0x0806

    def eth(payload, ethertype=IP, src=h):
        return tapnet.ethernet(g, src, ethertype, payload)

    def good_udp(size=32, dport=ECHO_PORT, src=HOST_IP, dst=GUEST_IP):
        return tapnet.udp(src, dst, 40000, dport, rng.randbytes(size))

    def ip(payload, protocol=17, **kw):
        kw.setdefault("src", HOST_IP)
        kw.setdefault("dst", GUEST_IP)
        return tapnet.ipv4(kw.pop("src"), kw.pop("dst"), protocol, payload, **kw)

    arp_request = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, h, socket.inet_aton(HOST_IP),
                              b"\0" * 6, socket.inet_aton(GUEST_IP))
    udp_header_only = ip(good_udp(0))
    tcp_syn = struct.pack("!HHIIBBHHH", 40000, ECHO_PORT, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    n = 150
    kinds = []

    # Runts: a real frame cut short; the card pads it, so what arrives is a
    # frame with zeros where the header was cut: unknown EtherType 0, or a
    # malformed or truncated packet.
    full = eth(ip(good_udp()))
    kinds.append(("runt", [full[:6 + i % 8] for i in range(n)], {"drops": n}))
    kinds.append(("arp-truncated", [eth(arp_request[:i % 28], ARP) for i in range(n)], {"drops": n}))
    kinds.append(("ipv4-truncated", [eth(ip(good_udp())[:i % 20]) for i in range(n)], {"drops": n}))
    kinds.append(("ipv4-bad-checksum",
                  [eth(ip(good_udp(), checksum=(0x1234 + i) & 0xFFFF)) for i in range(n)],
                  {"iface.rx_bad_checksum": n, "drops": n}))
    kinds.append(("ipv4-ihl-below-5", [eth(ip(good_udp(), ihl=i % 5)) for i in range(n)],
                  {"iface.rx_malformed": n, "drops": n}))
    kinds.append(("ipv4-length-beyond-frame",
                  [eth(ip(good_udp(100), total_length=20 + 108 + 1 + i * 97 % 60000)) for i in range(n)],
                  {"iface.rx_truncated": n, "drops": n}))
    kinds.append(("ipv4-length-below-header", [eth(ip(good_udp(), total_length=i % 20)) for i in range(n)],
                  {"iface.rx_malformed": n, "drops": n}))
    kinds.append(("ipv4-bad-version", [eth(ip(good_udp(), version=[0, 5, 6, 15][i % 4])) for i in range(n)],
                  {"iface.rx_malformed": n, "drops": n}))
    # Fragments no honest sender makes, with more to follow (MF). Odd: a
    # tiny one (28 bytes, under the 68 every link carries); even: data
    # that is no multiple of 8 bytes. Whole datagrams in pieces have
    # tap/ping-3000; overlaps, floods and timeouts have host tests.
    kinds.append(("ipv4-fragments",
                  [eth(ip(good_udp(0 if i % 2 else 65), ident=i, flags_frag=0x2000 | (i % 50)))
                   for i in range(n)],
                  {"iface.ipv4_fragments": n, "iface.frag_tiny": n // 2, "iface.frag_malformed": n - n // 2,
                   "drops": n}))
    kinds.append(("ipv4-unknown-protocol", [eth(ip(rng.randbytes(40), protocol=253)) for i in range(n)],
                  {"iface.ipv4_unknown_protocol": n, "drops": n}))
    kinds.append(("ipv4-not-for-us", [eth(ip(good_udp(dst="10.0.3.99"), dst="10.0.3.99")) for i in range(n)],
                  {"iface.rx_not_for_us": n, "drops": n}))
    kinds.append(("bad-source",
                  [eth(ip(good_udp()), src=b"\x01\x00\x5e\x00\x00\x01") if i % 2 else
                   eth(ip(good_udp(src="10.0.3.255"), src="10.0.3.255")) for i in range(n)],
                  {"iface.rx_bad_source": n, "drops": n}))
    kinds.append(("udp-truncated", [eth(ip(good_udp()[:i % 8], total_length=20 + i % 8)) for i in range(n)],
                  {"iface.rx_truncated": n, "drops": n}))
    kinds.append(("udp-length-lie",
                  [eth(ip(udp_header_only[20:24] + struct.pack("!HH", 9 + i, 0) + rng.randbytes(i % 16)))
                   for i in range(n)],
                  {"iface.rx_truncated": n, "drops": n}))
    bad_sum = []
    for i in range(n):
        datagram = bytearray(good_udp(16 + i % 64))
        datagram[6:8] = struct.pack("!H", (struct.unpack("!H", datagram[6:8])[0] + 1 + i) % 0xFFFF or 1)
        bad_sum.append(eth(ip(bytes(datagram))))
    kinds.append(("udp-bad-checksum", bad_sum, {"iface.rx_bad_checksum": n, "drops": n}))
    # TCP: the interface hands every segment to TCP (tcp_rx), whose own
    # drop counters are not shown; a broken segment must get no answer.
    kinds.append(("tcp-truncated-or-bad-checksum",
                  [eth(ip(tcp_syn[:i % 20], protocol=6)) if i % 2 else eth(ip(tcp_syn, protocol=6))
                   for i in range(n)],
                  {"iface.tcp_rx": n, "iface.tx_frames": 0}))
    kinds.append(("oversized-1515-1522", [eth(ip(rng.randbytes(1500 + i % 8 - 19), total_length=1500))
                                          for i in range(n)],
                  {"driver.rx_length_errors": n, "iface.rx_frames": 0}))
    kinds.append(("jumbo-dropped-by-card", [eth(rng.randbytes(1600 + i * 53 % 8000)) for i in range(n // 3)],
                  {"iface.rx_frames": 0, "driver.rx_packets": 0, "driver.rx_length_errors": 0}))
    garbage = []
    for i in range(1000):
        ethertype = [IP, ARP, rng.randrange(0x10000)][i % 3]
        garbage.append(eth(rng.randbytes(rng.randrange(46, 1501)), ethertype))
    kinds.append(("random-garbage", garbage, {"drops": len(garbage)}))
    return kinds


def host_mac():
    with open(f"/sys/class/net/{tapnet.TAP}/address") as f:
        return f.read().strip()


def check_kind(guest, net, frames, expected):
    """Injects one kind of frame; returns (passed, detail). If QEMU's
    socket buffer overflowed meanwhile (a loaded host: the guest drains its
    ring slower than the frames come), some frames never reached the card
    and no counter can show them: the kind is injected again, slower,
    twice at most."""
    for attempt, (batch, pause) in enumerate([(16, 0.004), (4, 0.01), (1, 0.01)]):
        socket_drops = tapnet.udp_receive_errors()
        passed, detail = inject_and_count(guest, net, frames, expected, batch, pause)
        lost = tapnet.udp_receive_errors() - socket_drops
        if passed or lost == 0:
            break
    note = f" (injected {attempt + 1} times: QEMU's socket buffer overflowed)" if attempt else ""
    return passed, detail + note


def inject_and_count(guest, net, frames, expected, batch, pause):
    before = guest.counters()
    if before is None:
        return False, "ifconfig gave no counters"
    net.inject(frames, batch=batch, pause=pause)
    # The guest takes a moment to work through a burst: read the counters
    # until they are as expected, a few times at most. Expected zeros need
    # the frames' time to arrive before a first reading can mean anything.
    time.sleep(1.0 if 0 in expected.values() else 0.3)
    for _ in range(8):
        after = guest.counters()
        if after is None:
            return False, "ifconfig gave no counters"
        d = delta(before, after)
        drops = sum(d["iface"].get(k, 0) for k in IFACE_DROPS) + sum(d["driver"].get(k, 0) for k in DRIVER_DROPS)
        got = {"drops": drops}
        for key in expected:
            if key != "drops":
                kind, counter = key.split(".")
                got[key] = d[kind].get(counter, 0)
        wrong = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
        if not wrong:
            break
        time.sleep(0.5)
    moved = {f"{k}.{c}": v for k in d for c, v in d[k].items() if v and not c.endswith("bytes")}
    detail = f"{len(frames)} frames; counters moved {moved}"
    if wrong:
        detail = (f"{len(frames)} frames; expected {expected}, got (value, expected) {wrong}; "
                  f"counters moved {moved}; QEMU socket drops {tapnet.udp_receive_errors()}")
    return not wrong, detail


# --- SYN flood ------------------------------------------------------------------

FLOOD_NET = "198.51.100."  # TEST-NET-2: forged sources, routed via the host


def tcp_syn(src, dst, sport, dport, seq):
    """A SYN with MSS and window-scale options, checksum included."""
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 7 << 4, 0x02, 65535, 0, 0)
    segment = header + struct.pack("!BBHBBBB", 2, 4, 1460, 1, 3, 3, 7)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(segment))
    checksum = tapnet.ip_checksum(pseudo + segment)
    return segment[:16] + struct.pack("!H", checksum) + segment[18:]


def syn_acks_seen(sock, stop, children, cookies):
    """Collects the guest's SYN+ACKs to forged sources on tap0 until the
    event `stop` is set: with a window-scale option (from a half-open child) into
    `children`, without (a SYN cookie, which cannot remember one) into
    `cookies`, each client once: a child's SYN+ACK is retransmitted while
    its handshake waits."""
    sock.settimeout(0.1)
    while not stop.is_set():
        try:
            frame = sock.recv(2048)
        except socket.timeout:
            continue
        ip = frame[14:]
        if len(ip) < 40 or ip[9] != 6 or not socket.inet_ntoa(ip[16:20]).startswith(FLOOD_NET):
            continue
        tcp = ip[(ip[0] & 0x0F) * 4:]
        if tcp[13] & 0x12 != 0x12:
            continue
        options = tcp[20:(tcp[12] >> 4) * 4]
        client = (ip[16:20], tcp[2:4])
        (children if b"\x01\x03\x03" in options else cookies).add(client)


def check_syn_flood(guest, net, report):
    """tap/syn-flood: 4000 SYNs from forged addresses while a real Linux
    client opens connections to tcpecho and echoes data, one after
    another while the flood lasts; every real connection must be served,
    and once the half-open queue (256 in the kernel) is full the guest must
    answer with SYN cookies."""
    g, h = tapnet.mac_bytes(tapnet.GUEST_MAC), tapnet.mac_bytes(host_mac())
    rng = random.Random(7)
    frames = []
    for i in range(4000):
        src = FLOOD_NET + str(1 + i % 250)
        segment = tcp_syn(src, GUEST_IP, 1024 + rng.randrange(60000), ECHO_PORT, rng.randrange(1 << 32))
        frames.append(tapnet.ethernet(g, h, 0x0800, tapnet.ipv4(src, GUEST_IP, 6, segment)))
    capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    capture.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    capture.bind((tapnet.TAP, 0))
    children, cookies = set(), set()
    stop = threading.Event()
    watching = threading.Thread(target=syn_acks_seen, args=(capture, stop, children, cookies), daemon=True)
    watching.start()
    flooding = threading.Thread(target=lambda: net.inject(frames), daemon=True)
    served = tried = 0
    errors = []
    started = time.monotonic()
    flooding.start()
    # Real connections, one after another, for as long as the flood lasts.
    while tried < 20 or flooding.is_alive():
        payload = random.Random(tried).randbytes(500 + 97 * (tried % 20))
        tried += 1
        try:
            if echo_exchange(payload, time.monotonic() + 20) == payload:
                served += 1
        except OSError as e:
            errors.append(repr(e))
        if time.monotonic() > started + 120:
            break
    flooding.join(timeout=60)
    seconds = time.monotonic() - started
    time.sleep(2)  # the last SYN+ACKs
    stop.set()
    watching.join(timeout=5)
    capture.close()
    children, cookies = len(children), len(cookies)
    ok = served == tried and cookies > 0 and children <= 256
    report("tap/syn-flood", ok,
           f"{served}/{tried} real connections served in {seconds:.1f} s during a {len(frames)}-SYN flood; "
           f"guest answered {children} SYNs with a half-open child and {cookies} with a SYN cookie "
           f"(distinct clients seen on tap0)" + (f"; errors {errors[:3]}" if errors else ""))


# --- a peer whose window opens a few bytes at a time ---------------------------

SWS_PEER = "198.51.100.77"  # a scripted TCP peer, routed via the host


def tcp_segment(src, dst, sport, dport, seq, ack, flags, window, payload=b"", options=b""):
    """A TCP segment, checksum included (flags: 0x02 SYN, 0x10 ACK...)."""
    offset = (20 + len(options)) // 4
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                         offset << 4, flags, window, 0, 0) + options
    segment = header + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(segment))
    checksum = tapnet.ip_checksum(pseudo + segment)
    return segment[:16] + struct.pack("!H", checksum) + segment[18:]


def check_sws(net, report, seconds=3.5, step=20):
    """tap/sws-window-20: a scripted peer connects to tcpecho, sends 6000
    bytes with a zero window, then acknowledges everything the guest
    echoes while opening its window `step` bytes every 20 ms (the case
    of RFC 9293 §3.8.6.2.1). The guest must not answer with a run of tiny
    segments: full ones once 1460 bytes are usable, and in between only
    what its override timer lets go."""
    g, h = tapnet.mac_bytes(tapnet.GUEST_MAC), tapnet.mac_bytes(host_mac())
    port = 40000 + random.Random(3).randrange(20000)
    capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    capture.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    capture.bind((tapnet.TAP, 0))
    capture.settimeout(0.005)
    segments = []  # (seq, flags, payload) from the guest to our peer

    def send(seq, ack, flags, window, payload=b"", options=b""):
        segment = tcp_segment(SWS_PEER, GUEST_IP, port, ECHO_PORT, seq, ack, flags, window, payload, options)
        net.inject([tapnet.ethernet(g, h, 0x0800, tapnet.ipv4(SWS_PEER, GUEST_IP, 6, segment))])

    def drain():
        while True:
            try:
                frame = capture.recv(4096)
            except socket.timeout:
                return
            ip = frame[14:]
            if len(ip) < 40 or ip[9] != 6 or socket.inet_ntoa(ip[16:20]) != SWS_PEER:
                continue
            tcp = ip[(ip[0] & 0x0F) * 4:struct.unpack("!H", ip[2:4])[0]]
            if struct.unpack("!H", tcp[2:4])[0] != port:
                continue
            seq = struct.unpack("!I", tcp[4:8])[0]
            segments.append((seq, tcp[13], tcp[(tcp[12] >> 4) * 4:]))

    try:
        isn = 1000
        send(isn, 0, 0x02, 65535, options=struct.pack("!BBH", 2, 4, 1460))
        deadline = time.monotonic() + 5
        syn_ack = None
        while syn_ack is None and time.monotonic() < deadline:
            drain()
            syn_ack = next((seq for seq, flags, _ in segments if flags & 0x12 == 0x12), None)
        if syn_ack is None:
            report("tap/sws-window-20", False, "no SYN+ACK from the guest")
            return
        guest_next = syn_ack + 1
        data = bytes(range(256)) * 23 + bytes(112)  # 6000 bytes
        send(isn + 1, guest_next, 0x10, 0)
        for i in range(0, len(data), 1460):
            send(isn + 1 + i, guest_next, 0x18, 0, data[i:i + 1460])
        our_next = isn + 1 + len(data)
        time.sleep(1.0)  # tcpecho reads and writes it back: held by our zero window
        drain()
        segments.clear()
        right_edge = guest_next
        sizes, seen = [], set()
        updates = 0
        started = time.monotonic()
        while time.monotonic() < started + seconds:
            time.sleep(0.02)
            drain()
            for seq, flags, payload in segments:
                if payload and seq not in seen:
                    seen.add(seq)
                    sizes.append(len(payload))
                end = (seq + len(payload)) & 0xFFFFFFFF
                if payload and (end - guest_next) & 0xFFFFFFFF < 1 << 31:
                    guest_next = end
            segments.clear()
            right_edge += step
            updates += 1
            send(our_next, guest_next, 0x10, max(0, (right_edge - guest_next) & 0xFFFFFFFF) & 0xFFFF)
        send(our_next, guest_next, 0x14, 0)  # RST+ACK: done
        short = [n for n in sizes if n < 1460]
        # Without sender SWS avoidance each update lets `step` bytes go: a
        # run of segments of that size. With it, a few short ones that grow
        # (what the override timer lets go); and the data must still flow:
        # at least a quarter of what the window opened (the override timer
        # backs off, and a loaded host paces the updates unevenly).
        tiny = [n for n in short if n <= step]
        ok = sum(sizes) >= updates * step // 4 and len(short) <= 6 and not tiny
        report("tap/sws-window-20", ok,
               f"{len(sizes)} data segments in {seconds} s while the window opened {step} bytes at a time "
               f"({updates} window updates): sizes {sizes}")
    finally:
        capture.close()


# --- the tests, run inside the namespace ---------------------------------------

# The results each part of the run reports; --only picks the parts.
MALFORMED = [f"tap/malformed/{name}" for name, _, _ in malformed_kinds("00:00:00:00:00:00", "00:00:00:00:00:00", 1)]
PARTS = {
    "ping": ["tap/ping"],
    "ping-3000": ["tap/ping-3000"],
    "udp-echo": ["tap/udp-echo"],
    "malformed": MALFORMED + ["tap/after-malformed-ping", "tap/after-malformed-udp"],
    "tcp-loss": ["tap/tcp-loss-4mib"],
    "connections": ["tap/connections-200"],
    "leaks": ["tap/no-leaked-sockets"],
    "sws": ["tap/sws-window-20"],
    "syn-flood": ["tap/syn-flood"],
}
NAMES = [name for names in PARTS.values() for name in names] + ["tap/boot", "tap/no-crash", "tap/setup", "tap/suite"]


def inside(args):
    def report(name, passed, detail=""):
        print(RESULT + json.dumps({"name": name, "passed": bool(passed), "detail": detail}), flush=True)

    def wanted(part):
        return any(args.only in name for name in PARTS[part])

    with tapnet.TapNet(seed=args.seed) as net:
        qemu = net.boot(args.kernel, args.accel, tapnet.GUEST_CMDLINE, initrd=args.initrd)
        guest = Guest(qemu)
        # init starts httpd and the shell; each prints a banner. Wait for
        # both, start the echo servers, then ask for a fresh prompt: a
        # banner printed after a prompt would hide it.
        ready = qemu.wait_for(r"httpd: serving", args.timeout) and qemu.wait_for(r"(^|\n)\$ ", 30)
        for command, banner in [("udpecho 7 &", "udpecho: listening"), ("tcpecho 7 &", "tcpecho: listening")]:
            if ready:
                qemu.send(command.encode() + b"\r")
                ready = qemu.wait_for(banner, 30) is not None
        if not ready or guest.run("") is None:
            report("tap/boot", False, "no shell, httpd, udpecho or tcpecho:\n" + qemu.text()[-1500:])
            return

        def check_ping(name):
            rtts = ping(GUEST_IP)
            ok = all(r is not None for r in rtts)
            report(name, ok, "rtt " + ", ".join("lost" if r is None else f"{r:.1f} ms" for r in rtts))

        def check_udp(name):
            sizes = [1, 18, 64, 200, 512, 1000, 1400, 1472]
            intact, resent = udp_echo(sizes, args.seed)
            report(name, intact == len(sizes),
                   f"{intact}/{len(sizes)} datagrams of {sizes[0]}..{sizes[-1]} bytes echoed intact, {resent} resent")

        if wanted("ping"):
            check_ping("tap/ping")
        if wanted("ping-3000"):
            before = guest.counters()
            rtts = ping(GUEST_IP, size=3000)
            after = guest.counters()
            moved = delta(before, after)["iface"] if before and after else {}
            ok = all(r is not None for r in rtts) and moved.get("frag_reassembled", 0) >= 3
            report("tap/ping-3000", ok,
                   "rtt " + ", ".join("lost" if r is None else f"{r:.1f} ms" for r in rtts)
                   + f"; guest: {moved.get('ipv4_fragments', 0)} fragments in, "
                   f"{moved.get('frag_reassembled', 0)} datagrams reassembled")
        if wanted("udp-echo"):
            check_udp("tap/udp-echo")

        if wanted("malformed"):
            ping(GUEST_IP, count=1)  # Linux and the guest know each other first
            total = 0
            started = time.monotonic()
            for name, frames, expected in malformed_kinds(host_mac(), tapnet.GUEST_MAC, args.seed):
                passed, detail = check_kind(guest, net, frames, expected)
                total += len(frames)
                report(f"tap/malformed/{name}", passed, detail)
                if guest.shell.responsive is False or "KERNEL" in qemu.text():
                    break
            print(f"tap: injected {total} malformed frames in {time.monotonic() - started:.1f} s", flush=True)
            check_ping("tap/after-malformed-ping")
            check_udp("tap/after-malformed-udp")

        if wanted("tcp-loss"):
            net.set_conditions(loss=0.05, delay_ms=2, seed=args.seed)
            before = net.stats()
            payload = random.Random(args.seed).randbytes(4 << 20)
            started = time.monotonic()
            try:
                back = echo_exchange(payload, started + args.loss_timeout)
                error = None
            except OSError as e:
                back, error = b"", repr(e)
            seconds = time.monotonic() - started
            net.set_conditions(seed=args.seed)
            after = net.stats()
            lost = {k: after[k] - before[k] for k in ("to_guest", "to_guest_dropped", "to_host", "to_host_dropped")}
            same = hashlib.sha256(back).digest() == hashlib.sha256(payload).digest()
            detail = (f"{len(back)} of {len(payload)} bytes back in {seconds:.1f} s "
                      f"({2 * len(back) / seconds / 1e6:.2f} MB/s both ways); relay: {lost['to_guest']} frames "
                      f"to the guest, {lost['to_guest_dropped']} lost; {lost['to_host']} to the host, "
                      f"{lost['to_host_dropped']} lost")
            if not same:
                listing = guest.netstat()[1]
                detail += f"; {error or 'data differs'}; guest netstat:\n{listing}"
            report("tap/tcp-loss-4mib", same, detail)

        if wanted("connections"):
            # 200 connections open at the same time: every client connects,
            # then waits at a barrier until all 200 are open, and only then
            # sends its bytes, reads the echo and closes.
            total = 200
            results = [False] * total
            errors = []
            barrier = threading.Barrier(total)
            open_together = []
            started = time.monotonic()

            def client(i):
                data = random.Random(i).randbytes(100 + i * 37 % 3000)
                try:
                    with socket.create_connection((GUEST_IP, ECHO_PORT), timeout=60) as sock:
                        try:
                            barrier.wait(timeout=90)
                            open_together.append(i)
                        except threading.BrokenBarrierError:
                            pass
                        sock.sendall(data)
                        back = bytearray()
                        while len(back) < len(data):
                            chunk = sock.recv(65536)
                            if not chunk:
                                break
                            back.extend(chunk)
                        results[i] = bytes(back) == data
                except OSError as e:
                    errors.append(f"{i}: {e!r}")
                    barrier.abort()
            threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(total)]
            # Connect in groups of 40: 200 SYNs at the same instant would
            # exceed the listener's 64 half-open slots, and its SYN-flood
            # defence would evict (and later reset) some; that defence has
            # tests of its own. All 200 are still open together at the barrier.
            for first in range(0, total, 40):
                for t in threads[first:first + 40]:
                    t.start()
                time.sleep(0.3)
            for t in threads:
                t.join(timeout=150)
            seconds = time.monotonic() - started
            good = sum(results)
            together = len(open_together)
            report("tap/connections-200", good == total and together == total,
                   f"{together} open at once, {good}/{total} echoed intact in {seconds:.1f} s"
                   + (f"; errors {errors[:3]}" if errors else ""))

        if wanted("connections") or wanted("tcp-loss") or wanted("leaks"):
            # The host closes first, so the guest passes through LAST-ACK,
            # not TIME-WAIT; wait out TIME-WAIT (2 s) anyway, then poll.
            time.sleep(2.5)
            deadline = time.monotonic() + 15
            while True:
                rows, listing = guest.netstat()
                busy = [r for r in rows or [] if r[2] != "LISTEN"]
                if rows is not None and not busy or time.monotonic() > deadline:
                    break
                time.sleep(1)
            listeners = sorted(r[0] for r in rows or [] if r[2] == "LISTEN")
            ok = rows is not None and not busy and any(r.endswith(f":{ECHO_PORT}") for r in listeners)
            report("tap/no-leaked-sockets", ok,
                   f"listeners {listeners}" if ok else f"netstat:\n{listing}")

        if wanted("sws"):
            check_sws(net, report)
        if wanted("syn-flood"):
            check_syn_flood(guest, net, report)

        crash = re.search(r"KERNEL (PANIC|TRAP).*", qemu.text())
        report("tap/no-crash", crash is None, "" if crash is None else qemu.text()[-2000:])
        print(f"tap: relay {net.stats()}, QEMU socket drops {tapnet.udp_receive_errors()}", flush=True)


def run(tests):
    """Runs the tap suite in a namespace of its own. Without root or
    /dev/net/tun, prints why and reports nothing."""
    report = tests.report
    why = tapnet.available()
    if why:
        print(f"tap tests skipped: {why}", flush=True)
        return
    seen = []
    notes = []

    def on_line(line):
        if line.startswith(RESULT):
            r = json.loads(line[len(RESULT):])
            seen.append(r["name"])
            report(r["name"], r["passed"], r["detail"], always=not r["passed"])
        elif line.startswith("tap: "):
            notes.append(line)
    seed = getattr(tests.options, "seed", 1)
    args = ["--kernel", os.path.abspath(tests.kernel), "--initrd", os.path.abspath(tests.initrd),
            "--accel", tests.accel, "--timeout", str(tests.timeout), "--seed", str(seed), "--only", tests.only]
    try:
        status, tail = tapnet.run_inside(os.path.abspath(__file__), args, on_line, timeout=max(600, 3 * tests.timeout))
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        report("tap/setup", False, f"cannot set up the namespace and tap0: {e}", always=True)
        return
    if status != 0 or not seen:
        report("tap/suite", False, f"the run in the namespace exited with {status} after {len(seen)} "
                                   f"results; last output:\n{tail[-2000:]}", always=True)
    for note in notes:
        print(note, flush=True)


def main():
    def configure(parser):
        parser.add_argument("--seed", type=int, default=1, help="of the losses and the payloads")
        parser.add_argument("--loss-timeout", type=int, default=150, help="seconds for the 4 MiB exchange")
        parser.add_argument("--inside", metavar="NS", help=argparse.SUPPRESS)
    if "--inside" in sys.argv:
        inside(harness.arguments(__doc__.splitlines()[0], configure))  # the re-executed half, in the namespace
        return
    harness.main(sys.modules[__name__], configure)


if __name__ == "__main__":
    main()
