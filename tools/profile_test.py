#!/usr/bin/env python3
"""The sampling profiler (kernel/src/profile.rs) and tools/profiler.py.

Boots with `-- profile cpuwork 2 20` (two children spinning in
`cpuwork::work`); `profile` prints the samples at the end. Checks:

- profile/dump: the samples are there, from user and kernel mode, with the
  processes' names;
- profile/hot-function: symbolized with the ELF files (the kernel's and
  the initrd's programs), the flat profile puts `cpuwork::work` on the
  stack of most samples, and every kernel address has a name;
- profile/flame-svg: the flame graph is well-formed SVG with a box for
  `cpuwork::work`, written to build/profile/flame.svg.
"""

import os
import sys
import types
import xml.etree.ElementTree as ElementTree

import harness
import profiler

NAMES = ["profile/dump", "profile/hot-function", "profile/flame-svg"]


def run(tests):
    report = tests.report
    qemu = tests.boot("-- profile cpuwork 2 20", extra=harness.NET_ARGS)
    status = qemu.wait_exit(tests.timeout)
    out = qemu.text()
    try:
        processes, stacks = profiler.parse(out)
    except ValueError as error:
        report("profile/dump", False, f"{error}; exit status {status}; last output:\n{out[-1500:]}",
               always=True)
        return
    modes = {mode for _, _, mode, _ in stacks}
    names = {name for _, name in processes.values()}
    ok = status == harness.QEMU_SUCCESS and modes == {"k", "u"} and "cpuwork" in names
    report("profile/dump", ok, f"{sum(s[0] for s in stacks)} samples, modes {sorted(modes)}, "
                               f"processes {sorted(names)}")

    build = os.path.dirname(os.path.abspath(tests.kernel))
    args = types.SimpleNamespace(kernel=tests.kernel, initrd=tests.initrd, programs="",
                                 out=os.path.join(build, "profile"), title="cpuwork 2 20",
                                 workload="cpuwork 2 20")
    folded = profiler.report(out, args, echo=False)
    total = sum(folded.values())
    on_stack = sum(count for stack, count in folded.items() if "cpuwork::work" in stack)
    unnamed = [stack for stack in folded if stack[0].endswith("[kernel]")
               and any(frame.startswith("0x") for frame in stack[1:])]
    ok = total > 0 and on_stack > total / 2 and not unnamed
    report("profile/hot-function", ok,
           f"cpuwork::work on {on_stack} of {total} stacks; unnamed kernel frames: {unnamed[:3]}")

    path = os.path.join(args.out, "flame.svg")
    try:
        root = ElementTree.parse(path).getroot()
        titles = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]
        ok = any(t.startswith("cpuwork::work:") for t in titles)
        report("profile/flame-svg", ok, f"{path}: {len(titles)} boxes")
    except (OSError, ElementTree.ParseError) as error:
        report("profile/flame-svg", False, f"{path}: {error}")


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
