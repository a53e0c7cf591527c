#!/usr/bin/env python3
"""Kernel tests in QEMU: the in-kernel tests, the boot log, deliberate crashes.

- ktest/*: the in-kernel tests (kernel/src/ktest/mod.rs), booted with
  `test=FILTER` on the command line; each `test NAME ... ok` line is a
  result `ktest/NAME`.
- boot/*: the same boot prints its banner and a memory summary.
- fault/*: deliberate kernel crashes (`fault=KIND`) must print a clear
  report and exit with the failure status.

    tools/kernel_test.py [--kernel build/kernel.elf] [--only ktest/mem::]
"""

import re
import sys

import harness

KTESTS = harness.rust_test_names("kernel/src/ktest/mod.rs", "ktest")

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
    "spin_timeout": [r"KERNEL PANIC: spinlock 'test_outer': CPU \d spun for over 5 s with interrupts off"],
}

BOOT = ["boot/banner", "boot/memory-summary"]
NAMES = KTESTS + BOOT + [f"fault/{kind}" for kind in FAULTS]


def run_ktest(tests):
    # The kernel runs the tests whose full name (`ktest/NAME`) contains
    # the filter, the same rule as --only. With an e1000 on the user
    # network: the PCI and e1000 tests need it.
    out = harness.guest_suite(tests, "ktest", f"test={tests.only}", KTESTS, extra=harness.NET_ARGS)
    booted = re.search(r"oxv6 booting.*", out)
    tests.report("boot/banner", booted is not None, booted.group(0) if booted else out[-800:])
    memory = re.search(r"memory: (\d+) frames free of (\d+) \((\d+) MiB\), heap (\d+) MiB", out)
    tests.report("boot/memory-summary", memory is not None, memory.group(0) if memory else "no memory line")


def run_faults(tests):
    for kind, patterns in FAULTS.items():
        name = f"fault/{kind}"
        if not tests.selected(name):
            continue
        qemu = tests.boot(f"fault={kind}")
        status = qemu.wait_exit(tests.timeout)
        out = qemu.text()
        missing = [p for p in patterns if not re.search(p, out)]
        if status != harness.QEMU_FAILURE:
            tests.report(name, False, f"exit status {status}, expected {harness.QEMU_FAILURE}")
        elif missing:
            tests.report(name, False, f"report lacks {missing}; output:\n{out[-1200:]}")
        else:
            tests.report(name, True)


def run(tests):
    if tests.any_selected(KTESTS + BOOT):
        run_ktest(tests)
    run_faults(tests)


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
