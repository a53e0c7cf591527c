"""Checks for the util lab: the five programs, typed into the shell.

All of them share one boot (`lab.shell`), so the lab grades in seconds.
"""

import re
import time

from grade import check, expect

PRIMES_TO_100 = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79,
                 83, 89, 97]


@check("sleep/waits", 10)
def sleep_waits(lab):
    lab.shell("true")  # the boot, out of the timing
    started = time.monotonic()
    output = lab.shell("sleep 1; echo status $?")
    elapsed = time.monotonic() - started
    expect("status 0" in output, f"sleep 1 failed: {output!r}")
    expect(elapsed >= 0.95, f"sleep 1 returned after {elapsed:.2f} s")


@check("sleep/usage", 5)
def sleep_usage(lab):
    output = lab.shell("sleep; echo status $?")
    expect(re.search(r"usage", output) and "status 0" not in output,
           f"`sleep` without an argument should print a usage line and fail: {output!r}")


@check("pingpong", 20)
def pingpong(lab):
    output = lab.shell("pingpong; echo status $?")
    m = re.search(r"^(\d+): received ping\n(\d+): received pong\nstatus 0$", output, re.M)
    expect(m, f"expected `PID: received ping`, `PID: received pong`, status 0; got {output!r}")
    expect(m.group(1) != m.group(2), "ping and pong were printed by the same process")


@check("primes/35", 15)
def primes_35(lab):
    output = lab.shell("primes; echo status $?")
    found = [int(p) for p in re.findall(r"^prime (\d+)$", output, re.M)]
    expected = [p for p in PRIMES_TO_100 if p <= 35]
    expect(found == expected and "status 0" in output, f"expected prime lines {expected}, got {output!r}")


@check("primes/100", 10)
def primes_100(lab):
    output = lab.shell("primes 100 | wc -l; primes 100 | grep 97")
    expect(re.search(rf"^{len(PRIMES_TO_100)}\nprime 97$", output, re.M),
           f"primes 100: expected {len(PRIMES_TO_100)} lines ending with prime 97, got {output!r}")


def make_tree(lab):
    lab.shell("mkdir /tmp/t; mkdir /tmp/t/a; mkdir /tmp/t/a/b; echo hello > /tmp/t/b; "
              "echo hi > /tmp/t/a/b/b; echo hello > /tmp/t/a/c")


@check("find/recursive", 15)
def find_recursive(lab):
    make_tree(lab)
    output = lab.shell("find /tmp/t b")
    found = sorted(line for line in output.splitlines() if line.strip())
    expect(found == ["/tmp/t/a/b", "/tmp/t/a/b/b", "/tmp/t/b"],
           f"find /tmp/t b: expected /tmp/t/b, /tmp/t/a/b and /tmp/t/a/b/b, got {output!r}")


@check("find/no-match", 5)
def find_no_match(lab):
    output = lab.shell("find /tmp/t nothing; echo status $?")
    expect(output.strip() == "status 0", f"find of a name that is not there: {output!r}")


@check("xargs/words", 10)
def xargs_words(lab):
    output = lab.shell("echo hello too | xargs echo bye")
    expect(output.strip() == "bye hello too", f"expected `bye hello too`, got {output!r}")


@check("xargs/lines", 10)
def xargs_lines(lab):
    make_tree(lab)
    output = lab.shell("find /tmp/t c | xargs grep hello; find /tmp/t b | xargs wc -l")
    expect(re.search(r"^hello$", output, re.M), f"find | xargs grep: {output!r}")
    counts = re.findall(r"^\s*1\b", output, re.M)
    expect(len(counts) >= 2, f"find | xargs wc -l should run wc once per file found: {output!r}")
