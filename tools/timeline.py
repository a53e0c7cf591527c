#!/usr/bin/env python3
"""Draws the kernel's trace as an SVG timeline.

Input: the text of the trace ring (kernel/src/trace.rs), either a console
log with `trace: begin` ... `trace: end` in it (boot with `trace` on the
command line: the kernel prints it when it powers off), or a copy of
`/dev/trace`. Output: one SVG with

- one lane per process: a bar while it runs, a tick per system call, a dot
  where it was woken up;
- one lane per CPU when there are several: which process it ran;
- a lane of traps (the timer's in grey, devices' in orange) and one of
  packets (received in green, sent in blue).

    tools/timeline.py build/trace.log -o build/timeline.svg [--last-ms 500]
"""

import argparse
import html
import re
import sys

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac"]
TIMER_VECTOR = 32
LABEL_WIDTH, LANE_HEIGHT, WIDTH = 150, 22, 1000


class Trace:
    """The parsed dump: events (time_us, cpu, kind, a, b), names by pid."""

    def __init__(self, text):
        if "trace: begin" in text:
            text = text.split("trace: begin", 1)[1].split("trace: end", 1)[0]
        self.events, self.names, self.now = [], {}, None
        for line in text.replace("\r", "").splitlines():
            words = line.split()
            if len(words) >= 4 and words[0] == "name":
                self.names[int(words[2])] = " ".join(words[3:])
            elif len(words) == 2 and words[0] == "now":
                self.now = int(words[1])
            elif len(words) == 5 and re.fullmatch(r"\d+", words[0]):
                self.events.append((int(words[0]), int(words[1]), words[2], int(words[3]), int(words[4])))
        self.events.sort()

    def runs(self):
        """(start, end, cpu, slot, pid) for each stretch a process ran."""
        started, runs = {}, []
        for time, cpu, kind, a, b in self.events:
            if kind == "run":
                started[cpu] = (time, a, b)
            elif kind == "stop" and cpu in started:
                start, slot, pid = started.pop(cpu)
                runs.append((start, time, cpu, slot, pid))
        end = self.events[-1][0] if self.events else 0
        for cpu, (start, slot, pid) in started.items():  # still running
            runs.append((start, end, cpu, slot, pid))
        return runs


def render(trace, last_ms=None):
    if not trace.events:
        raise SystemExit("timeline: no events in the trace (was it switched on?)")
    end = trace.events[-1][0]
    start = max(trace.events[0][0], end - last_ms * 1000) if last_ms else trace.events[0][0]
    span = max(end - start, 1)
    runs = [r for r in trace.runs() if r[1] >= start]
    cpus = sorted({e[1] for e in trace.events})
    pids = sorted({r[4] for r in runs} | {e[4] for e in trace.events if e[2] == "wakeup"})
    colour = {pid: PALETTE[i % len(PALETTE)] for i, pid in enumerate(pids)}

    # Which pid a slot held at a time: the latest `run` of that slot before it.
    slot_runs = sorted((r[0], r[3], r[4]) for r in trace.runs())

    def pid_in_slot(slot, time):
        pid = None
        for t, s, p in slot_runs:
            if t > time:
                break
            if s == slot:
                pid = p
        return pid

    def x(time):
        return LABEL_WIDTH + (min(max(time, start), end) - start) * (WIDTH - LABEL_WIDTH - 10) / span

    lanes = [("pid", pid) for pid in pids]
    if len(cpus) > 1:
        lanes += [("cpu", cpu) for cpu in cpus]
    lanes += [("traps", None), ("packets", None)]
    top = 30
    height = top + LANE_HEIGHT * len(lanes) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="4" y="16" font-size="12">oxv6 trace: {span / 1000:.1f} ms, '
           f'{len(cpus)} CPU(s), {len(trace.events)} events</text>']
    row = {lane: i for i, lane in enumerate(lanes)}

    def lane_y(lane):
        return top + row[lane] * LANE_HEIGHT

    for lane in lanes:
        y = lane_y(lane)
        kind, key = lane
        label = {"pid": lambda: f"pid {key} {trace.names.get(key, '')}",
                 "cpu": lambda: f"CPU {key}", "traps": lambda: "traps",
                 "packets": lambda: "packets"}[kind]()
        out.append(f'<text x="4" y="{y + 15}">{html.escape(label)}</text>')
        out.append(f'<line x1="{LABEL_WIDTH}" x2="{WIDTH - 10}" y1="{y + LANE_HEIGHT - 1}" '
                   f'y2="{y + LANE_HEIGHT - 1}" stroke="#ddd"/>')
    for run_start, run_end, cpu, slot, pid in runs:
        left, right = x(run_start), x(run_end)
        width = max(right - left, 0.5)
        y = lane_y(("pid", pid))
        out.append(f'<rect x="{left:.1f}" y="{y + 4}" width="{width:.1f}" height="{LANE_HEIGHT - 8}" '
                   f'fill="{colour[pid]}"><title>pid {pid} on CPU {cpu}: '
                   f'{(run_end - run_start) / 1000:.2f} ms</title></rect>')
        if len(cpus) > 1:
            y = lane_y(("cpu", cpu))
            out.append(f'<rect x="{left:.1f}" y="{y + 4}" width="{width:.1f}" height="{LANE_HEIGHT - 8}" '
                       f'fill="{colour[pid]}"/>')
    for time, cpu, kind, a, b in trace.events:
        if time < start:
            continue
        px = x(time)
        if kind == "syscall":
            pid = pid_in_slot(a, time)
            if ("pid", pid) in row:
                y = lane_y(("pid", pid))
                out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y + 1}" y2="{y + 5}" stroke="black">'
                           f'<title>system call {b}</title></line>')
        elif kind == "wakeup" and ("pid", b) in row:
            y = lane_y(("pid", b))
            out.append(f'<circle cx="{px:.1f}" cy="{y + LANE_HEIGHT - 4}" r="2" fill="red"/>')
        elif kind == "trap":
            y = lane_y(("traps", None))
            stroke = "#999" if a == TIMER_VECTOR else "#f28e2b"
            out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y + 4}" y2="{y + LANE_HEIGHT - 4}" '
                       f'stroke="{stroke}"><title>vector {a}</title></line>')
        elif kind in ("rx", "tx"):
            y = lane_y(("packets", None))
            stroke = "#59a14f" if kind == "rx" else "#4e79a7"
            y1, y2 = (y + 4, y + LANE_HEIGHT // 2) if kind == "rx" else (y + LANE_HEIGHT // 2, y + LANE_HEIGHT - 4)
            out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y1}" y2="{y2}" stroke="{stroke}">'
                       f'<title>{kind} {a} bytes</title></line>')
    # The time axis: a tick every 10, 50, 100... ms, about ten in all.
    axis = top + LANE_HEIGHT * len(lanes) + 4
    step = next(s for s in (1, 5, 10, 50, 100, 500, 1000, 5000) if span / 1000 / s <= 12) * 1000
    tick = (start // step + 1) * step
    while tick <= end:
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{axis}" stroke="#eee"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{axis + 12}" text-anchor="middle">{tick / 1e6:.3f} s</text>')
        tick += step
    out.append(f'<text x="4" y="{axis + 28}">bar: running; black tick: system call; red dot: woken up; '
               'traps: grey = timer, orange = device; packets: green = in, blue = out</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="console log or /dev/trace copy ('-' for stdin)")
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("--last-ms", type=int, help="only the last N milliseconds")
    args = parser.parse_args()
    text = sys.stdin.read() if args.input == "-" else open(args.input, errors="replace").read()
    svg = render(Trace(text), args.last_ms)
    if args.output == "-":
        sys.stdout.write(svg)
    else:
        with open(args.output, "w") as f:
            f.write(svg)


if __name__ == "__main__":
    main()
