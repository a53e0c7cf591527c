#!/usr/bin/env python3
"""oxv6 benchmarks beside the same benchmarks in a Linux guest, same QEMU.

Run by `make bench` (which builds the release kernel and initrd in
build/release/ first). Boots the kernel with `-- bench` on its command line,
so init runs /bin/bench (user/src/bin/bench.rs) and powers off; collects
its `bench NAME VALUE` lines. Then compiles tools/bench_linux.c statically
(`cc -static -O2`), puts it in a small initramfs with busybox, boots a
stock Debian Linux 6.1 kernel on it under the same QEMU, the same
accelerator, one CPU and 256 MiB, and prints both columns side by side:
the same emulated machine, so the ratio means something.

The Linux kernel and busybox come from the cache of the shared HTTP
harness (`$LB_CACHE`, default /tmp/linux-bench-cache), which
`../shared/bench/linux-baseline.sh --build-only` fills from Debian's
packages; this script runs that when the cache is empty, and if it cannot
(no harness, no network), says so and what to run. `--host` adds the
host's native Linux as a third column, for orientation only: native code
beside emulated code says nothing about either kernel.

Usage: tools/bench.py [--kernel K] [--initrd I] [--accel tcg|kvm]
                      [--json FILE] [--no-linux] [--host] [NAME...]
"""

import argparse
import glob
import gzip
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU_SUCCESS = 33  # isa-debug-exit: (0x10 << 1) | 1, init's halt(0)
QEMU_FAILURE = 35  # halt(1): a benchmark failed

BENCH_LINE = re.compile(r"^bench (\S+) (.+)$", re.M)
DETAIL_LINE = re.compile(r"^# (\S+) runs=(\d+) iters=(\d+) min=(\S+) max=(\S+)(.*)$", re.M)


def parse(output):
    """`bench NAME VALUE` lines into {name: {...}}, in order of appearance.

    Each entry is {"value", "min", "max", "runs", "iters"} for a measured
    benchmark, {"skipped": why} or {"failed": why} otherwise."""
    results = {}
    for m in BENCH_LINE.finditer(output):
        name, rest = m.group(1), m.group(2).strip()
        try:
            results[name] = {"value": float(rest)}
        except ValueError:
            word, _, why = rest.partition(" ")
            why = why.strip().strip("()")
            results[name] = {"skipped": why} if word == "skipped" else {"failed": rest if word != "failed" else why}
    for m in DETAIL_LINE.finditer(output):
        entry = results.get(m.group(1))
        if entry is not None and "value" in entry:
            entry.update(runs=int(m.group(2)), iters=int(m.group(3)),
                         min=float(m.group(4)), max=float(m.group(5)))
            extra = m.group(6).strip()
            if extra:
                entry["note"] = extra
    return results


def run_oxv6(kernel, initrd, accel, names, timeout):
    """Boots the kernel with `-- bench NAMES`; returns (results, output, error)."""
    args = [
        "qemu-system-x86_64", "-accel", accel, "-smp", "1", "-m", "128M",
        "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel", kernel, "-initrd", initrd,
        "-append", " ".join(["--", "bench", *names]),
    ]
    try:
        proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace").replace("\r", "")
        return parse(out), out, f"QEMU timed out after {timeout} s"
    out = proc.stdout.decode("utf-8", "replace").replace("\r", "")
    error = None
    crash = re.search(r"^KERNEL (PANIC|TRAP).*$", out, re.M)
    if crash:
        error = f"the kernel crashed: {crash.group(0)}"
    elif proc.returncode == QEMU_FAILURE:
        error = "a benchmark failed (bench exited with a non-zero status)"
    elif proc.returncode != QEMU_SUCCESS:
        error = f"QEMU exited with status {proc.returncode}"
    return parse(out), out, error


def run_linux(names):
    """The host, natively (orientation only): returns (results, output, error)."""
    """Compiles and runs tools/bench_linux.c; returns (results, output, error)."""
    source = os.path.join(ROOT, "tools/bench_linux.c")
    with tempfile.TemporaryDirectory(prefix="oxv6-bench-") as tmp:
        binary = os.path.join(tmp, "bench_linux")
        cc = subprocess.run(["cc", "-O2", "-Wall", "-o", binary, source],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if cc.returncode != 0:
            return {}, cc.stdout, "cc failed"
        proc = subprocess.run([binary, *names], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    error = None if proc.returncode == 0 else f"bench_linux exited with status {proc.returncode}"
    return parse(proc.stdout), proc.stdout, error


LB_CACHE = os.environ.get("LB_CACHE", "/tmp/linux-bench-cache")
# ../shared/bench beside the checkout (a worktree under wt/ looks one level up).
HARNESS = next((path for path in (
    os.path.join(os.path.dirname(ROOT), "shared", "bench", "linux-baseline.sh"),
    os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "bench", "linux-baseline.sh"))
    if os.path.exists(path)), os.path.join(os.path.dirname(ROOT), "shared", "bench", "linux-baseline.sh"))


def linux_guest_files():
    """(vmlinux, busybox) from the harness's cache, filling it if empty;
    or (None, why) if they cannot be had."""
    def found():
        kernels = sorted(glob.glob(os.path.join(LB_CACHE, "vmlinux-*")))
        busybox = os.path.join(LB_CACHE, "root", "bin", "busybox")
        return (kernels[-1], busybox) if kernels and os.path.exists(busybox) else None
    if found():
        return found()
    if not os.path.exists(HARNESS):
        return None, f"no Linux guest in {LB_CACHE} and no {HARNESS} to build one"
    print(f"Linux guest: building it with {HARNESS} --build-only...", flush=True)
    subprocess.run([HARNESS, "--build-only", "--accels", "tcg", "--servers", "busybox",
                    "--boot", "pvh"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return found() or (None, f"{HARNESS} --build-only did not leave a kernel and busybox "
                             f"in {LB_CACHE} (are Debian's packages reachable?)")


def cpio(files):
    """A newc cpio archive (what an initramfs is) of {path: (mode, bytes)}."""
    out = bytearray()

    def entry(name, mode, data, ino):
        header = "070701" + "".join(f"{v:08x}" for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
        out.extend(header.encode() + name.encode() + b"\0")
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, (mode, data)) in enumerate(sorted(files.items()), start=1):
        entry(name, mode, data, ino)
    entry("TRAILER!!!", 0, b"", 0)
    return bytes(out)


# ANCHOR: linux_guest
def run_linux_guest(names, accel, timeout):
    """Runs tools/bench_linux.c inside a Linux 6.1 guest under the same
    QEMU as oxv6: returns (results, output, error)."""
    vmlinux, busybox = linux_guest_files()
    if vmlinux is None:
        return {}, "", busybox
    source = os.path.join(ROOT, "tools/bench_linux.c")
    with tempfile.TemporaryDirectory(prefix="oxv6-bench-") as tmp:
        binary = os.path.join(tmp, "bench_linux")
        cc = subprocess.run(["cc", "-static", "-O2", "-Wall", "-o", binary, source],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if cc.returncode != 0:
            return {}, cc.stdout, "cc -static failed (is libc6-dev installed?)"
        init = ("#!/bin/busybox sh\n/bin/busybox mkdir -p /proc /dev /tmp\n"
                "/bin/busybox mount -t proc proc /proc\n"
                f"/bench_linux {' '.join(names)}\n"
                "/bin/busybox poweroff -f\n")
        with open(busybox, "rb") as f:
            files = {"bin": (0o40755, b""), "bin/busybox": (0o100755, f.read()),
                     "init": (0o100755, init.encode())}
        with open(binary, "rb") as f:
            files["bench_linux"] = (0o100755, f.read())
        initramfs = os.path.join(tmp, "initramfs.cpio.gz")
        with open(initramfs, "wb") as f:
            f.write(gzip.compress(cpio(files), 6))
        args = ["qemu-system-x86_64", "-accel", accel, "-smp", "1", "-m", "256M",
                "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
                "-kernel", vmlinux, "-initrd", initramfs,
                "-append", "console=ttyS0 quiet panic=-1"]
        try:
            proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            return parse(out), out, f"the Linux guest timed out after {timeout} s"
    out = proc.stdout.decode("utf-8", "replace").replace("\r", "")
    results = parse(out)
    return results, out, None if results else "no bench lines from the Linux guest"
# ANCHOR_END: linux_guest


def host_description():
    cpu = platform.processor() or "unknown CPU"
    virtual = False
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        m = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
        if m:
            cpu = m.group(1).strip()
        virtual = re.search(r"^flags\s*:.*\bhypervisor\b", info, re.M) is not None
    except OSError:
        pass
    return {"kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(),
            "virtual_machine": virtual}


def cell(entry):
    if entry is None:
        return "-"
    if "value" in entry:
        return f"{entry['value']:.2f}"
    if "skipped" in entry:
        return f"skipped ({entry['skipped']})"
    return "FAILED"


def spread(entry):
    """The runs' spread as ±% of the median, when known."""
    if not entry or "min" not in entry or not entry["value"]:
        return ""
    half = (entry["max"] - entry["min"]) / 2 / entry["value"] * 100
    return f" ±{half:.0f}%"


def print_table(oxv6, linux, accel, host, native=None):
    title = accel.upper()
    columns = [f"oxv6 ({title})", f"Linux 6.1 guest ({title})"]
    if native is not None:
        columns.append("host, native (orientation only)")
    names = list(oxv6) + [n for n in linux if n not in oxv6]
    rows = [("benchmark", *columns, "oxv6 / Linux")]
    for name in names:
        a, b = oxv6.get(name), linux.get(name)
        ratio = "-"
        if a and b and "value" in a and "value" in b and b["value"]:
            r = a["value"] / b["value"]
            ratio = f"{r:.1f}x" if r >= 1 else f"{r:.2f}x"
        extra = [] if native is None else [cell(native.get(name)) + spread(native.get(name))]
        rows.append((name, cell(a) + spread(a), cell(b) + spread(b), *extra, ratio))
    count = len(rows[0])
    widths = [max(len(row[i]) for row in rows) for i in range(count)]
    for i, row in enumerate(rows):
        print("  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    print("Values are medians of 5 runs (± is half the min..max spread); the unit ends")
    print("each name (ns, us, ms, MB/s with MB = 10^6 bytes). Both guests run on the")
    print("same QEMU with one CPU, one after the other. oxv6 / Linux above 1: oxv6")
    print("takes longer; for _mb_s (a rate) below 1 means oxv6 is slower.")
    if native is not None:
        print("The native column is the host running the same C program without")
        print("emulation: orientation only, never a comparison with either guest.")
    virtual = " (itself a virtual machine)" if host["virtual_machine"] else ""
    print(f"Host: Linux {host['kernel']}, {host['cpu']}, {host['cpus']} CPUs{virtual}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default=os.path.join(ROOT, "build/release/kernel.elf"))
    parser.add_argument("--initrd", default=os.path.join(ROOT, "build/release/initrd.tar"))
    parser.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--timeout", type=int, default=600, help="seconds for the QEMU run")
    parser.add_argument("--no-linux", action="store_true", help="skip the Linux guest")
    parser.add_argument("--host", action="store_true",
                        help="also run the benchmarks natively on the host (orientation only)")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()

    print(f"oxv6: booting {args.kernel} ({args.accel}) with '-- bench'...", flush=True)
    oxv6, oxv6_out, oxv6_error = run_oxv6(args.kernel, args.initrd, args.accel, args.names, args.timeout)
    if oxv6_error or not oxv6:
        print(f"oxv6: {oxv6_error or 'no bench lines'}; last output:\n{oxv6_out[-2000:]}")
    linux, linux_error = {}, None
    if not args.no_linux:
        print("Linux guest: tools/bench_linux.c, static, in a Linux 6.1 guest...", flush=True)
        linux, linux_out, linux_error = run_linux_guest(args.names, args.accel, args.timeout)
        if linux_error:
            print(f"Linux guest: {linux_error}; output:\n{linux_out[-2000:]}")
            print(f"To build the guest: {HARNESS} --build-only --accels tcg (needs Debian's "
                  "package mirrors), or set LB_CACHE to a copy of its cache.")
    native = None
    if args.host:
        native, native_out, native_error = run_linux(args.names)
        if native_error:
            print(f"host: {native_error}; output:\n{native_out[-2000:]}")
    print()
    host = host_description()
    print_table(oxv6, linux, args.accel, host, native)

    if args.json:
        document = {
            "oxv6": {"accel": args.accel, "kernel": args.kernel, "results": oxv6,
                     "error": oxv6_error},
            "linux_guest": {"accel": args.accel, "results": linux, "error": linux_error},
            "host_native": {"host": host, "results": native},
        }
        with open(args.json, "w") as f:
            json.dump(document, f, indent=2)
            f.write("\n")
        print(f"Wrote {args.json}.")
    failed = oxv6_error or linux_error or not oxv6 or any(
        "failed" in entry for entry in list(oxv6.values()) + list(linux.values()))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
