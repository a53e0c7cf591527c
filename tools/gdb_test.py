#!/usr/bin/env python3
"""gdb against a booted kernel: breakpoints by name, and every helper of
tools/gdb/ on Debian's gdb.

One QEMU, two gdb sessions in batch mode (`gdb -batch` detaches at the end
and leaves QEMU running):

1. QEMU starts stopped (-S); gdb runs the Scheduling chapter's session:
   `break scheduler`, `break swtch`, stepping through a switch
   (gdb/break-at-scheduler, gdb/break-in-swtch, gdb/into-forkret, ...).
2. Once init, the shell and httpd are up and the host holds a TCP
   connection to httpd open, gdb loads tools/gdbinit (the helpers) and runs
   each helper; its output is checked (gdb/ps, gdb/kstack, gdb/tcb, ...).

Both transcripts are written to build/gdb/ (the book quotes copies of them,
refreshed by `make docs`). No command may crash gdb (gdb/no-internal-error).

    tools/gdb_test.py [--kernel build/kernel.elf] [--only gdb/tcb]
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import harness

ROOT = harness.ROOT



def cut(name):
    """A gdb command printing an mdBook anchor line into the transcript,
    which cuts it into the parts the Scheduling chapter quotes."""
    return f"echo // ANCHOR: {name}\\n"


def cut_end(name):
    return f"echo // ANCHOR_END: {name}\\n"


# The Scheduling chapter's session, command by command (the chapter prints
# this list and the transcript it produced).
SCHEDULING_SESSION = [
    cut("into"),
    "break scheduler", "continue",
    "break swtch", "continue",
    "bt 3", "info registers rdi rsi rsp rip", "info symbol $rdi",
    "x/7gx $rsi", "x/gx $rsi", "x/2a $__",
    cut_end("into"), cut("ret"),
    "stepi 14", "x/i $pc", "stepi", "info registers rsp rip", "bt",
    cut_end("ret"), cut("back"),
    "continue", "bt", "frame 3", "p/x frame.cs", "p/a frame.rip", "x/2a frame.rbp",
    cut_end("back"), cut("again"),
    "continue", "p/x *($rsi as *const kernel::proc::swtch::Context)",
    "x/gx $rsi", "x/a $__", "info symbol $__",
    "stepi 15", "bt 3",
    cut_end("again"),
]

SCHEDULING_CHECKS = {
    "gdb/break-at-scheduler": r"Breakpoint 1, kernel::proc::scheduler::scheduler \(",
    "gdb/break-in-swtch": r"Breakpoint 2, 0x[0-9a-f]+ in swtch \(\)",
    "gdb/first-switch-from-run": r"#1 .* in kernel::proc::scheduler::run \(",
    "gdb/into-forkret": r"kernel::proc::fork::forkret \(\) at kernel/src/proc/fork.rs",
    "gdb/context-printed": r"= kernel::proc::swtch::Context \{rsp: 0xffffff80",
}

# Every helper, and what its output must show. `sh` sleeps reading the
# console; httpd listens on port 80 and holds the host's connection.
HELPER_SESSION = [
    (None, "break kernel::proc::scheduler::sched", None),
    (None, "continue", None),
    (None, "delete", None),
    ("gdb/ps", "ps", [r"\s0\s+1\s+-\s+Sleeping\s+init\s", r"\s\d+\s+1\s+Sleeping\s+sh\s+kernel::console::INPUT",
            r"\s\d+\s+1\s+\w+\s+\[net\]", r"\shttpd\s"]),
    ("gdb/curproc", "curproc", [r"CPU \d+: slot \d+, pid \d+ \(\S+\), \w+, in the kernel",
                 r"at kernel::proc::scheduler::sched\+\d+ at kernel/src/proc/scheduler.rs",
                 r"rsp 0xffffff80[0-9a-f]+: slot \d+'s kernel stack"]),
    ("gdb/trapframe", "trapframe sh", [r"pid \d+ \(sh\): trap frame at 0xffffff80[0-9a-f]+ \(system call\)",
                      r"\brip 0x00000000004[0-9a-f]{5}\b", r"\bcs 0x0000000000000023\b"]),
    ("gdb/kstack", "kstack sh", [r"Sleeping: saved context", r"#0 .* in kernel::proc::scheduler::sched\+",
                   r"in kernel::console::read_line", r"in syscall_entry\+"]),
    ("gdb/fds", "fds sh", [r"cwd /", r"^\s+0\s+rw\s+Console", r"^\s+2\s+rw\s+Console"]),
    ("gdb/fds-sockets", "fds httpd", [r"^\s+\d+\s+rw\s+Socket Tcp Listening", r"^\s+\d+\s+rw\s+Socket Tcp Stream"]),
    ("gdb/pagewalk", "pagewalk 0x400000 sh", [r"PML4 \[  0\]", r"PDPT \[  0\]", r"PD   \[  2\]", r"PT   \[  0\] .* P U",
                              r"-> physical 0x[0-9a-f]+ \(4 KiB page; user, read-only, executable\)"]),
    ("gdb/pagewalk-unmapped", "pagewalk 0x1000 sh", [r"not mapped"]),
    ("gdb/tcb", "tcb", [r"LISTEN\s+0\.0\.0\.0:80", r"Established\s+10\.0\.2\.15:80 <-> 10\.0\.2\.2:\d+",
             r"SND\.UNA=ISS\+1\s+SND\.NXT=ISS\+1", r"RCV\.NXT=IRS\+1\b"]),
    ("gdb/swtch-walk", "swtch-walk", [r"swtch\(old=0x[0-9a-f]+, new=0x[0-9a-f]+\)", r"saving the registers of",
                    r"mov\s+\(%rsi\),%rsp\s+<- now on", r"returned into \S+", r"now running: "]),
    ("gdb/unknown-pid", "kstack 999", [r"no process with pid or name '999'"]),
]

NAMES = (list(SCHEDULING_CHECKS) + [name for name, _, _ in HELPER_SESSION if name]
         + ["gdb/installed", "gdb/session", "gdb/helpers", "gdb/no-internal-error"])


def gdb_batch(kernel, port, commands, timeout, init=True):
    """Runs gdb in batch mode against QEMU's stub; returns its output."""
    args = ["gdb", "-q", "-batch", "-nx", kernel]
    if init:
        args += ["-x", os.path.join(ROOT, "tools/gdbinit")]
    args += ["-ex", f"target remote 127.0.0.1:{port}"]
    for command in commands:
        args += ["-ex", command]
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, cwd=ROOT)
    return proc.returncode, proc.stdout


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def sections(output):
    """Splits the helpers' transcript at the `(gdb) COMMAND` echo lines."""
    parts = {}
    pieces = re.split(r"^\(gdb\) (.*)$", output, flags=re.M)
    for i in range(1, len(pieces), 2):
        parts[pieces[i]] = pieces[i + 1]
    return parts


def run(tests):
    report, timeout = tests.report, tests.timeout
    if shutil.which("gdb") is None:
        report("gdb/installed", False, "gdb is not installed: run tools/setup.sh", always=True)
        return
    gdb_port, http_port = harness.free_port(), harness.free_port()
    # One CPU, as the chapter's `make qemu-gdb CPUS=1`: with two, a
    # breakpoint reached on the other CPU interrupts the stepping.
    qemu = tests.boot("", cpus=1,
                      extra=["-gdb", f"tcp:127.0.0.1:{gdb_port}", "-S", *harness.user_net(http_port)])
    build = os.path.dirname(os.path.abspath(tests.kernel))
    outputs = []
    held = None
    try:
        # 1. The chapter's session, from the first instruction.
        status, out = gdb_batch(tests.kernel, gdb_port, ["set pagination off"] + SCHEDULING_SESSION,
                                timeout, init=False)
        outputs.append(out)
        write(os.path.join(build, "gdb", "scheduling-session.txt"), out)
        for name, pattern in SCHEDULING_CHECKS.items():
            hit = re.search(pattern, out)
            report(name, hit is not None, "" if hit else out[-1000:])

        # 2. The helpers, on a system that is up and serving.
        if not qemu.wait_for(r"httpd: serving", timeout):
            report("gdb/helpers", False, "httpd did not start:\n" + qemu.text()[-800:], always=True)
            return
        held = hold_connection(http_port)
        commands = []
        for _, command, _ in HELPER_SESSION:
            commands += [f"echo (gdb) {command}\\n", command]
        status, out = gdb_batch(tests.kernel, gdb_port, commands, timeout)
        outputs.append(out)
        transcript = out[out.index("(gdb) ps"):] if "(gdb) ps" in out else out
        write(os.path.join(build, "gdb", "helpers-session.txt"),
              re.sub(r"^Temporary breakpoint \d+.*\n", "", transcript, flags=re.M))
        parts = sections(out)
        for name, command, patterns in HELPER_SESSION:
            if name is None:
                continue
            text = parts.get(command, "")
            missing = [p for p in patterns if not re.search(p, text, re.M)]
            report(name, not missing, f"missing {missing} in:\n{text[-1500:]}" if missing else "")
    except subprocess.TimeoutExpired:
        report("gdb/session", False, f"gdb timed out after {timeout} s", always=True)
    finally:
        if held:
            held.close()
        qemu.kill()
    crashed = [o for o in outputs if "internal-error" in o or "Python Exception" in o]
    report("gdb/no-internal-error", not crashed, crashed[0][-1500:] if crashed else "")


def hold_connection(port):
    """Opens a TCP connection to httpd and leaves it idle (ESTABLISHED in the
    guest, nothing sent yet), for `tcb` to find."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    time.sleep(1.5)  # QEMU's slirp connects to the guest after accepting ours
    return conn


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
