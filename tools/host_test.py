#!/usr/bin/env python3
"""Host tests: `cargo test` on every crate that builds for the host.

Each libtest line `test NAME ... ok` is a result `host/NAME`. The names
come from `cargo test -- --list`; with --only, cargo runs just the
selected ones (`--exact`).

    tools/host_test.py [--only host/tcp::]
"""

import re
import subprocess
import sys

import harness

CARGO_TEST = ["cargo", "test", "--workspace", "--exclude", "kernel", "--exclude", "user"]


def _list():
    proc = subprocess.run(CARGO_TEST + ["--", "--list"], cwd=harness.ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [f"host/{m.group(1)}" for m in re.finditer(r"^(\S+): test$", proc.stdout, re.M)]


class _Names:
    """NAMES, listed by cargo the first time someone asks (it compiles the
    tests, which the run needs anyway). A failed build lists nothing but
    `host/cargo-test`, so the run still happens and reports the error."""

    def __init__(self):
        self.names = None

    def __iter__(self):
        if self.names is None:
            self.names = _list() + ["host/cargo-test"]
        return iter(self.names)

    def __contains__(self, name):
        return name in list(self)


NAMES = _Names()


def run(tests):
    command = list(CARGO_TEST)
    selected = [n for n in NAMES if tests.selected(n) and n != "host/cargo-test"]
    if tests.only and tests.only not in "host/":
        command += ["--", "--exact", *[n[len("host/"):] for n in selected]]
    proc = subprocess.run(command, cwd=harness.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = 0
    for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED)$", proc.stdout, re.M):
        seen += 1
        ok = m.group(2) == "ok"
        tests.report(f"host/{m.group(1)}", ok, "" if ok else "see cargo test output")
    if proc.returncode != 0 or seen == 0:
        print(proc.stdout[-3000:])
        tests.report("host/cargo-test", False, f"cargo test exited {proc.returncode} after {seen} tests",
                     always=True)


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
