#!/usr/bin/env python3
"""The book's transcripts, replayed: what the book shows is what QEMU prints.

A transcript is a ```text block in docs/src/*.md whose first line is the
command that produced it:

    $ make qemu CMDLINE="-- usertests kill"
    ...
    test process::kill_sleeping ... ok

This suite boots QEMU with that command line (and the network card `make
qemu` gives it) and checks that the block's lines appear in the output, in
order, each run of lines without a `...` between them as consecutive lines.
Later lines that start with `$ ` are typed into the shell when its prompt
appears (boot with `-- sh` for those). Numbers are compared as "some
number", addresses as "some address" and runs of spaces as one: pids,
timings and addresses move with every change to the code; the words, the
order and the lines do not.

Each transcript is a test named `transcript/CHAPTER:N`, N counting the
transcripts of that chapter from 1. When one fails, its detail shows the
real output to copy into the book.

    tools/transcript_test.py [--only transcript/processes.md]
"""

import os
import re
import sys
import time

import harness

SRC = os.path.join(harness.ROOT, "docs", "src")
COMMAND = re.compile(r'^\$ make qemu(?: CPUS=(\d+))?(?: CMDLINE="([^"]*)")?$')
PROMPT = re.compile(r"(^|\n)\$ $")


def transcripts():
    """{name: (cmdline, lines)} for every transcript in the book."""
    found = {}
    for chapter in sorted(os.listdir(SRC)):
        if not chapter.endswith(".md"):
            continue
        with open(os.path.join(SRC, chapter), encoding="utf-8") as f:
            lines = f.read().splitlines()
        count = 0
        for i, line in enumerate(lines):
            if line.strip() != "```text" or i + 1 >= len(lines):
                continue
            command = COMMAND.match(lines[i + 1])
            if command is None:
                continue
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            count += 1
            cpus = int(command.group(1)) if command.group(1) else None
            found[f"transcript/{chapter}:{count}"] = (command.group(2) or "", cpus, lines[i + 2:end])
    return found


TRANSCRIPTS = transcripts()
NAMES = list(TRANSCRIPTS)


def normalize(line):
    line = re.sub(r"0x[0-9a-fA-F]+", "0x?", line.rstrip())
    line = re.sub(r"\d+", "N", line)
    return re.sub(r"\s+", " ", line)  # columns widen with their numbers


def groups(lines):
    """The transcript's runs of consecutive lines, split at `...`."""
    runs, run = [], []
    for line in lines:
        if line.strip() == "...":
            if run:
                runs.append(run)
            run = []
        else:
            run.append(normalize(line))
    if run:
        runs.append(run)
    return runs


def matches(runs, output):
    """Whether each run appears as consecutive lines of `output`, in order."""
    lines = [normalize(line) for line in output.split("\n")]
    at = 0
    for run in runs:
        while at + len(run) <= len(lines) and lines[at:at + len(run)] != run:
            at += 1
        if at + len(run) > len(lines):
            return False
        at += len(run)
    return True


def replay(tests, cmdline, cpus, lines):
    """Boots, types the shell lines at each prompt; returns (matched, output)."""
    runs = groups(lines)
    typed = [line[2:] for line in lines if line.startswith("$ ")]
    qemu = tests.boot(cmdline, extra=harness.user_net(harness.free_port()), cpus=cpus)
    try:
        deadline = time.monotonic() + tests.timeout
        sent_at = 0  # where the output stood when the last line was typed
        while time.monotonic() < deadline:
            text = qemu.text()
            if matches(runs, text):
                return True, text
            if qemu.proc.poll() is not None:
                qemu.wait_exit(1)
                text = qemu.text()
                return matches(runs, text), text
            if typed and PROMPT.search(text[sent_at:]):
                sent_at = len(text)
                qemu.send(typed.pop(0).encode() + b"\r")
            time.sleep(0.1)
        return False, qemu.text()
    finally:
        qemu.kill()


def run(tests):
    for name, (cmdline, cpus, lines) in TRANSCRIPTS.items():
        if not tests.selected(name):
            continue
        ok, output = replay(tests, cmdline, cpus, lines)
        start = output.find("oxv6 booting")
        tests.report(name, ok, "" if ok else f"the book's lines are not in the output of "
                                             f"CMDLINE=\"{cmdline}\"; it printed:\n{output[max(start, 0):][-2500:]}")


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
