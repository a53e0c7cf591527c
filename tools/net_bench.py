#!/usr/bin/env python3
"""oxv6 network benchmarks against the host's Linux stack, through tap0.

Run by `make bench` after tools/bench.py, on the release build. The guest
is wired to a tap device in a network namespace made for the run, through
tools/tapnet.py's relay with no loss and no delay: the host (10.0.3.1,
Linux's own TCP/IP) drives the guest (10.0.3.15), which runs the shell,
httpd (started by init) and, started from the shell, `tcpecho 7`,
`tcpblast recv 5001` and `tcpblast udprecv 9` (user/src/bin/tcpblast.rs).

- udp_flood_*: the host sends 64-byte datagrams to port 9 at a paced rate
  (and as fast as it can) for a few seconds; reported: offered and
  received datagrams/s, and where the rest went (the relay not keeping up:
  tap0's queue; QEMU's socket buffer, which fills while the guest's receive
  ring is full; the guest's driver and UDP counters from `ifconfig -a`).
- tcp_host_to_guest_mb_s / tcp_guest_to_host_mb_s: bulk TCP, timed on the
  host from connect to the peer's close (`tcpblast send|recv`); medians.
- tcp_connect_close_per_s: connect + close, one after another.
- http_keepalive_*: `wrk` with 32 keep-alive connections on /612.html:
  requests/s and the 99th percentile latency; http_new_conn_req_s: the
  same with `Connection: close` (a connection per request);
  http_1mib_mb_s: GET /big.txt (1 MiB), median of several.

The bulk transfers are then run again with a Linux 6.1 guest in oxv6's
place (the Debian kernel of tools/bench.py, with busybox, the e1000 module
and tools/tcpblast_linux.c, tcpblast's C twin): the same QEMU, card and
relay, one CPU each, for an `oxv6 / Linux` column. `--no-linux` leaves it
out; without the kernel in the harness's cache the column says why.

Under TCG (the default) QEMU emulates every guest instruction, on a
machine shared with the relay and the clients: the figures are only
meaningful as ratios (between benchmarks, or between two builds), never as
absolute speeds. Needs root and /dev/net/tun (skipped otherwise); installs
`wrk` with apt-get if it is missing.

Usage: tools/net_bench.py [--kernel K] [--initrd I] [--accel tcg|kvm]
                          [--seconds N] [--udp-only] [--no-linux] [--json FILE]
"""

import argparse
import hashlib
import http.client
import glob
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

import tapnet  # noqa: E402
from tapnet import GUEST_IP, HOST_IP  # noqa: E402
from tap_test import Guest, ping  # noqa: E402

RESULT = "NETBENCH "
UDP_PORT, BLAST_PORT, ECHO_PORT, SINK_PORT = 9, 5001, 7, 5002
RUNS = 3


def emit(name, value, note="", runs=None):
    entry = {"name": name, "value": value, "note": note}
    if runs:
        entry.update(min=min(runs), max=max(runs), runs=len(runs))
    print(RESULT + json.dumps(entry), flush=True)


def fail(name, why):
    print(RESULT + json.dumps({"name": name, "failed": why}), flush=True)


def tap_stat(name):
    with open(f"/sys/class/net/{tapnet.TAP}/statistics/{name}") as f:
        return int(f.read())


# --- the benchmarks, inside the namespace --------------------------------------

def udp_flood(guest, net, qemu, rate, seconds, size=64):
    """Sends `size`-byte datagrams at `rate` per second (None: as fast as
    possible) for `seconds`; returns (offered/s, received/s, shell ms,
    note). Halfway through, the guest's shell (a user process that needs
    the CPU the flood competes for) is asked to `echo`: the milliseconds
    until its answer show whether the flood starves user processes
    (receive livelock)."""
    before, relay0 = guest.counters(), net.stats()
    tap_drop0, rcvbuf0 = tap_stat("tx_dropped"), tapnet.udp_receive_errors()
    mark = len(qemu.text())
    payload = b"x" * size
    sent = 0
    shell_ms = []

    def probe():
        time.sleep(seconds / 2)
        started = time.monotonic()
        if guest.run("echo probe", timeout=seconds * 10) is not None:
            shell_ms.append((time.monotonic() - started) * 1000)
    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((GUEST_IP, UDP_PORT))
        started = time.monotonic()
        end = started + seconds
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if rate is not None and sent >= (now - started) * rate:
                time.sleep(0.0005)
                continue
            for _ in range(16):
                try:
                    sock.send(payload)
                    sent += 1
                except OSError:  # ENOBUFS: tap0's queue is full
                    break
        elapsed = time.monotonic() - started
    prober.join(timeout=seconds * 10)
    # The sink reports after a second without datagrams; the guest may
    # still be working through a backlog when the flood stops.
    pattern = r"tcpblast: received (\d+) datagrams"
    deadline = time.monotonic() + 20
    while not re.search(pattern, qemu.text()[mark:]) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)
    received = sum(int(n) for n in re.findall(pattern, qemu.text()[mark:]))
    after, relay1 = guest.counters(), net.stats()
    if before is None or after is None:
        return None
    d = {k: {c: after[k].get(c, 0) - before[k].get(c, 0) for c in after[k]} for k in after}
    note = (f"sent {sent}, tap0 dropped {tap_stat('tx_dropped') - tap_drop0}, relayed "
            f"{relay1['to_guest'] - relay0['to_guest']}, QEMU socket dropped "
            f"{tapnet.udp_receive_errors() - rcvbuf0}, card got {d['driver']['rx_packets']} "
            f"(missed {d['driver']['hw_missed'] + d['driver']['rx_overruns']}), "
            f"UDP queue overflow {d['iface']['udp_queue_overflow']}, sink read {received}")
    shell = shell_ms[0] if shell_ms else None
    return sent / elapsed, received / elapsed, shell, note


def tcp_to_guest(mib):
    """Sends `mib` MiB to `tcpblast recv`; MB/s from connect to its close."""
    data = bytes(range(256)) * 4096
    started = time.monotonic()
    with socket.create_connection((GUEST_IP, BLAST_PORT), timeout=60) as sock:
        for _ in range(mib):
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):  # until the guest closes
            pass
    return mib * len(data) / (time.monotonic() - started) / 1e6


def wait_after(qemu, mark, pattern, timeout):
    """Waits for `pattern` in the console output after position `mark`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, qemu.text()[mark:])
        if match:
            return match
        time.sleep(0.05)
    return None


def tcp_from_guest(qemu, program, mib):
    """`PROGRAM send` (tcpblast, or its C twin in the Linux guest) to a host
    listener; MB/s on the host from the accept to the end of the stream."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST_IP, SINK_PORT))
        listener.listen(1)
        listener.settimeout(30)
        mark = len(qemu.text())
        qemu.send(f"{program} send {HOST_IP} {SINK_PORT} {mib}\r".encode())
        conn, _ = listener.accept()
        started = time.monotonic()
        total = 0
        with conn:
            conn.settimeout(60)
            while chunk := conn.recv(1 << 16):
                total += len(chunk)
        seconds = time.monotonic() - started
    if wait_after(qemu, mark, r"tcpblast: sent \d+ bytes", 30) is None:
        raise OSError("the guest's sender did not finish")
    if total != mib << 20:
        raise OSError(f"received {total} bytes of {mib << 20}")
    return total / seconds / 1e6


def connect_close(count):
    started = time.monotonic()
    for _ in range(count):
        with socket.create_connection((GUEST_IP, ECHO_PORT), timeout=10):
            pass
    return count / (time.monotonic() - started)


def parse_wrk(out):
    """Requests/s, p99 latency in ms and error counts from wrk's output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    requests = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not rps or not p99:
        return None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * scale,
            "requests": int(requests.group(1)) if requests else 0,
            "errors": sum(map(int, errors.groups())) if errors else 0,
            "non2xx": int(non2xx.group(1)) if non2xx else 0}


def wrk(path, seconds, connections=32, close=False):
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if close:
        args += ["-H", "Connection: close"]
    proc = subprocess.run([*args, f"http://{GUEST_IP}{path}"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=seconds + 60)
    return parse_wrk(proc.stdout), proc.stdout


def big_file(runs):
    from mkinitrd import big_www_file
    expected = hashlib.sha256(big_www_file()).digest()
    rates = []
    for _ in range(runs):
        conn = http.client.HTTPConnection(GUEST_IP, 80, timeout=60)
        try:
            started = time.monotonic()
            conn.request("GET", "/big.txt")
            body = conn.getresponse().read()
            seconds = time.monotonic() - started
        finally:
            conn.close()
        if hashlib.sha256(body).digest() != expected:
            raise OSError(f"/big.txt: {len(body)} bytes, not the expected file")
        rates.append(len(body) / seconds / 1e6)
    return rates


def measured(qemu, name, runs, work):
    """Runs `work` `runs` times and emits the median, or the failure."""
    values = []
    try:
        for _ in range(runs):
            values.append(work())
    except (OSError, TimeoutError) as e:
        fail(name, f"{e!r}; guest:\n{qemu.text()[-800:]}")
        return
    emit(name, statistics.median(values), runs=values)


def inside(args):
    with tapnet.TapNet() as net:
        qemu = net.boot(args.kernel, args.accel, tapnet.GUEST_CMDLINE, initrd=args.initrd)
        guest = Guest(qemu)
        ready = qemu.wait_for(r"httpd: serving", args.timeout) and qemu.wait_for(r"(^|\n)\$ ", 30)
        for command, banner in [(f"tcpecho {ECHO_PORT} &", "tcpecho: listening"),
                                (f"tcpblast recv {BLAST_PORT} &", "tcpblast: listening on TCP"),
                                (f"tcpblast udprecv {UDP_PORT} &", "tcpblast: listening on UDP")]:
            if ready:
                qemu.send(command.encode() + b"\r")
                ready = qemu.wait_for(banner, 30) is not None
        if not ready or guest.run("") is None or None in ping(GUEST_IP, count=2):
            fail("boot", "no shell, httpd, servers or ping:\n" + qemu.text()[-1500:])
            return

        for rate in [5000, 20000, None]:
            name = f"udp_flood_{rate or 'max'}"
            result = udp_flood(guest, net, qemu, rate, args.udp_seconds)
            if result is None:
                fail(name, "no counters from ifconfig")
                continue
            offered, received, shell, note = result
            emit(f"{name}_offered_pps", offered, note)
            emit(f"{name}_received_pps", received)
            if shell is None:
                fail(f"{name}_shell_echo_ms", "the shell did not answer during the flood")
            else:
                emit(f"{name}_shell_echo_ms", shell)
        if args.udp_only:
            return

        measured(qemu, "tcp_host_to_guest_mb_s", RUNS, lambda: tcp_to_guest(args.mib))
        measured(qemu, "tcp_guest_to_host_mb_s", RUNS, lambda: tcp_from_guest(qemu, "tcpblast", args.mib))
        measured(qemu, "tcp_connect_close_per_s", RUNS, lambda: connect_close(100))

        if shutil.which("wrk") is None:
            for name in ["http_keepalive_req_s", "http_keepalive_p99_ms", "http_new_conn_req_s"]:
                print(RESULT + json.dumps({"name": name, "skipped": "wrk is not installed"}), flush=True)
        else:
            for name, close in [("http_keepalive", False), ("http_new_conn", True)]:
                result, out = wrk("/612.html", args.seconds, close=close)
                if result is None or result["errors"] or result["non2xx"]:
                    fail(f"{name}_req_s", f"wrk: {out[-1200:]}")
                    continue
                note = f"{result['requests']} requests of 612 bytes, 32 connections, {args.seconds} s"
                emit(f"{name}_req_s", result["rps"], note)
                emit(f"{name}_p99_ms", result["p99_ms"])
        measured(qemu, "http_1mib_mb_s", 1, lambda: statistics.median(big_file(RUNS)))

        crash = re.search(r"KERNEL (PANIC|TRAP).*", qemu.text())
        if crash:
            fail("kernel", crash.group(0))


# --- the same bulk transfers through a Linux 6.1 guest -------------------------

LINUX_BULK = ["tcp_host_to_guest_mb_s", "tcp_guest_to_host_mb_s"]


# ANCHOR: linux_guest
def linux_initramfs(tmp):
    """An initramfs for the Linux guest of tools/bench.py: busybox, the
    e1000 module, and tools/tcpblast_linux.c compiled statically. Its init
    brings eth0 up with the guest's address, starts the bulk receiver and
    leaves a shell on the console. Returns (path, None) or (None, why)."""
    import bench
    vmlinux, busybox = bench.linux_guest_files()
    if vmlinux is None:
        return None, None, busybox
    modules = glob.glob(os.path.join(bench.LB_CACHE, "root/lib/modules/*/kernel/drivers/net/ethernet/intel/e1000/e1000.ko*"))
    if not modules:
        return None, None, f"no e1000 module in {bench.LB_CACHE}"
    binary = os.path.join(tmp, "tcpblast_linux")
    cc = subprocess.run(["cc", "-static", "-O2", "-Wall", "-o", binary, os.path.join(TOOLS, "tcpblast_linux.c")],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if cc.returncode != 0:
        return None, None, "cc -static failed: " + cc.stdout[-300:]
    init = f"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
insmod /e1000.ko
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
ip link set lo up
ip addr add {GUEST_IP}/{tapnet.PREFIX} dev eth0
ip link set eth0 up
ip route add default via {HOST_IP}
/tcpblast_linux recv {BLAST_PORT} &
echo LINUX-READY
exec sh
"""
    files = {"bin": (0o40755, b""), "init": (0o100755, init.encode())}
    for name, path in [("bin/busybox", busybox), ("tcpblast_linux", binary), ("e1000.ko", modules[0])]:
        with open(path, "rb") as f:
            files[name] = (0o100755 if name != "e1000.ko" else 0o100644, f.read())
    initramfs = os.path.join(tmp, "initramfs.cpio.gz")
    with open(initramfs, "wb") as f:
        f.write(gzip.compress(bench.cpio(files), 6))
    return vmlinux, initramfs, None
# ANCHOR_END: linux_guest


def inside_linux(args):
    """The bulk transfers of `inside`, with a Linux 6.1 guest on the same
    QEMU, card and relay in place of oxv6."""
    with tempfile.TemporaryDirectory(prefix="oxv6-netbench-") as tmp:
        vmlinux, initramfs, why = linux_initramfs(tmp)
        if why:
            for name in LINUX_BULK:
                print(RESULT + json.dumps({"name": name, "skipped": why}), flush=True)
            return
        with tapnet.TapNet() as net:
            qemu = net.boot(vmlinux, args.accel, "console=ttyS0 quiet panic=-1", initrd=initramfs, memory="256M")
            ready = qemu.wait_for(r"LINUX-READY", args.timeout) and qemu.wait_for(r"listening on TCP", 30)
            if not ready or None in ping(GUEST_IP, count=2):
                fail("linux-boot", "no Linux guest on the network:\n" + qemu.text()[-1500:])
                return
            measured(qemu, "tcp_host_to_guest_mb_s", RUNS, lambda: tcp_to_guest(args.mib))
            measured(qemu, "tcp_guest_to_host_mb_s", RUNS, lambda: tcp_from_guest(qemu, "/tcpblast_linux", args.mib))


# --- outside: setup, table ---------------------------------------------------

def ensure_wrk():
    """Installs Debian's wrk if it is missing; None, or why it is not there."""
    if shutil.which("wrk"):
        return None
    print("net_bench: installing wrk with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=600)
        if shutil.which("wrk"):
            return None
    return "apt-get could not install wrk"


def cell(entry):
    if "value" in entry:
        value = f"{entry['value']:.2f}" if entry["value"] < 100 else f"{entry['value']:.0f}"
        if "min" in entry and entry["value"]:
            value += f" ±{(entry['max'] - entry['min']) / 2 / entry['value'] * 100:.0f}%"
        return value
    if "skipped" in entry:
        return f"skipped ({entry['skipped']})"
    return "FAILED"


def print_table(results, linux, accel):
    """oxv6's figures; for the bulk transfers also the Linux guest's, and
    oxv6 / Linux (above 1: oxv6 moves more bytes per second)."""
    others = {entry["name"]: entry for entry in linux}
    rows = [("benchmark", f"oxv6 ({accel.upper()})", f"Linux 6.1 guest ({accel.upper()})", "oxv6 / Linux", "notes")]
    for entry in results:
        note = entry["failed"].splitlines()[0] if "failed" in entry else entry.get("note", "")
        other = others.get(entry["name"])
        ratio = ""
        if other and "value" in other and "value" in entry and other["value"]:
            ratio = f"{entry['value'] / other['value']:.2f}x"
        rows.append((entry["name"], cell(entry), cell(other) if other else "-", ratio, note))
    for name, entry in others.items():
        if "failed" in entry and name not in {r["name"] for r in results}:
            rows.append((name, "-", "FAILED", "", entry["failed"].splitlines()[0]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [row[c].rjust(widths[c]) for c in (1, 2, 3)]
        print(("  ".join(cells) + "  " + row[4]).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  -----")
    print()
    print("Through tap0 and tools/tapnet.py's relay, no loss, no delay; the peer is the")
    print("host's Linux. Units end each name (MB = 10^6 bytes); ± is half the min..max")
    print(f"spread of {RUNS} runs around their median. The relay, the clients and QEMU share")
    print("the host's CPUs. The Linux column: a Debian Linux 6.1 guest (the kernel of")
    print("tools/bench.py) on the same QEMU, card and relay, one CPU each, running")
    print("tools/tcpblast_linux.c, tcpblast's C twin.")
    if accel == "tcg":
        print("Both guests are software-emulated (TCG): compare them with each other, never")
        print("with native speeds.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default=os.path.join(ROOT, "build/release/kernel.elf"))
    parser.add_argument("--initrd", default=os.path.join(ROOT, "build/release/initrd.tar"))
    parser.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    parser.add_argument("--timeout", type=int, default=120, help="seconds for the boot")
    parser.add_argument("--seconds", type=int, default=10, help="of each wrk run")
    parser.add_argument("--udp-seconds", type=float, default=2.0, help="of each UDP flood")
    parser.add_argument("--udp-only", action="store_true", help="only the UDP floods")
    parser.add_argument("--mib", type=int, default=8, help="MiB per bulk TCP transfer")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--no-linux", action="store_true",
                        help="leave out the Linux guest's bulk transfers")
    parser.add_argument("--inside", metavar="NS", help=argparse.SUPPRESS)
    parser.add_argument("--guest", default="oxv6", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # One CPU per guest, as in the HTTP harness: the Linux guest has one.
    os.environ.setdefault("OXV6_CPUS", "1")
    if args.inside:
        inside_linux(args) if args.guest == "linux" else inside(args)
        return

    why = tapnet.available()
    if why:
        print(f"net_bench: skipped: {why}")
        return
    why = None if args.udp_only else ensure_wrk()
    if why:
        print(f"net_bench: {why}: the HTTP benchmarks will be skipped")
    print(f"oxv6: booting {args.kernel} ({args.accel}) on tap0 in a network namespace...", flush=True)
    results = []

    def on_line(line):
        if line.startswith(RESULT):
            results.append(json.loads(line[len(RESULT):]))
    forwarded = ["--kernel", args.kernel, "--initrd", args.initrd, "--accel", args.accel,
                 "--timeout", str(args.timeout), "--seconds", str(args.seconds),
                 "--udp-seconds", str(args.udp_seconds), "--mib", str(args.mib)]
    if args.udp_only:
        forwarded.append("--udp-only")
    try:
        status, tail = tapnet.run_inside(os.path.abspath(__file__), forwarded, on_line, timeout=900)
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        print(f"net_bench: cannot set up the namespace and tap0: {e}")
        sys.exit(1)
    linux = []
    if not args.no_linux and not args.udp_only:
        print("Linux 6.1: booting it on the same card and relay for the bulk transfers...", flush=True)

        def on_linux_line(line):
            if line.startswith(RESULT):
                linux.append(json.loads(line[len(RESULT):]))
        try:
            tapnet.run_inside(os.path.abspath(__file__), forwarded + ["--guest", "linux"], on_linux_line,
                              timeout=600)
        except (OSError, RuntimeError, subprocess.SubprocessError) as e:
            linux.append({"name": "linux-boot", "failed": f"cannot set up the namespace: {e}"})
    print()
    print_table(results, linux, args.accel)
    failed = [r for r in results + linux if "failed" in r]
    for entry in failed:
        print(f"\n{entry['name']} failed: {entry['failed']}")
    if status != 0 or not results:
        print(f"\nnet_bench: the run in the namespace exited with {status}; last output:\n{tail[-2000:]}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"accel": args.accel, "kernel": args.kernel, "results": results}, f, indent=2)
            f.write("\n")
        print(f"Wrote {args.json}.")
    sys.exit(1 if failed or status != 0 or not results else 0)


if __name__ == "__main__":
    main()
