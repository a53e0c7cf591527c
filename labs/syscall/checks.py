"""Checks for the syscall lab: `sysinfo` by the guest tests in
user/src/bin/labtests/syscall_lab.rs, `trace` by what the kernel prints
when /bin/trace runs a command (one boot per command line)."""

import os
import re

from grade import ROOT, check, expect, tail

TRACE_LINE = re.compile(r"^pid (\d+): (\w+) -> (-?\d+)$", re.M)
ALL = (1 << 64) - 1


def traced(lab, command):
    """The output of `trace ...` and its trace lines as (pid, name, result)."""
    output = lab.run(command)
    expect("no trace system call" not in output, "the kernel has no trace system call (ENOSYS)")
    return output, [(int(p), n, int(r)) for p, n, r in TRACE_LINE.findall(output)]


@check("sysinfo/free-memory", 15)
def sysinfo_free_memory(lab):
    lab.guest_test("labtests syscall::", "syscall::sysinfo_free_memory")


@check("sysinfo/processes", 15)
def sysinfo_processes(lab):
    lab.guest_test("labtests syscall::", "syscall::sysinfo_processes")


@check("sysinfo/bad-pointer", 10)
def sysinfo_bad_pointer(lab):
    lab.guest_test("labtests syscall::", "syscall::sysinfo_bad_pointer")


@check("trace/write", 15)
def trace_write(lab):
    output, lines = traced(lab, "trace 4096 echo hi")
    expect(re.search(r"^hi$", output, re.M), f"echo did not run: {tail(output, 400)}")
    expect([(n, r) for _, n, r in lines] == [("write", 3)],
           f"`trace 4096 echo hi` should print exactly one line `pid N: write -> 3`, got {lines}")


@check("trace/all-calls", 15)
def trace_all_calls(lab):
    output, lines = traced(lab, f"trace {ALL} grep o /etc/motd")
    size = os.path.getsize(os.path.join(ROOT, "rootfs/etc/motd"))
    calls = [(n, r) for _, n, r in lines]
    opened = [r for n, r in calls if n == "open"]
    expect(opened and opened[0] >= 3, f"expected `open -> 3` (or another descriptor), got {calls}")
    expect(("read", size) in calls and ("read", 0) in calls,
           f"expected `read -> {size}` (all of /etc/motd) then `read -> 0`, got {calls}")
    expect(len({p for p, _, _ in lines}) == 1, f"one process, one pid: {lines}")


@check("trace/errors", 10)
def trace_errors(lab):
    _, lines = traced(lab, "trace 65536 cat /no/such/file")
    expect([(n, r) for _, n, r in lines] == [("open", -2)],
           f"a failed open should print `open -> -2` (ENOENT), got {lines}")


@check("trace/children", 15)
def trace_children(lab):
    _, lines = traced(lab, "trace 2 labtests fork-tree")
    forks = {pid: result for pid, name, result in lines if name == "fork"}
    expect(len(forks) == 2, f"expected a fork line from the process and from its child, got {lines}")
    parent = min(forks)
    expect(forks.get(forks[parent]) is not None,
           f"the child (pid {forks[parent]}) did not inherit the mask: {lines}")


@check("trace/only-traced", 5)
def trace_only_traced(lab):
    output, lines = traced(lab, "trace 0 echo hi")
    expect(re.search(r"^hi$", output, re.M) and not lines, f"`trace 0` must print nothing: {lines}")
    _, lines = traced(lab, "trace 2 labtests fork-tree")
    expect(1 not in [p for p, _, _ in lines], "init (pid 1) is not traced, but printed")
