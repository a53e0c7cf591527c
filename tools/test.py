#!/usr/bin/env python3
"""oxv6 tests: host unit tests, the book, and QEMU integration tests.

Run by `make test`. Each test prints one line (`PASS name` or `FAIL name:
why`), and the run ends with one line `N passed, N failed`. The exit status
is 0 only if something ran and nothing failed.

Every test has a full name, `suite/test` (`host/tcp::tests::...`,
`ktest/mem::frame::alloc_free_no_leak`, `usertests/pipes::bytes_in_order`,
`http/404`). `--only TEXT` runs the tests whose full name contains TEXT; a
suite with none is not booted, and the kernel's and usertests' own filters
get TEXT too, so `--only usertests/pipes` boots once and runs only the
pipe tests.

The suites, in the order they run (each file says what it checks, and
runs on its own with the same options):

    host_test.py       host/*       cargo test on the host-buildable crates
    docs_test.py       docs/*       the book builds and matches the code
    transcript_test.py transcript/* the book's transcripts, replayed in QEMU
    kernel_test.py     ktest/*, boot/*, fault/*
    usertests_test.py  usertests/*  the user-mode suite
    console_test.py    console/*    a normal boot: init, echo, httpd
    shell_test.py      shell/*      command lines typed into /bin/sh
    http_test.py       http/*       httpd driven from the host
    browser_test.py    browser/*    headless Chromium against httpd
    gdb_test.py        gdb/*        breakpoints by name, and every helper of tools/gdb/
    trace_test.py      trace/*      the kernel's trace ring, drawn as a timeline
    profile_test.py    profile/*    the sampling profiler, symbolized, as a flame graph
    net_test.py        net/*        ping, ifconfig, PCI, on the user network
    sock_test.py       sockets/*    host peers for guest socket programs
    smp_test.py        smp/*, limine/*  stress and HTTP at 4 CPUs, Limine with 2
    fuzz_test.py       fuzz/*       random system calls, fixed seeds
    tap_test.py        tap/*        against Linux's TCP/IP (root only)

tools/harness.py holds what they share; the *How to add a test* page of the
book shows how to add a test or a suite.

Usage: tools/test.py [--kernel build/kernel.elf] [--accel tcg] [--cpus N] [--only TEXT]
                     [--no-host] [--skip host,docs,...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import browser_test  # noqa: E402
import console_test  # noqa: E402
import docs_test  # noqa: E402
import fuzz_test  # noqa: E402
import gdb_test  # noqa: E402
import host_test  # noqa: E402
import http_test  # noqa: E402
import kernel_test  # noqa: E402
import net_test  # noqa: E402
import profile_test  # noqa: E402
import shell_test  # noqa: E402
import sock_test  # noqa: E402
import smp_test  # noqa: E402
import tap_test  # noqa: E402
import trace_test  # noqa: E402
import transcript_test  # noqa: E402
import usertests_test  # noqa: E402

SUITES = [host_test, docs_test, transcript_test, kernel_test, usertests_test, console_test, shell_test,
          http_test, browser_test, gdb_test, trace_test, profile_test, net_test, sock_test, smp_test, fuzz_test,
          tap_test]


def main():
    def configure(parser):
        parser.add_argument("--no-host", action="store_true", help="skip the host cargo tests")
        parser.add_argument("--skip", default="",
                            help="suites to leave out, by file name without _test.py (e.g. host,docs,smp)")
    args = harness.arguments(__doc__.splitlines()[0], configure)
    skipped = {name for name in args.skip.split(",") if name}
    if args.no_host:
        skipped.add("host")
    tests = harness.tests_from(args)
    for suite in SUITES:
        if suite.__name__.removesuffix("_test") in skipped:
            print(f"{suite.__name__}: skipped (--skip)", flush=True)
            continue
        tests.run_suite(suite)
    sys.exit(tests.summary())


if __name__ == "__main__":
    main()
