#!/usr/bin/env python3
"""The book: tools/check_docs.py must pass (see there for what it checks).

    tools/docs_test.py
"""

import os
import subprocess
import sys

import harness

NAMES = ["docs/book"]


def run(tests):
    proc = subprocess.run([sys.executable, os.path.join(harness.TOOLS, "check_docs.py")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "no output"
    tests.report("docs/book", proc.returncode == 0, last if proc.returncode == 0 else proc.stdout[-3000:])


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
