#!/usr/bin/env python3
"""usertests in QEMU: the user-mode test suite (user/src/bin/usertests/).

Boots with `-- usertests FILTER`: init runs `/bin/usertests FILTER`, which
runs the tests whose full name (`usertests/NAME`) contains FILTER, the same
rule as --only, and powers off with its status. Each `test NAME ... ok`
line is a result `usertests/NAME`.

    tools/usertests_test.py [--kernel build/kernel.elf] [--only usertests/pipes]
"""

import sys

import harness

NAMES = harness.rust_test_names("user/src/bin/usertests/main.rs", "usertests")


def run(tests):
    # With a card on QEMU's user network, for the socket tests.
    # The whole suite takes about a minute under TCG; allow for a slow host.
    harness.guest_suite(tests, "usertests", f"-- usertests {tests.only}".rstrip(), NAMES,
                        extra=harness.NET_ARGS, timeout=max(tests.timeout, 400))


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
