#!/usr/bin/env python3
"""gdb attaches to QEMU's stub and stops by name at kmain, in the
scheduler, and in swtch on the way into a process.

    tools/gdb_test.py [--kernel build/kernel.elf]
"""

import re
import shutil
import subprocess
import sys

import harness

CHECKS = {
    # At opt-level 0 gdb names the function the breakpoint is in.
    "gdb/break-at-kmain": r"Breakpoint 1, [\s\S]*?(kernel::)?kmain \(",
    "gdb/break-in-scheduler": r"Breakpoint 2, [\s\S]*?scheduler \(",
    "gdb/break-in-swtch": r"Breakpoint 3, [\s\S]*?swtch \(",
}
NAMES = list(CHECKS) + ["gdb/installed", "gdb/session"]


def run(tests):
    if shutil.which("gdb") is None:
        tests.report("gdb/installed", False, "gdb is not installed", always=True)
        return
    port = harness.free_port()
    qemu = tests.boot("", extra=["-gdb", f"tcp:127.0.0.1:{port}", "-S"])
    try:
        proc = subprocess.run(
            ["gdb", "-q", "-batch", "-nx", "-ex", f"file {tests.kernel}",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "break kmain", "-ex", "continue", "-ex", "bt",
             "-ex", "delete", "-ex", "break scheduler", "-ex", "continue", "-ex", "bt 1",
             "-ex", "delete", "-ex", "break swtch", "-ex", "continue", "-ex", "bt 2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=tests.timeout)
        for name, pattern in CHECKS.items():
            hit = re.search(pattern, proc.stdout)
            tests.report(name, hit is not None, "" if hit else proc.stdout[-800:])
    except subprocess.TimeoutExpired:
        tests.report("gdb/session", False, f"gdb timed out after {tests.timeout} s", always=True)
    finally:
        qemu.kill()


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
