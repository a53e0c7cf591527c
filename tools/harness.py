"""What every oxv6 test suite shares: the QEMU runner, the results, ports.

A suite is a module (tools/*_test.py) with two things:

- `NAMES`: the full name of every test it can report (`http/404`,
  `usertests/pipes::bytes_in_order`). The runner boots a suite only if one
  of these contains the `--only` filter, and a result under a name not in
  the list fails, so the list cannot fall behind the code.
- `run(tests)`: runs the tests, booting QEMU with `tests.boot(...)` and
  recording each outcome with `tests.report(name, passed, detail)`.

`--only TEXT` means one thing everywhere: run the tests whose full name
contains TEXT (`--only usertests/pipes` runs the pipe tests and nothing
else). Results under other names are not recorded.

tools/test.py runs every suite; each suite also runs on its own through
`harness.main(module)` at the bottom of its file, with the same options.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time
import traceback

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)

# isa-debug-exit turns the guest's `out 0xf4, value` into QEMU's exit
# status (value << 1) | 1: the kernel writes 0x10 for success, 0x11 for
# failure (kernel/src/dev/qemu.rs).
QEMU_SUCCESS = 33
QEMU_FAILURE = 35

# One e1000 on QEMU's user network (the guest is 10.0.2.15, the gateway
# 10.0.2.2).
NET_ARGS = ["-netdev", "user,id=n0", "-device", "e1000,netdev=n0"]


def user_net(host_port):
    """NET_ARGS with the host's 127.0.0.1:`host_port` forwarded to the
    guest's port 80."""
    return ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{host_port}-:80", "-device", "e1000,netdev=n0"]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Qemu:
    """A QEMU running the kernel, its serial console on our pipes.

    Output is collected by a reader thread; `wait_for` polls it with a
    deadline, so no test can hang the harness.
    """

    def __init__(self, kernel, accel, cmdline="", initrd=None, memory="128M", extra=(), cpus=None):
        self.started = time.monotonic()
        args = [
            "qemu-system-x86_64", "-accel", accel, "-m", memory,
            # CPUs: `--cpus N` (make test CPUS=N) sets OXV6_CPUS for every
            # boot of the run; a suite that needs a count of its own says so.
            "-smp", str(cpus or os.environ.get("OXV6_CPUS", "2")),
            "-nographic", "-no-reboot", "-monitor", "none",
            "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]
        # kernel=None: boot from what `extra` names (a Limine ISO).
        if kernel is not None:
            args += ["-kernel", kernel, "-append", cmdline]
            if initrd:
                args += ["-initrd", initrd]
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


class Tests:
    """One test run: the kernel and options every suite needs, the
    `--only` filter, and the results so far."""

    def __init__(self, kernel, initrd, accel="tcg", timeout=120, only="", options=None):
        self.kernel = kernel
        self.initrd = initrd
        self.accel = accel
        self.timeout = timeout
        self.only = only
        # The parsed command line, for suites with options of their own.
        self.options = options or argparse.Namespace()
        self.results = []  # (name, passed, detail)
        self.declared = None  # NAMES of the suite running now

    def selected(self, name):
        """Whether `--only` selects the test called `name`."""
        return self.only in name

    def any_selected(self, names):
        return any(self.selected(name) for name in names)

    def boot(self, cmdline="", extra=(), memory="128M", cpus=None):
        """Starts QEMU on the kernel and initrd under test, with `cpus`
        CPUs (default: the run's `--cpus`)."""
        return Qemu(self.kernel, self.accel, cmdline, initrd=self.initrd, memory=memory, extra=extra,
                    cpus=cpus)

    def report(self, name, passed, detail="", always=False):
        """Records one result and prints its line: `PASS name (detail)` or
        `FAIL name: detail`. Results `--only` did not select are dropped,
        except `always` ones (a whole boot that went wrong)."""
        if always:
            pass
        elif self.declared is not None and name not in self.declared:
            detail = f"'{name}' is not in its suite's NAMES (add it there); {detail}"
            passed = False
        elif not self.selected(name):
            return
        passed = bool(passed)
        self.results.append((name, passed, detail))
        line = f"{'PASS' if passed else 'FAIL'} {name}"
        if detail:
            line += f" ({detail})" if passed else f": {detail}"
        print(line, flush=True)

    def run_suite(self, suite):
        """Runs `suite` (a module with NAMES and run) if `--only` selects
        any of its tests."""
        if not self.any_selected(suite.NAMES):
            return
        self.declared = set(suite.NAMES)
        try:
            suite.run(self)
        except Exception:  # a bug in one suite must not hide the others' results
            prefix = next(iter(suite.NAMES)).split("/")[0]
            self.report(f"{prefix}/suite-crashed", False, traceback.format_exc()[-1500:], always=True)
        finally:
            self.declared = None

    def summary(self):
        """Prints the failures and `N passed, N failed`; returns the exit
        status: 0 only if something ran and nothing failed."""
        passed = sum(1 for _, ok, _ in self.results if ok)
        failed = len(self.results) - passed
        if failed:
            print("\nFailed:")
            for name, ok, _ in self.results:
                if not ok:
                    print(f"  {name}")
        if not self.results:
            print(f"no test name contains {self.only!r}")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed or not self.results else 0


def arguments(description, configure=None):
    """The command line every runner takes, plus whatever
    `configure(parser)` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--kernel", default=os.path.join(ROOT, "build/kernel.elf"))
    parser.add_argument("--initrd", default=os.path.join(ROOT, "build/initrd.tar"))
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per QEMU boot")
    parser.add_argument("--only", default="",
                        help="run only the tests whose full name contains this (e.g. usertests/pipes)")
    parser.add_argument("--cpus", type=int, default=int(os.environ.get("OXV6_CPUS", "2")),
                        help="CPUs for every QEMU boot (-smp; default 2)")
    if configure:
        configure(parser)
    return parser.parse_args()


def tests_from(args):
    os.environ["OXV6_CPUS"] = str(args.cpus)
    print(f"QEMU boots with {args.cpus} CPU(s) (-smp {args.cpus}) unless a suite says otherwise", flush=True)
    return Tests(args.kernel, args.initrd, args.accel, args.timeout, args.only, args)


def main(suite, configure=None):
    """Runs one suite on its own: `tools/http_test.py --only http/404`."""
    args = arguments((suite.__doc__ or "").strip().splitlines()[0], configure)
    tests = tests_from(args)
    tests.run_suite(suite)
    sys.exit(tests.summary())


def rust_test_names(path, prefix):
    """The names in the `TESTS` table of a Rust test runner (the ktest and
    usertests tables: `("name", function)` pairs), each as `prefix/name`."""
    with open(os.path.join(ROOT, path)) as f:
        source = f.read()
    table = re.search(r"const TESTS: &\[Test\] = &\[(.*?)\n\];", source, re.S)
    if table is None:
        raise RuntimeError(f"{path}: no `const TESTS: &[Test] = &[...];` table")
    return [f"{prefix}/{name}" for name in re.findall(r"\(\s*\"([^\"]+)\",", table.group(1))]


def guest_suite(tests, prefix, cmdline, names, extra=(), timeout=None):
    """Boots a guest-side test runner (ktest, usertests) whose `cmdline`
    already carries the filter, and turns each `test NAME ... ok` line into
    a result `prefix/NAME`. The runner must run exactly the tests `--only`
    selects from `names`; anything else, a missing summary or a failing
    exit status is reported as `prefix/run`. Returns the serial output.
    `timeout` (default: the run's) is for the whole boot."""
    timeout = timeout or tests.timeout
    qemu = tests.boot(cmdline, extra=extra)
    status = qemu.wait_exit(timeout)
    out = qemu.text()
    ran = []
    for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED.*)$", out, re.M):
        ran.append(f"{prefix}/{m.group(1)}")
        tests.report(ran[-1], m.group(2) == "ok", "" if m.group(2) == "ok" else m.group(2))
    expected = [n for n in names if tests.selected(n)]
    summary = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    if status is None:
        problem = f"timed out after {timeout} s"
    elif sorted(ran) != sorted(expected):
        problem = (f"ran {len(ran)} tests, expected {len(expected)}: "
                   f"missing {sorted(set(expected) - set(ran))}, unexpected {sorted(set(ran) - set(expected))}")
    elif summary is None:
        problem = "no `N passed, N failed` line"
    elif status != QEMU_SUCCESS and int(summary.group(2)) == 0:
        problem = f"exit status {status} with no failed test"
    elif re.search(r"KERNEL (PANIC|TRAP)", out):
        problem = "the kernel crashed"
    else:
        problem = None
    if problem:
        tests.report(f"{prefix}/run", False, f"{problem}; last output:\n{out[-1500:]}", always=True)
    return out
