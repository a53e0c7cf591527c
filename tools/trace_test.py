#!/usr/bin/env python3
"""The kernel's trace ring and the host's timeline (tools/timeline.py).

Boots with `trace -- preempt` (two CPU-bound children that the timer must
interleave); at power-off the kernel prints its trace ring. Checks:

- trace/dump: the dump is there, with every kind of event the scheduler
  and the trap paths record (run, stop, syscall, sysret, trap, wakeup);
- trace/interleaving: both children ran many separate times (preemption
  shows as alternating bars, not one long bar each);
- trace/timeline-svg: tools/timeline.py turns it into a well-formed SVG
  with a lane per child, written to build/timeline.svg (the Scheduling
  chapter shows a copy).
"""

import os
import re
import sys
import xml.etree.ElementTree as ElementTree

import harness
import timeline

NAMES = ["trace/dump", "trace/interleaving", "trace/timeline-svg"]


def run(tests):
    report = tests.report
    qemu = tests.boot("trace -- preempt")
    status = qemu.wait_exit(tests.timeout)
    out = qemu.text()
    build = os.path.dirname(os.path.abspath(tests.kernel))
    with open(os.path.join(build, "trace.log"), "w") as f:
        f.write(out)
    if status != harness.QEMU_SUCCESS or "trace: end" not in out:
        report("trace/dump", False, f"exit status {status}; last output:\n{out[-1500:]}", always=True)
        return
    trace = timeline.Trace(out)
    kinds = {event[2] for event in trace.events}
    wanted = {"run", "stop", "syscall", "sysret", "trap", "wakeup"}
    report("trace/dump", wanted <= kinds, f"{len(trace.events)} events, kinds {sorted(kinds)}")

    children = [int(pid) for pid in re.findall(r"preempt: [AB] \(pid (\d+)\) finished round 1", out)]
    runs = trace.runs()
    counts = {pid: sum(1 for r in runs if r[4] == pid) for pid in children}
    ok = len(children) == 2 and all(count >= 5 for count in counts.values())
    report("trace/interleaving", ok, f"runs per child: {counts}")

    svg = timeline.render(trace)
    path = os.path.join(build, "timeline.svg")
    with open(path, "w") as f:
        f.write(svg)
    try:
        root = ElementTree.fromstring(svg)
        labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        lanes = [pid for pid in children if any(label and label.startswith(f"pid {pid}") for label in labels)]
        bars = sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}rect"))
        ok = len(lanes) == 2 and bars > 10
        report("trace/timeline-svg", ok, f"{path}: lanes for {lanes}, {bars} rects")
    except ElementTree.ParseError as error:
        report("trace/timeline-svg", False, f"not well-formed SVG: {error}")


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
