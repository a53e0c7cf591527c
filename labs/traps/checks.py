"""Checks for the traps lab: the kernel's backtrace, read from a
deliberate panic and page fault (`fault=KIND`) and turned into function
names on the host with addr2line; sigalarm/sigreturn by the guest tests in
user/src/bin/labtests/traps_lab.rs."""

import re

from grade import check, expect, tail

FRAME = re.compile(r"^\s+#(\d+)\s+(0x[0-9a-f]+)$", re.M)


def backtrace(lab, kind):
    """The frames printed after `backtrace:` for `fault=KIND`, each as
    (number, address, function)."""
    output = lab.run_cmdline(f"fault={kind}")
    after = output.split("backtrace:", 1)
    expect(len(after) == 2, f"no `backtrace:` in the report:\n{tail(output, 600)}")
    frames = FRAME.findall(after[1])
    names = lab.symbolize([address for _, address in frames])
    return [(int(n), a, name) for (n, a), name in zip(frames, names)], output


@check("backtrace/panic", 15)
def backtrace_panic(lab):
    frames, output = backtrace(lab, "panic")
    names = [name for _, _, name in frames]
    expect(len(frames) >= 4, f"expected the chain of callers (4 frames or more), got {frames}")
    expect([n for n, _, _ in frames] == list(range(len(frames))), f"frames numbered 0, 1, 2...: {frames}")
    expect("kernel::ktest::faults::trigger" in names and "kmain" in names and
           names.index("kernel::ktest::faults::trigger") < names.index("kmain"),
           f"expected faults::trigger, then (further up) kmain; got {names}")


@check("backtrace/page-fault", 10)
def backtrace_page_fault(lab):
    frames, _ = backtrace(lab, "page_fault")
    names = [name for _, _, name in frames]
    expect(len(frames) >= 3 and frames[0][0] == 0 and frames[1][0] == 1,
           f"frame #0 (the faulting rip) and then the callers from #1: {frames}")
    expect("kmain" in names[1:], f"the callers should lead up to kmain: {names}")


@check("backtrace/ends-cleanly", 5)
def backtrace_ends(lab):
    frames, _ = backtrace(lab, "panic")
    unknown = [(n, a) for n, a, name in frames if name == "??"]
    expect(frames and not unknown and len(frames) < 32,
           f"every frame should be a kernel function and the walk stop at the entry code: {unknown or frames}")


ALARM_TESTS = ["alarm_calls_handler", "alarm_preserves_registers", "alarm_not_reentered",
               "alarm_off_stops_calls", "alarm_bad_requests"]


def alarm_check(name, points):
    @check(f"alarm/{name.removeprefix('alarm_').replace('_', '-')}", points)
    def run(lab):
        lab.guest_test("labtests traps::", f"traps::{name}")
    return run


alarm_calls = alarm_check("alarm_calls_handler", 15)
alarm_registers = alarm_check("alarm_preserves_registers", 20)
alarm_nested = alarm_check("alarm_not_reentered", 15)
alarm_off = alarm_check("alarm_off_stops_calls", 10)
alarm_errors = alarm_check("alarm_bad_requests", 10)
