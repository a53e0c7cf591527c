#!/usr/bin/env python3
"""Profiles a workload in QEMU: a flat profile and a flame graph.

Boots the kernel with `-- profile ...` (user/src/bin/profile.rs), which
switches the kernel's sampling profiler on (kernel/src/profile.rs), runs
the workload, and prints `/dev/profile` on the serial line when it is done.
This tool reads that text and names every sampled address with the symbols
of the kernel's ELF file (kernel samples) or of the program's own ELF file
(user samples, found by the process's name in the initrd's bin/, whose
programs keep their symbols; or in --programs). It writes, in
--out:

    profile.log   the console output, samples included
    flat.txt      self and total samples per function, the hottest first
    folded.txt    one line per stack, `process;outer;...;inner COUNT`
                  (the "folded" format of Brendan Gregg's flamegraph.pl)
    flame.svg     the flame graph: one box per function on a stack, as wide
                  as its share of the samples, callers below callees

Workloads: a guest command line (`cpuwork 2 20`, `bench pipe_throughput_mb_s`),
or an HTTP load on httpd from the host through QEMU's user network:
`http-keepalive` (many requests per connection), `http-close` (a connection
per request), `http-big` (the 1 MiB file, one connection).

    tools/profiler.py --kernel build/release/kernel.elf --initrd build/release/initrd.tar \\
        --workload http-keepalive --out build/profile

`make profile WORKLOAD=...` runs it on the release build. Also
`tools/profiler.py --report profile.log ...` redoes the reports from a log.
"""

import argparse
import bisect
import collections
import html
import os
import re
import subprocess
import tarfile
import tempfile
import sys
import threading
import time
import urllib.request
import http.client
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HTTP_WORKLOADS = {
    # name: (path, keep-alive?, client threads)
    "http-keepalive": ("/index.html", True, 8),
    "http-close": ("/index.html", False, 8),
    "http-big": ("/big.txt", True, 1),
}


# ANCHOR: parse
def parse(text):
    """The `profile: begin` ... `profile: end` block of a console log:
    ({index: (pid, name)}, [(count, index, mode, [address, ...])])."""
    if "profile: begin" not in text:
        raise ValueError("no profile in the output (did the workload run?)")
    block = text.split("profile: begin", 1)[1].split("profile: end", 1)[0]
    processes, stacks = {}, []
    for line in block.replace("\r", "").splitlines():
        words = line.split()
        if len(words) >= 4 and words[0] == "process":
            processes[int(words[1])] = (int(words[2]), " ".join(words[3:]))
        elif len(words) >= 4 and words[0].isdigit() and words[2] in ("k", "u"):
            stacks.append((int(words[0]), int(words[1]), words[2], [int(a, 16) for a in words[3:]]))
    return processes, stacks
# ANCHOR_END: parse


class Symbols:
    """An ELF file's function symbols (from `nm`), looked up by address."""

    def __init__(self, path):
        self.starts, self.names = [], []
        if not path or not os.path.exists(path):
            return
        out = subprocess.run(["nm", "-n", "-C", "--defined-only", path],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[1] in "tTwW":
                self.starts.append(int(parts[0], 16))
                self.names.append(short_name(parts[2]))

    def name(self, address):
        i = bisect.bisect_right(self.starts, address) - 1
        return self.names[i] if i >= 0 else f"{address:#x}"


def short_name(symbol):
    """`kernel::fs::pipe::Pipe::read::h0123...` -> `fs::pipe::Pipe::read`:
    no hash, no crate prefix of our own binaries, shorter generics."""
    symbol = re.sub(r"::h[0-9a-f]{16}$", "", symbol)
    symbol = re.sub(r"^(kernel|user|net|libsys|kcore|http)::", "", symbol)
    return re.sub(r"<(\w+::)+", "<", symbol)


def symbolize(processes, stacks, kernel, programs):
    """Folded stacks: {("process", "outer", ..., "inner"): count}."""
    cache = {}

    def symbols(path):
        if path not in cache:
            cache[path] = Symbols(path)
        return cache[path]

    folded = collections.Counter()
    for count, index, mode, addresses in stacks:
        pid, name = processes.get(index, (0, "?"))
        if mode == "k":
            table, root = symbols(kernel), f"{name} [kernel]"
        else:
            table, root = symbols(os.path.join(programs, name)), name
        # Return addresses point after the call: look up the byte before.
        frames = [table.name(a if i == 0 else a - 1) for i, a in enumerate(addresses)]
        folded[(root, *reversed(frames))] += count
    return folded


def flat(folded):
    """Lines of the flat profile: self and total samples per function."""
    total = sum(folded.values()) or 1
    self_count, total_count = collections.Counter(), collections.Counter()
    for stack, count in folded.items():
        self_count[stack[-1]] += count
        for frame in set(stack[1:]):
            total_count[frame] += count
    lines = [f"# {total} samples; self = the function itself, total = it and what it called",
             f"{'self':>6} {'self%':>6} {'total%':>6}  function"]
    for function, count in self_count.most_common(40):
        lines.append(f"{count:6} {100 * count / total:5.1f}% {100 * total_count[function] / total:5.1f}%  {function}")
    return "\n".join(lines) + "\n"


# ANCHOR: flame
def flame_svg(folded, title, width=1200, row=17):
    """A flame graph: the process at the bottom, each callee on top of its
    caller, every box as wide as the samples it was on the stack for."""
    tree = {"count": 0, "children": {}}
    for stack, count in folded.items():
        node = tree
        node["count"] += count
        for frame in stack:
            node = node["children"].setdefault(frame, {"count": 0, "children": {}})
            node["count"] += count
    total = tree["count"] or 1
    boxes = []

    def place(node, x, depth):
        for name, child in sorted(node["children"].items()):
            w = child["count"] * width / total
            if w >= 0.5:
                boxes.append((x, depth, w, name, child["count"]))
                place(child, x, depth + 1)
            x += w

    place(tree, 0, 0)
    depth = max((b[1] for b in boxes), default=0) + 1
    height = (depth + 2) * row
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           f'<text x="4" y="{row - 4}">{html.escape(title)} ({total} samples)</text>']
    for x, d, w, name, count in boxes:
        y = height - (d + 1) * row
        hue = 20 + (sum(map(ord, name)) % 40) if "[kernel]" not in name else 200
        label = html.escape(name)
        out.append(f'<g><title>{label}: {count} samples ({100 * count / total:.1f}%)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" '
                   f'fill="hsl({hue},80%,60%)"/>')
        chars = int(w / 7)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append(f'<text x="{x + 2:.1f}" y="{y + row - 5}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
# ANCHOR_END: flame


def http_load(port, workload, seconds, client="wrk"):
    """Loads httpd from the host for `seconds` (with `wrk` if the host has
    it, as the benchmarks do; otherwise with Python threads); returns a
    line saying how many requests were done."""
    path, keep_alive, threads = HTTP_WORKLOADS[workload]
    if client == "wrk" and shutil.which("wrk"):
        connections = ["-t2", "-c32"] if threads > 1 else ["-t1", "-c1"]
        header = [] if keep_alive else ["-H", "Connection: close"]
        out = subprocess.run(["wrk", *connections, f"-d{seconds}s", *header,
                              f"http://127.0.0.1:{port}{path}"],
                             capture_output=True, text=True).stdout
        rate = re.search(r"Requests/sec:\s*(\S+)", out)
        return f"wrk {' '.join(connections)}: {rate.group(1) if rate else '?'} requests/s"
    deadline = time.monotonic() + seconds
    done = [0] * threads

    def client(i):
        conn = None
        while time.monotonic() < deadline:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                headers = {} if keep_alive else {"Connection": "close"}
                conn.request("GET", path, headers=headers)
                conn.getresponse().read()
                done[i] += 1
                if not keep_alive:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                conn = None
                time.sleep(0.05)

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return f"{sum(done)} requests in {seconds} s"


def run(args):
    """Boots the workload under the profiler; returns the console text."""
    extra, port = [], None
    if args.workload in HTTP_WORKLOADS:
        port = harness.free_port()
        extra = harness.user_net(port)
        cmdline = f"-- profile -s {args.seconds + 2} httpd"
    else:
        extra = list(harness.NET_ARGS)
        cmdline = f"-- profile {args.workload}"
    qemu = harness.Qemu(args.kernel, args.accel, cmdline, initrd=args.initrd, extra=extra,
                        cpus=args.cpus)
    try:
        if port:
            if not qemu.wait_for(r"httpd: (listening|serving)", 60):
                ready = time.monotonic() + 30
                while time.monotonic() < ready:
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                        break
                    except OSError:
                        time.sleep(0.2)
            load = http_load(port, args.workload, args.seconds, args.client)
            print(f"profile: {load} from the host")
        qemu.wait_exit(args.timeout)
    finally:
        qemu.kill()
    return qemu.text()


def report(text, args, echo=True):
    processes, stacks = parse(text)
    with tempfile.TemporaryDirectory(prefix="oxv6-profile-") as tmp:
        programs = args.programs
        if not programs:
            programs = os.path.join(tmp, "bin")
            os.makedirs(programs)
            # Each program's bytes, written under its own name only (no
            # paths from the archive: Debian 12's Python has no
            # `extractall(filter=...)` to make that safe).
            with tarfile.open(args.initrd) as initrd:
                for member in initrd.getmembers():
                    if member.name.startswith("bin/") and member.isfile():
                        with open(os.path.join(programs, os.path.basename(member.name)), "wb") as f:
                            f.write(initrd.extractfile(member).read())
        folded = symbolize(processes, stacks, args.kernel, programs)
    os.makedirs(args.out, exist_ok=True)
    flat_text = flat(folded)
    with open(os.path.join(args.out, "flat.txt"), "w") as f:
        f.write(flat_text)
    with open(os.path.join(args.out, "folded.txt"), "w") as f:
        for stack, count in sorted(folded.items()):
            f.write(";".join(stack) + f" {count}\n")
    with open(os.path.join(args.out, "flame.svg"), "w") as f:
        f.write(flame_svg(folded, args.title or f"oxv6: {args.workload}"))
    if echo:
        print(flat_text, end="")
        print(f"profile: {args.out}/flat.txt, folded.txt, flame.svg")
    return folded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="build/release/kernel.elf")
    parser.add_argument("--initrd", default="build/release/initrd.tar")
    parser.add_argument("--programs", default="",
                        help="the folder of the user programs' ELF files (default: the initrd's bin/)")
    parser.add_argument("--workload", default="http-keepalive",
                        help="http-keepalive, http-close, http-big, or a guest command line")
    parser.add_argument("--seconds", type=int, default=8, help="how long an HTTP load runs")
    parser.add_argument("--cpus", type=int, default=1)
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk",
                        help="what loads httpd (wrk, if the host has it, else Python threads)")
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--out", default="build/profile")
    parser.add_argument("--title", default="")
    parser.add_argument("--report", metavar="LOG", help="make the reports from a saved log")
    args = parser.parse_args()
    if args.report:
        with open(args.report) as f:
            text = f.read()
    else:
        text = run(args)
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "profile.log"), "w") as f:
            f.write(text)
    try:
        report(text, args)
    except ValueError as error:
        sys.exit(f"profile: {error}\n{text[-2000:]}")


if __name__ == "__main__":
    main()
