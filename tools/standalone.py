"""Running one test module on its own, outside tools/test.py.

Every module under tools/*_test.py exposes `run_..._tests(kernel, initrd,
accel, timeout, report, ...)`; this gives each the same command line
(--kernel, --initrd, --accel, --timeout, --only, plus its own options) and
the same output: a PASS/FAIL line per test, then `N passed, N failed`.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arguments(description, configure=None):
    """The common command line, plus whatever `configure(parser)` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--kernel", default=os.path.join(ROOT, "build/kernel.elf"))
    parser.add_argument("--initrd", default=os.path.join(ROOT, "build/initrd.tar"))
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per QEMU boot")
    parser.add_argument("--only", default="", help="run only tests whose name contains this")
    if configure:
        configure(parser)
    return parser.parse_args()


def run(suite):
    """Calls `suite(report)`, prints the summary, exits 0 only if every
    test passed (and there was at least one)."""
    results = []

    def report(name, passed, detail=""):
        results.append(passed)
        line = f"{'PASS' if passed else 'FAIL'} {name}"
        if detail:
            line += f" ({detail})" if passed else f": {detail}"
        print(line, flush=True)

    suite(report)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    sys.exit(0 if results and all(results) else 1)
