#!/usr/bin/env python3
"""Shell tests: type command lines into /bin/sh over the serial console.

A normal boot (init starts the shell), then, for each test, a line typed
as a user would and a check of what the shell printed before its next
prompt. Each test reports one result named shell/...; tools/test.py runs
them with the other QEMU tests. To run only these:

    tools/shell_test.py [--kernel build/kernel.elf] [--initrd build/initrd.tar]
"""

import os
import re
import sys
import time

import harness

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The shell's prompt, at the start of a line.
PROMPT = re.compile(r"(^|\n)\$ $")


class Shell:
    """The shell at the other end of QEMU's serial line."""

    def __init__(self, qemu):
        self.qemu = qemu
        self.responsive = True

    def run(self, line, timeout=15):
        """Types `line` and Enter; returns what the shell printed until its
        next prompt (the echoed line left out), or None if no prompt came."""
        if not self.responsive:
            return None
        start = len(self.qemu.text())
        self.qemu.send(line.encode() + b"\r")
        output = self.wait_prompt(start, timeout)
        if output is None:
            self.responsive = False  # later tests would only time out too
            return None
        echo, _, rest = output.partition("\n")
        return rest

    def wait_prompt(self, start, timeout):
        """Waits for a prompt after offset `start` of the output; returns
        the output from `start` to the prompt, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.qemu.text()[start:]
            if PROMPT.search(text):
                return PROMPT.sub("", text)
            time.sleep(0.05)
        return None


def motd_counts():
    """Lines, words, bytes and lines containing "o" of rootfs/etc/motd, as
    wc and grep should count them; None if there is no motd."""
    try:
        with open(os.path.join(ROOT, "rootfs/etc/motd"), "rb") as f:
            data = f.read()
    except OSError:
        return None
    lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
    with_o = sum(1 for line in lines if b"o" in line)
    return data.count(b"\n"), len(data.split()), len(data), with_o


def check(report, name, output, pattern):
    """Reports `name` as passed if `pattern` is found in `output`."""
    if output is None:
        report(name, False, "no prompt came back")
        return False
    found = re.search(pattern, output, re.M) is not None
    report(name, found, "" if found else f"expected /{pattern}/, got:\n{output[-600:]}")
    return found


NAMES = [f"shell/{n}" for n in (
    "prompt", "pipe-echo-wc", "redirect-output", "redirect-input", "ls-bin", "motd-wc", "pipeline-3",
    "background", "background-done", "cd-pwd", "exit-status", "syntax-error", "not-found",
    "after-not-found", "ps", "wget-127.0.0.1", "wget-10.0.2.15", "ping-self", "ctrl-c",
    "after-ctrl-c")]


def run(tests):
    report, timeout = tests.report, tests.timeout
    # `-- sh`: init runs only the shell, so nothing else writes to the
    # console (the default boot also starts httpd; tools/console_test.py's
    # tests cover that one).
    qemu = tests.boot("-- sh")
    try:
        shell = Shell(qemu)
        output = shell.wait_prompt(0, timeout)
        report("shell/prompt", output is not None, "" if output is not None else qemu.text()[-800:])
        if output is None:
            return

        check(report, "shell/pipe-echo-wc", shell.run("echo hi | wc"), r"^1 1 3$")
        shell.run("echo hello > /tmp/x")
        check(report, "shell/redirect-output", shell.run("cat /tmp/x"), r"^hello$")
        check(report, "shell/redirect-input", shell.run("cat < /tmp/x"), r"^hello$")
        check(report, "shell/ls-bin", shell.run("ls /bin"), r"^cat$[\s\S]*^sh$")

        counts = motd_counts()
        if counts is None:
            report("shell/motd-wc", False, "rootfs/etc/motd is missing")
        else:
            lines, words, size, with_o = counts
            check(report, "shell/motd-wc", shell.run("cat /etc/motd | wc"),
                  rf"^{lines} {words} {size}$")
            check(report, "shell/pipeline-3", shell.run("cat /etc/motd | grep o | wc -l"),
                  rf"^{with_o}$")

        # A background job: the prompt comes back while it sleeps, and the
        # shell reports it at the first prompt after it has finished.
        started = time.monotonic()
        output = shell.run("sleep 3 &")
        elapsed = time.monotonic() - started
        job = re.search(r"^\[(\d+)\]$", output or "", re.M)
        quick = job is not None and elapsed < 2
        report("shell/background", quick,
               f"prompt after {elapsed:.2f} s" if quick else f"after {elapsed:.2f} s: {output!r}")
        if job:
            # Press Enter until the shell reports the job (a loaded host can
            # make `sleep 3` take longer than 3 s of our time).
            done = rf"^\[{job.group(1)}\] done status 0$"
            output = ""
            while time.monotonic() < started + 20:
                time.sleep(0.5)
                output = shell.run("")
                if output is None or re.search(done, output, re.M):
                    break
            check(report, "shell/background-done", output, done)

        check(report, "shell/cd-pwd", shell.run("cd /tmp; pwd"), r"^/tmp$")
        check(report, "shell/exit-status", shell.run("false; echo $?; true; echo $?"), r"^1\n0$")
        check(report, "shell/syntax-error", shell.run("echo hi |"), r"^sh: syntax error near '\|'$")
        if check(report, "shell/not-found", shell.run("nosuchcmd"),
                 r"^sh: nosuchcmd: command not found$"):
            check(report, "shell/after-not-found", shell.run("echo still here"), r"^still here$")
        check(report, "shell/ps", shell.run("ps"), r" init$[\s\S]* sh$")

        # The loopback path: httpd in the background, and wget fetching its
        # front page through 127.0.0.1 and through our own address, without
        # a frame leaving the card.
        if shell.responsive:
            start = len(qemu.text())
            qemu.send(b"httpd &\r")
            serving = qemu.wait_for(r"httpd: serving", 30) is not None
            shell.wait_prompt(start, 5)
            for host in ["127.0.0.1", "10.0.2.15"]:
                output = shell.run(f"wget http://{host}/ -O /tmp/index.html; grep -c oxv6 /tmp/index.html",
                                   30) if serving else None
                check(report, f"shell/wget-{host}", output,
                      rf"^wget: http://{host}/ -> status 200, \d+ bytes in \d+ ms$\n^[1-9]\d*$")
            check(report, "shell/ping-self", shell.run("ping -c 2 127.0.0.1", 20),
                  r"^2 packets transmitted, 2 received, 0% packet loss$")

        # Ctrl-C kills the foreground job, not the shell.
        if shell.responsive:
            start = len(qemu.text())
            qemu.send(b"sleep 100\r")
            time.sleep(1.5)  # let the shell start it and give it the console
            stopped = time.monotonic()
            qemu.send(b"\x03")
            output = shell.wait_prompt(start, 5)
            elapsed = time.monotonic() - stopped
            report("shell/ctrl-c", output is not None,
                   f"prompt {elapsed:.2f} s after Ctrl-C" if output is not None
                   else f"no prompt: {qemu.text()[start:]!r}")
            if output is not None:
                check(report, "shell/after-ctrl-c", shell.run("echo $?"), r"^130$")
    finally:
        qemu.kill()


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
