#!/usr/bin/env python3
"""The kernel's trace ring and the host's timeline (tools/timeline.py).

Boots with `trace -- preempt` (two CPU-bound children that the timer must
interleave) on one CPU, then on two (trace/smp-*); at power-off the kernel
prints its trace ring. Checks:

- trace/dump: the dump is there, with every kind of event the scheduler
  and the trap paths record (run, stop, syscall, sysret, trap, wakeup);
- trace/interleaving: both children ran many separate times (preemption
  shows as alternating bars, not one long bar each);
- trace/timeline-svg: tools/timeline.py turns it into a well-formed SVG
  with a lane per child (and per CPU on two), written to build/timeline.svg
  and build/timeline-smp.svg (the Scheduling chapter shows copies).
"""

import os
import re
import sys
import xml.etree.ElementTree as ElementTree

import harness
import timeline

NAMES = ["trace/dump", "trace/interleaving", "trace/timeline-svg",
         "trace/smp-dump", "trace/smp-interleaving", "trace/smp-timeline-svg"]


def run(tests):
    # One CPU: the two children must take turns, which is the picture the
    # Scheduling chapter explains. Then two: a lane per CPU.
    trace = boot_and_check(tests, cpus=1, svg_name="timeline.svg")
    if trace is None:
        return
    boot_and_check(tests, cpus=2, svg_name="timeline-smp.svg", prefix="trace/smp-")


def boot_and_check(tests, cpus, svg_name, prefix="trace/"):
    """Boots `trace -- preempt` on `cpus` CPUs, checks the dump and draws it
    into build/`svg_name`; returns the parsed trace (None if it failed)."""
    report = tests.report
    qemu = tests.boot("trace -- preempt", cpus=cpus)
    status = qemu.wait_exit(tests.timeout)
    out = qemu.text()
    build = os.path.dirname(os.path.abspath(tests.kernel))
    with open(os.path.join(build, svg_name.replace(".svg", ".log")), "w") as f:
        f.write(out)
    if status != harness.QEMU_SUCCESS or "trace: end" not in out:
        report(prefix + "dump", False, f"exit status {status}; last output:\n{out[-1500:]}", always=True)
        return None
    trace = timeline.Trace(out)
    kinds = {event[2] for event in trace.events}
    wanted = {"run", "stop", "syscall", "sysret", "trap", "wakeup"}
    report(prefix + "dump", wanted <= kinds, f"{len(trace.events)} events, kinds {sorted(kinds)}")

    children = [int(pid) for pid in re.findall(r"preempt: [AB] \(pid (\d+)\) finished round 1", out)]
    runs = trace.runs()
    counts = {pid: sum(1 for r in runs if r[4] == pid) for pid in children}
    ok = len(children) == 2 and all(count >= 5 for count in counts.values())
    report(prefix + "interleaving", ok, f"runs per child: {counts}")

    svg = timeline.render(trace)
    path = os.path.join(build, svg_name)
    with open(path, "w") as f:
        f.write(svg)
    try:
        root = ElementTree.fromstring(svg)
        labels = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
        lanes = [pid for pid in children if any(label.startswith(f"pid {pid}") for label in labels)]
        cpu_lanes = [label for label in labels if re.fullmatch(r"CPU \d+", label)]
        bars = sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}rect"))
        # A lane per CPU only when there are several.
        ok = len(lanes) == 2 and bars > 10 and len(cpu_lanes) == (cpus if cpus > 1 else 0)
        report(prefix + "timeline-svg", ok, f"{path}: lanes for {lanes} and {cpu_lanes}, {bars} rects")
    except ElementTree.ParseError as error:
        report(prefix + "timeline-svg", False, f"not well-formed SVG: {error}")
    return trace


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
