#!/usr/bin/env python3
"""The randomized system-call tester (user/src/bin/fuzz.rs) on a booted kernel.

`fuzz CALLS FIRST_SEED SEEDS` must end with `fuzz: done`, QEMU must power
off cleanly, and the kernel must never report a panic or trap. `make test`
runs a fixed set of seeds (`fuzz/seeds`); `make fuzz-syscalls` runs this
file with more (`--calls`, `--first-seed`, `--seeds`). A seed that crashes
the kernel is replayed with the same three numbers, and the call it found
becomes a named test in user/src/bin/usertests/robustness.rs.

    tools/fuzz_test.py [--calls 50000] [--first-seed 1] [--seeds 20]
"""

import re
import sys
import time

import harness

NAMES = ["fuzz/seeds"]


def run(tests):
    calls = getattr(tests.options, "calls", 2500)
    first = getattr(tests.options, "first_seed", 1)
    seeds = getattr(tests.options, "seeds", 4)
    started = time.monotonic()
    qemu = tests.boot(f"-- fuzz {calls} {first} {seeds}", extra=harness.NET_ARGS)
    # About a thousand calls a second under TCG, and a second per worker
    # the watchdog has to stop: allow three times that.
    status = qemu.wait_exit(max(tests.timeout, calls * seeds * 3 // 1000))
    out = qemu.text()
    summary = re.search(r"^fuzz: (\d+) calls in ([\d.]+) s.*$", out, re.M)
    crashed = re.search(r"KERNEL (PANIC|TRAP)|panicked", out)
    ok = (status == harness.QEMU_SUCCESS and "fuzz: done" in out and not crashed
          and summary is not None)
    detail = (f"seeds {first}..{first + seeds - 1}: {summary.group(0)[6:]}, "
              f"{time.monotonic() - started:.0f} s from boot" if ok
              else f"exit status {status}; last output:\n{out[-2000:]}")
    tests.report("fuzz/seeds", ok, detail)


def options(parser):
    parser.add_argument("--calls", type=int, default=50_000, help="calls per seed")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=20)


if __name__ == "__main__":
    harness.main(sys.modules[__name__], options)
