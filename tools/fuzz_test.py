"""The randomized system-call tester (user/src/bin/fuzz.rs), run on a
booted kernel: `fuzz CALLS FIRST_SEED SEEDS` must end with `fuzz: done`,
QEMU must exit cleanly, and the kernel must never report a panic or trap.

`make test` runs a fixed set of seeds (`fuzz/seeds-1-4`); `make
fuzz-syscalls` runs many more (this file as a script: `--calls`,
`--seeds`, `--first-seed`). A seed that crashes the kernel is replayed
with the same three numbers, and the call it found becomes a named test
in usertests/robustness.rs.

Standalone: python3 tools/fuzz_test.py [--calls N] [--seeds N] [--first-seed N]
"""

import re
import time

from test import Qemu, QEMU_SUCCESS

NET = ["-netdev", "user,id=n0", "-device", "e1000,netdev=n0"]


def run_fuzz_tests(kernel, initrd, accel, timeout, report, only="",
                   calls=5000, first_seed=1, seeds=4):
    name = f"fuzz/seeds-{first_seed}-{first_seed + seeds - 1}"
    if only and only not in name and not name.startswith(only):
        return
    Qemu.initrd = initrd
    started = time.monotonic()
    qemu = Qemu(kernel, accel, f"-- fuzz {calls} {first_seed} {seeds}", extra=NET)
    # Roughly 1,200 calls a second under TCG, plus a second per stuck worker.
    status = qemu.wait_exit(max(timeout, calls * seeds // 300))
    out = qemu.text()
    summary = re.search(r"^fuzz: (\d+) calls in ([\d.]+) s.*$", out, re.M)
    crashed = "KERNEL" in out or "panicked" in out
    ok = status == QEMU_SUCCESS and "fuzz: done" in out and not crashed and summary
    detail = (summary.group(0) + f" (boot to end {time.monotonic() - started:.0f} s)"
              if ok else f"exit status {status}; last output:\n{out[-2000:]}")
    report(name, bool(ok), detail)


if __name__ == "__main__":
    from standalone import arguments, run

    def options(parser):
        parser.add_argument("--calls", type=int, default=50_000, help="calls per seed")
        parser.add_argument("--first-seed", type=int, default=1)
        parser.add_argument("--seeds", type=int, default=20)

    args = arguments("Randomized system calls against a booted kernel.", options)
    run(lambda report: run_fuzz_tests(args.kernel, args.initrd, args.accel, args.timeout,
                                      report, args.only, args.calls, args.first_seed,
                                      args.seeds))
