#!/usr/bin/env python3
"""SMP scaling: the same work at 1, 2 and 4 CPUs (run by `make bench`).

- cpu: `/bin/cpuwork 4 M` (user/src/bin/cpuwork.rs): four processes of
  fixed arithmetic, no system calls; the time they take, and the speed-up
  over one CPU.
- http: the httpd under 16 keep-alive clients for a fixed number of
  requests (tools/http_test.py's load), requests per second.

Under TCG each guest CPU is a host thread: the speed-up is bounded by the
host cores QEMU gets (printed below), whatever -smp says. The ratios are
the figures; the absolute values are emulation speed.

Usage: tools/scaling_bench.py [--kernel K] [--initrd I] [--accel tcg|kvm]
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Qemu, free_port, user_net  # noqa: E402
from http_client import wait_until_serving  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CPU_COUNTS = (1, 2, 4)
WORKERS = 4
MILLIONS = 200


def cpu_run(kernel, initrd, accel, cpus, timeout):
    qemu = Qemu(kernel, accel, f"-- cpuwork {WORKERS} {MILLIONS}", initrd=initrd, cpus=cpus,
                extra=["-nic", "none"])
    try:
        qemu.wait_exit(timeout)
        m = re.search(r"cpuwork: .* in (\d+) ms", qemu.text())
        return int(m.group(1)) if m else None
    finally:
        qemu.kill()


def http_run(kernel, initrd, accel, cpus, timeout):
    from http_test import check_concurrency
    port = free_port()
    qemu = Qemu(kernel, accel, "-- httpd", initrd=initrd, cpus=cpus, extra=user_net(port))
    try:
        serving = qemu.wait_for(r"httpd: serving", timeout)
        if not serving or not wait_until_serving(port, time.monotonic() + timeout):
            return None
        found = {}
        check_concurrency(port, lambda name, ok, detail="": found.update(ok=ok, detail=detail),
                          clients=16, requests=300)
        m = re.search(r"\((\d+) requests/s\)", found.get("detail", ""))
        return int(m.group(1)) if found.get("ok") and m else None
    finally:
        qemu.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default=os.path.join(ROOT, "build/release/kernel.elf"))
    parser.add_argument("--initrd", default=os.path.join(ROOT, "build/release/initrd.tar"))
    parser.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    parser.add_argument("--timeout", type=int, default=300)
    args = parser.parse_args()

    rows = []
    for cpus in CPU_COUNTS:
        print(f"scaling: {cpus} CPU(s)...", flush=True)
        rows.append((cpus, cpu_run(args.kernel, args.initrd, args.accel, cpus, args.timeout),
                     http_run(args.kernel, args.initrd, args.accel, cpus, args.timeout)))
    base_ms, base_rps = rows[0][1], rows[0][2]
    print()
    print(f"{'CPUs':>4}  {'cpuwork ms':>10}  {'speed-up':>8}  {'http req/s':>10}  {'speed-up':>8}")
    for cpus, ms, rps in rows:
        cpu_up = f"{base_ms / ms:.2f}x" if ms and base_ms else "-"
        http_up = f"{rps / base_rps:.2f}x" if rps and base_rps else "-"
        print(f"{cpus:>4}  {ms or 'FAILED':>10}  {cpu_up:>8}  {rps or 'FAILED':>10}  {http_up:>8}")
    print()
    print(f"cpuwork: {WORKERS} processes x {MILLIONS} M rounds; http: 16 keep-alive clients x 300 requests.")
    print(f"Host: {os.cpu_count()} cores for QEMU's CPU threads ({args.accel.upper()}).")
    sys.exit(0 if all(ms and rps for _, ms, rps in rows) else 1)


if __name__ == "__main__":
    main()
