#!/usr/bin/env python3
"""oxv6 test harness: host unit tests and QEMU integration tests.

Run by `make test`. Each test prints one line (`PASS name` or `FAIL name:
why`), and the run ends with one line `N passed, N failed`. The exit status
is 0 only if nothing failed.

The QEMU tests boot the real kernel through the PVH door (QEMU -kernel), under
TCG by default, and read its serial output:

- ktest: the in-kernel tests (command line `test`); each of their lines
  (`test NAME ... ok`) becomes a test here.
- fault/*: deliberate kernel crashes (`fault=KIND`) must print a clear report
  and exit with the failure status.
- usertests: the user-mode suite (`-- usertests` on the command line);
  each of its lines becomes a test here.
- console/*: the normal boot starts init; two CPU-bound processes
  interleave; typed characters echo.
- browser/*: headless Chromium loads the live /proc page and renders the
  index (tools/browser_test.py).
- gdb/*: gdb attaches to QEMU's stub and stops at `kmain`, then in the
  scheduler and in `swtch`, by name.
- smp/*, limine/*: the stress suite and HTTP under load at 4 CPUs, and
  the Limine ISO under BIOS and UEFI with 2 CPUs (tools/smp_test.py).
- net/*: boots with an e1000 on QEMU's user network: ping, ifconfig, a card
  behind a PCI bridge, no card at all (tools/net_test.py).
- sockets/*: host programs talk to guest programs through QEMU's user
  network: UDP and TCP echo, 1 MiB each way, concurrent clients, the guest's
  wget against a host HTTP server (tools/sock_test.py).

Usage: tools/test.py [--kernel build/kernel.elf] [--accel tcg] [--only SUBSTRING]
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import net_test  # noqa: E402  (tools/net_test.py, next to this file)
import sock_test  # noqa: E402  (tools/sock_test.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_SUCCESS = 33  # isa-debug-exit: (0x10 << 1) | 1
QEMU_FAILURE = 35  # (0x11 << 1) | 1

results = []  # (name, passed, detail)


def report(name, passed, detail=""):
    results.append((name, passed, detail))
    line = f"{'PASS' if passed else 'FAIL'} {name}"
    if detail:
        line += f" ({detail})" if passed else f": {detail}"
    print(line, flush=True)


class Qemu:
    """A QEMU running the kernel, its serial console on our pipes.

    Output is collected by a reader thread; `wait_for` polls it with a
    deadline, so no test can hang the harness.
    """

    initrd = None  # set from the command line in main()

    def __init__(self, kernel, accel, cmdline="", memory="128M", extra=(), cpus=None):
        self.started = time.monotonic()
        args = [
            "qemu-system-x86_64", "-accel", accel, "-m", memory,
            # CPUs: `--cpus` (make test CPUS=N) sets OXV6_CPUS for every boot,
            # whichever module (or copy of this one) starts it.
            "-smp", str(cpus or os.environ.get("OXV6_CPUS", "2")),
            "-nographic", "-no-reboot", "-monitor", "none",
            "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]
        # kernel=None: boot from what `extra` names (a Limine ISO).
        if kernel is not None:
            args += ["-kernel", kernel, "-append", cmdline]
            if Qemu.initrd:
                args += ["-initrd", Qemu.initrd]
        args += extra
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                return
            with self.lock:
                self.output += chunk

    def text(self):
        with self.lock:
            return self.output.decode("utf-8", "replace").replace("\r", "")

    def wait_for(self, pattern, timeout):
        """Waits until `pattern` (a regex) appears; returns the match or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text())
            if match:
                return match
            if self.proc.poll() is not None:
                self.reader.join(timeout=1)
                return re.search(pattern, self.text())
            time.sleep(0.05)
        return None

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait_exit(self, timeout):
        """Waits for QEMU to exit; returns its status, or None on timeout."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self.reader.join(timeout=2)
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=2)


def run_host_tests(only):
    """Host `cargo test` of the host-buildable crates: one line per test."""
    if only and only not in "host/":
        return
    proc = subprocess.run(
        ["cargo", "test", "--workspace", "--exclude", "kernel", "--exclude", "user"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = 0
    for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED)$", proc.stdout, re.M):
        seen += 1
        report(f"host/{m.group(1)}", m.group(2) == "ok", "" if m.group(2) == "ok" else "see cargo test output")
    if proc.returncode != 0 or seen == 0:
        print(proc.stdout[-3000:])
        report("host/cargo-test", False, f"cargo test exited {proc.returncode} after {seen} tests")


def run_suite(kernel, accel, timeout, prefix, cmdline, success_status, extra=()):
    """Boots with `cmdline` and turns each `test NAME ... ok` line into a result."""
    qemu = Qemu(kernel, accel, cmdline, extra=extra)
    banner = qemu.wait_for(r"oxv6 booting", timeout)
    boot_seconds = time.monotonic() - qemu.started
    status = qemu.wait_exit(timeout)
    out = qemu.text()
    seen = 0
    for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED.*)$", out, re.M):
        seen += 1
        report(f"{prefix}/{m.group(1)}", m.group(2) == "ok", "" if m.group(2) == "ok" else m.group(2))
    summary = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    if status is None:
        report(f"{prefix}/run", False, f"timed out after {timeout} s; last output:\n{out[-1500:]}")
    elif summary is None or seen == 0 or status != success_status:
        report(f"{prefix}/run", False, f"exit status {status}; last output:\n{out[-1500:]}")
    else:
        report(f"{prefix}/run", True, f"{seen} tests, exit {status}")
    return out, banner is not None, boot_seconds


def run_docs_check(only):
    """Every `{{#include}}` in the book must point at real code."""
    if only and only not in "docs/":
        return
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools/check_docs.py")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "no output"
    report("docs/includes", proc.returncode == 0, last if proc.returncode == 0 else proc.stdout[-1500:])


def run_ktest(kernel, accel, timeout):
    # With an e1000 on the user network: the PCI and e1000 tests need it.
    out, banner, boot_seconds = run_suite(kernel, accel, timeout, "ktest", "test", QEMU_SUCCESS,
                                          extra=net_test.NET_ARGS)
    report("boot/banner", banner, f"banner after {boot_seconds:.2f} s")
    memory = re.search(r"memory: (\d+) frames free of (\d+) \((\d+) MiB\), heap (\d+) MiB", out)
    report("boot/memory-summary", memory is not None, memory.group(0) if memory else "no memory line")


def run_usertests(kernel, accel, timeout):
    # With a card on QEMU's user network, for the socket tests.
    out, _, _ = run_suite(kernel, accel, timeout, "usertests", "-- usertests", QEMU_SUCCESS,
                          extra=net_test.NET_ARGS)
    report("usertests/kernel-survived", "KERNEL" not in out, "" if "KERNEL" not in out else out[-1500:])


# Each deliberate crash and what its report must say.
FAULTS = {
    "page_fault": [r"KERNEL TRAP: page fault", r"cr2=0x00000000deadb000 \(read from an unmapped page\)",
                   r"backtrace:\n\s+#0\s+0xffffffff8"],
    "write_rodata": [r"KERNEL TRAP: page fault", r"write to a read-only page"],
    "divide": [r"KERNEL TRAP: divide error \(vector 0"],
    "invalid_opcode": [r"KERNEL TRAP: invalid opcode \(vector 6"],
    "stack_overflow": [r"KERNEL TRAP: double fault \(vector 8"],
    "panic": [r"KERNEL PANIC: deliberate panic", r"at kernel/src/ktest/faults.rs:\d+", r"backtrace:"],
    # The lock-order checker (sync/lockdep.rs): each rule names the locks.
    "lock_order": [r"KERNEL PANIC: lock order: CPU \d takes 'test_outer' while holding 'test_inner'"],
    "sleep_holding_lock": [r"KERNEL PANIC: sleep while holding lock 'test_inner' \(this CPU holds 'test_inner', 'procs'\)"],
    "spin_timeout": [r"KERNEL PANIC: spinlock 'test_outer': CPU \d spun for over 1 s with interrupts off"],
}


def run_faults(kernel, accel, timeout, only):
    for kind, patterns in FAULTS.items():
        name = f"fault/{kind}"
        if only and only not in name:
            continue
        qemu = Qemu(kernel, accel, f"fault={kind}")
        status = qemu.wait_exit(timeout)
        out = qemu.text()
        missing = [p for p in patterns if not re.search(p, out)]
        if status != QEMU_FAILURE:
            report(name, False, f"exit status {status}, expected {QEMU_FAILURE}")
        elif missing:
            report(name, False, f"report lacks {missing}; output:\n{out[-1200:]}")
        else:
            report(name, True)


def run_console(kernel, accel, timeout, only):
    """A normal boot, as `make qemu` does it: init starts the shell and the
    web server; typed keys echo; the host reaches the server through the
    forwarded port."""
    if only and only not in "console/":
        return
    port = free_port()
    net = ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:80", "-device", "e1000,netdev=n0"]
    qemu = Qemu(kernel, accel, "", extra=net)
    try:
        up = qemu.wait_for(r"init: started as pid 1", timeout)
        report("console/init-starts", up is not None, "" if up else qemu.text()[-800:])
        qemu.send(b"typed-by-test\r")
        echo = qemu.wait_for(r"typed-by-test\n", 10)
        report("console/input-echoes", echo is not None, "" if echo else qemu.text()[-500:])
        serving = qemu.wait_for(r"httpd: serving /www on port 80", timeout)
        status, body = None, b""
        deadline = time.monotonic() + 30
        while serving and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                    status, body = response.status, response.read()
                break
            except OSError:
                time.sleep(0.5)
        ok = status == 200 and b"<html" in body.lower()
        report("console/httpd-reachable-from-host", ok,
               f"GET / gave {status}, {len(body)} bytes" if serving else qemu.text()[-800:])
    finally:
        qemu.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_gdb(kernel, accel, timeout, only):
    """gdb attaches to QEMU's stub and stops by name at kmain, in the
    scheduler, and in swtch on the way into a process."""
    if only and only not in "gdb/":
        return
    if shutil.which("gdb") is None:
        report("gdb/installed", False, "gdb is not installed")
        return
    port = free_port()
    qemu = Qemu(kernel, accel, "", extra=["-gdb", f"tcp:127.0.0.1:{port}", "-S"])
    try:
        proc = subprocess.run(
            ["gdb", "-q", "-batch", "-nx", "-ex", f"file {kernel}",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "break kmain", "-ex", "continue", "-ex", "bt",
             "-ex", "delete", "-ex", "break scheduler", "-ex", "continue", "-ex", "bt 1",
             "-ex", "delete", "-ex", "break swtch", "-ex", "continue", "-ex", "bt 2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        out = proc.stdout
        # At opt-level 0 gdb names the function the breakpoint is in.
        checks = {
            "gdb/break-at-kmain": r"Breakpoint 1, [\s\S]*?(kernel::)?kmain \(",
            "gdb/break-in-scheduler": r"Breakpoint 2, [\s\S]*?scheduler \(",
            "gdb/break-in-swtch": r"Breakpoint 3, [\s\S]*?swtch \(",
        }
        for name, pattern in checks.items():
            hit = re.search(pattern, out)
            report(name, hit is not None, "" if hit else out[-800:])
    except subprocess.TimeoutExpired:
        report("gdb/session", False, f"gdb timed out after {timeout} s")
    finally:
        qemu.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default=os.path.join(ROOT, "build/kernel.elf"))
    parser.add_argument("--initrd", default=os.path.join(ROOT, "build/initrd.tar"))
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per QEMU boot")
    parser.add_argument("--only", default="", help="run only tests whose name contains this")
    parser.add_argument("--no-host", action="store_true", help="skip host cargo tests")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs for every QEMU boot (-smp)")
    args = parser.parse_args()
    Qemu.initrd = args.initrd
    os.environ["OXV6_CPUS"] = str(args.cpus)
    print(f"QEMU tests with {args.cpus} CPU(s) (-smp {args.cpus})", flush=True)

    if not args.no_host:
        run_host_tests(args.only)
    run_docs_check(args.only)
    if not args.only or "ktest/" in args.only or "boot/" in args.only:
        run_ktest(args.kernel, args.accel, args.timeout)
    if not args.only or "usertests/" in args.only:
        run_usertests(args.kernel, args.accel, args.timeout)
    run_faults(args.kernel, args.accel, args.timeout, args.only)
    run_console(args.kernel, args.accel, args.timeout, args.only)
    if not args.only or "shell/" in args.only:
        from shell_test import run_shell_tests
        run_shell_tests(args.kernel, args.initrd, args.accel, args.timeout, report)
    if not args.only or "http/" in args.only:
        from http_test import run_http_tests
        run_http_tests(args.kernel, args.initrd, args.accel, args.timeout, report)
    if not args.only or "browser/" in args.only:
        from browser_test import run_browser_tests
        run_browser_tests(args.kernel, args.initrd, args.accel, args.timeout, report, args.only)
    run_gdb(args.kernel, args.accel, args.timeout, args.only)
    if not args.only or "net/" in args.only:
        net_test.run_net_tests(args.kernel, args.initrd, args.accel, args.timeout, report, args.only)
        sock_test.run_sock_tests(args.kernel, args.initrd, args.accel, args.timeout, report, args.only)
    if not args.only or any(p in args.only for p in ("smp/", "limine/")):
        from smp_test import run_smp_tests
        run_smp_tests(args.kernel, args.initrd, args.accel, args.timeout, report, args.only)
    if not args.only or "tap/" in args.only:
        from tap_test import run_tap_tests
        run_tap_tests(args.kernel, args.initrd, args.accel, args.timeout, report, args.only)

    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    if failed:
        print("\nFailed:")
        for name, ok, _ in results:
            if not ok:
                print(f"  {name}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
