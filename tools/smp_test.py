#!/usr/bin/env python3
"""SMP tests: the stress suite at 4 CPUs, HTTP under load at 4 CPUs, and
the Limine door starting every CPU under BIOS and UEFI.

- smp/stress: `/bin/stress` (user/src/bin/stress.rs) runs 8 workers for
  60 s of guest time at -smp 4: forking, piping, sleeping, being killed,
  and TCP connections to an echo server on the host (10.0.2.2 through
  QEMU's user network). Every sleeper must wake (the program times each
  wait), nothing may deadlock (the harness's timeout, and the kernel's
  spin watchdog) or panic.
- smp/http-*: the httpd at -smp 4 under 64 concurrent clients; /api/sched
  must then list 4 CPUs, switches on more than one, and the lock counters.
- limine/*: the Limine ISO (Limine 11.4.1 from ../shared/limine, or
  $OXV6_LIMINE) booted under BIOS and UEFI with 2 CPUs, running the
  in-kernel tests; the boot log must show both CPUs. Skipped, with a line
  saying so, where that folder is absent.

Usage: tools/smp_test.py [--kernel build/kernel.elf] [--only TEXT]
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import harness
from harness import QEMU_SUCCESS, ROOT, Qemu
from http_client import Client, wait_until_serving

STRESS_SECONDS = 60
STRESS_WORKERS = 8

NAMES = [
    "smp/stress-4cpu-started",
    "smp/stress",
    "smp/http-serving",
    "smp/http-4cpu-concurrent-64x100",
    "smp/http-4cpu-sched-counters",
    "smp/http-4cpu-no-crash",
    "limine/iso",
    "limine/bios-2cpu-ktest",
    "limine/uefi-2cpu-ktest",
]


class EchoServer:
    """A TCP echo server on the host, for the guest's connections."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.served = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    def _echo(self, conn):
        with conn:
            conn.settimeout(30)
            try:
                while data := conn.recv(4096):
                    conn.sendall(data)
            except OSError:
                pass
        self.served += 1

    def close(self):
        self.listener.close()


def run_stress(tests):
    report, timeout = tests.report, tests.timeout
    server = EchoServer()
    cmdline = f"-- stress {STRESS_SECONDS} {STRESS_WORKERS} 10.0.2.2 {server.port}"
    qemu = tests.boot(cmdline, cpus=4, extra=harness.NET_ARGS)
    try:
        # Boot, then a minute of guest time: TCG with four CPUs on a busy
        # host runs the guest clock slower than the wall's.
        status = qemu.wait_exit(STRESS_SECONDS * 4 + timeout)
        out = qemu.text()
        done = re.search(r"stress: (\d+) workers done, (\d+) errors", out)
        workers = re.findall(r"stress: worker \d+: (\d+) pipes, (\d+) sleeps, (\d+) kills, (\d+) connects", out)
        totals = [sum(int(w[i]) for w in workers) for i in range(4)]
        started = re.search(r"smp: (\d+) CPU\(s\) running", out)
        summary = (f"{started.group(1) if started else '?'} CPUs; {totals[0]} pipe, {totals[1]} sleep, "
                   f"{totals[2]} kill, {totals[3]} connect rounds")
        report("smp/stress-4cpu-started", bool(started and started.group(1) == "4"),
               started.group(0) if started else out[-800:])
        if status is None:
            report("smp/stress", False, f"no end after {STRESS_SECONDS * 4 + timeout} s (deadlock?); "
                                        f"last output:\n{out[-1500:]}")
        elif "KERNEL" in out or done is None:
            report("smp/stress", False, f"exit {status}; last output:\n{out[-1500:]}")
        else:
            ok = done.group(2) == "0" and status == QEMU_SUCCESS and all(t > 0 for t in totals)
            errors = "\n".join(re.findall(r"stress: ERROR.*", out)[:10])
            report("smp/stress", ok, summary if ok else f"{summary}; {done.group(0)}\n{errors}")
    finally:
        qemu.kill()
        server.close()


def run_http_load(tests):
    from http_test import check_concurrency
    report, timeout = tests.report, tests.timeout
    port = harness.free_port()
    qemu = tests.boot("-- httpd", cpus=4, extra=harness.user_net(port))
    try:
        serving = qemu.wait_for(r"httpd: serving", timeout)
        if not serving or not wait_until_serving(port, time.monotonic() + timeout):
            report("smp/http-serving", False, qemu.text()[-800:])
            return
        check_concurrency(port, lambda name, ok, detail="": report(name.replace("http/", "smp/http-4cpu-"),
                                                                  ok, detail))
        client = Client(port)
        try:
            sched = json.loads(client.get("/api/sched").body)
        finally:
            client.close()
        cpus = sched.get("per_cpu", [])
        busy = [c for c in cpus if c["switches"] > 0]
        locks = {lock["name"]: lock for lock in sched.get("locks", [])}
        ok = len(cpus) == 4 and len(busy) >= 2 and locks.get("procs", {}).get("acquisitions", 0) > 0
        contended = sorted(locks.values(), key=lambda l: -l["contended"])[:3]
        report("smp/http-4cpu-sched-counters", ok,
               f"switches per CPU {[c['switches'] for c in cpus]}; most contended: "
               + ", ".join(f"{l['name']} {l['contended']}/{l['acquisitions']}" for l in contended))
        crashed = re.search(r"KERNEL|panic", qemu.text())
        report("smp/http-4cpu-no-crash", crashed is None, qemu.text()[-1500:] if crashed else "")
    finally:
        qemu.kill()


def limine_source():
    explicit = os.environ.get("OXV6_LIMINE")
    return explicit or os.path.join(ROOT, "..", "shared", "limine")


def build_test_iso():
    """A copy of the Limine release in build/, its host tool built, and an
    ISO whose command line runs the in-kernel tests. Returns the ISO path."""
    build = os.path.join(ROOT, "build")
    limine = os.path.join(build, "limine-test")
    if not os.path.exists(os.path.join(limine, "limine")):
        shutil.rmtree(limine, ignore_errors=True)
        shutil.copytree(limine_source(), limine)
        subprocess.run(["make", "-C", limine], check=True, capture_output=True)
    conf = os.path.join(build, "limine-test.conf")
    with open(os.path.join(ROOT, "limine.conf")) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(re.sub(r"cmdline:.*", "cmdline: test", text))
    iso = os.path.join(build, "oxv6-test.iso")
    subprocess.run(["make", "-C", ROOT, "iso", f"LIMINE_DIR={limine}", f"LIMINE_CONF={conf}", f"ISO={iso}"],
                   check=True, capture_output=True)
    return iso


def run_limine(tests):
    report, timeout = tests.report, tests.timeout
    if not os.path.isdir(limine_source()):
        print(f"limine tests skipped: no Limine release at {os.path.normpath(limine_source())} "
              f"(set OXV6_LIMINE to one)", flush=True)
        return
    try:
        iso = build_test_iso()
    except subprocess.CalledProcessError as e:
        report("limine/iso", False, (e.stdout or b"").decode()[-800:] + (e.stderr or b"").decode()[-800:])
        return
    ovmf = "/usr/share/ovmf/OVMF.fd"
    for firmware, extra in [("bios", []), ("uefi", ["-bios", ovmf])]:
        name = f"limine/{firmware}"
        if not tests.selected(f"{name}-2cpu-ktest"):
            continue
        if firmware == "uefi" and not os.path.exists(ovmf):
            print(f"{name} skipped: no {ovmf}", flush=True)
            continue
        qemu = Qemu(None, tests.accel, cpus=2,
                    extra=["-cdrom", iso, *extra, "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"])
        try:
            status = qemu.wait_exit(timeout * 2)
            out = qemu.text()
            cpus = re.search(r"smp: (\d+) CPU\(s\) running", out)
            door = "door: Limine" in out
            summary = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
            ok = (status == QEMU_SUCCESS and door and cpus and cpus.group(1) == "2"
                  and re.search(r"cpu 1: started", out) and summary and summary.group(2) == "0")
            report(f"{name}-2cpu-ktest", bool(ok),
                   f"{cpus.group(0)}, {summary.group(0)}" if ok else f"exit {status}; output:\n{out[-1500:]}")
        finally:
            qemu.kill()


def run(tests):
    if tests.any_selected(n for n in NAMES if n.startswith("smp/stress")):
        run_stress(tests)
    if tests.any_selected(n for n in NAMES if n.startswith("smp/http")):
        run_http_load(tests)
    if tests.any_selected(n for n in NAMES if n.startswith("limine/")):
        run_limine(tests)


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
