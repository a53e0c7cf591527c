#!/usr/bin/env python3
"""The lab grader: runs one lab's checks against a built kernel and initrd.

    tools/grade.py [LAB] [--kernel build/kernel.elf] [--initrd build/initrd.tar]

Without LAB, the lab is the one of the current git branch (`lab-util` ->
`util`), as `make lab LAB=util` named it. `make grade` builds the working
tree first and then runs this.

A lab's checks live in `labs/LAB/checks.py`: functions marked with
`@check(name, points)` that take a `Lab` (below) and either return (the
check passes) or raise `Fail("why")`. They run in the order they are
written; each prints one line, then come the score and `N passed, N
failed`, as every test runner here ends. The exit status is 0 only when
every check passed.

The `Lab` gives checks what they need without a QEMU runner of their own
(it uses tools/harness.py's):
- `lab.run("prog args")`: boots with `-- prog args` (init runs that one
  program and powers off) and returns the serial output; the same command
  line boots once however many checks ask for it;
- `lab.run_cmdline("fault=panic")`: the same with a whole kernel
  command line;
- `lab.guest_tests("labtests syscall::")`: runs a guest test program and
  returns `{name: None or failure reason}` from its `test NAME ... ok`
  lines;
- `lab.boot("prog args", extra)`: a running QEMU (harness.Qemu) for
  checks that talk to the guest from the host; stopped after the lab;
- `lab.shell(line)`: types a line into a shell on a booted system (one
  boot for all of a lab's shell lines) and returns what it printed;
- `lab.symbolize(addresses)`: function names for kernel addresses.
"""

import importlib.util
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import shell_test  # noqa: E402

ROOT = harness.ROOT
LABS = os.path.join(ROOT, "labs")

# Checks do `from grade import check, expect`: run as a script, this file
# must be that module too, or `Fail` would be two different classes.
if __name__ == "__main__":
    sys.modules.setdefault("grade", sys.modules[__name__])


class Fail(Exception):
    """Raised by a check: the message says what was wrong."""


def check(name, points):
    """Marks a function of a lab's checks.py as a check worth `points`."""
    def mark(function):
        function.check = (name, points)
        return function
    return mark


def expect(condition, message):
    """Fails the check with `message` unless `condition` holds."""
    if not condition:
        raise Fail(message)


def tail(text, size=800):
    return text[-size:] if len(text) > size else text


class Lab:
    """What a check can do with the kernel under test (see the module)."""

    def __init__(self, tests):
        self.tests = tests
        self.boots = {}
        self.shell_qemu = None
        self.shell_session = None
        self.running = []

    def run(self, command, extra=(), memory="128M", timeout=None, cpus=None):
        """Boots with `-- command`, waits for the machine to power off and
        returns its output. Booted once per (command, extra, memory, cpus);
        `cpus` defaults to the run's (`--cpus`)."""
        return self.run_cmdline(f"-- {command}", extra, memory, timeout, cpus)

    def run_cmdline(self, cmdline, extra=(), memory="128M", timeout=None, cpus=None):
        """`run` with the whole kernel command line (`fault=panic`)."""
        key = (cmdline, tuple(extra), memory, cpus)
        if key not in self.boots:
            qemu = self.tests.boot(cmdline, extra=extra, memory=memory, cpus=cpus)
            status = qemu.wait_exit(timeout or self.tests.timeout)
            output = qemu.text()
            if status is None:
                output += f"\n[grader: timed out after {timeout or self.tests.timeout} s]\n"
            self.boots[key] = output
        return self.boots[key]

    def guest_tests(self, command, extra=(), memory="128M", cpus=None, cmdline=""):
        """Runs a guest test runner (labtests, usertests), after kernel
        words `cmdline` if any, and returns `{test name: None if ok, else
        the failure}`."""
        output = self.run_cmdline(f"{cmdline} -- {command}".strip(), extra, memory, None, cpus)
        results = {}
        for m in re.finditer(r"^test (\S+) \.\.\. (ok|FAILED:? ?(.*))$", output, re.M):
            results[m.group(1)] = None if m.group(2) == "ok" else (m.group(3) or "FAILED")
        if not results:
            results["(none)"] = "no test ran: " + tail(output, 400)
        return results

    def guest_test(self, command, name, cpus=None, cmdline=""):
        """Fails unless the guest test `name` ran, in `command`, and passed."""
        results = self.guest_tests(command, cpus=cpus, cmdline=cmdline)
        output = self.run_cmdline(f"{cmdline} -- {command}".strip(), cpus=cpus)
        expect(name in results, f"test {name} did not run; output:\n{tail(output, 600)}")
        expect(results[name] is None, results[name] or "")

    def boot(self, command, extra=(), memory="128M"):
        """Starts QEMU with `-- command` and returns it running (a
        harness.Qemu: wait_for, text, kill); the grader stops it at the end."""
        qemu = self.tests.boot(f"-- {command}", extra=extra, memory=memory)
        self.running.append(qemu)
        return qemu

    def shell(self, line, timeout=20):
        """Types `line` into /bin/sh (a boot with `-- sh`, shared by every
        shell line of the lab) and returns what it printed."""
        if self.shell_session is None:
            self.shell_qemu = self.tests.boot("-- sh", extra=harness.NET_ARGS)
            self.shell_session = shell_test.Shell(self.shell_qemu)
            if self.shell_session.wait_prompt(0, self.tests.timeout) is None:
                self.shell_session.responsive = False
        output = self.shell_session.run(line, timeout)
        expect(output is not None, f"no prompt after `{line}`; output:\n{tail(self.shell_qemu.text())}")
        return output

    def symbolize(self, addresses):
        """The function name of each kernel address (addr2line), or '??'."""
        if not addresses:
            return []
        result = subprocess.run(["addr2line", "-f", "-C", "-e", self.tests.kernel, *addresses],
                                capture_output=True, text=True)
        return result.stdout.splitlines()[0::2]

    def close(self):
        for qemu in self.running + [self.shell_qemu]:
            if qemu is not None:
                qemu.kill()


def load_checks(lab):
    """The checks of labs/LAB/checks.py, in the order they are written."""
    path = os.path.join(LABS, lab, "checks.py")
    if not os.path.isfile(path):
        known = ", ".join(sorted(labs())) or "none"
        raise SystemExit(f"grade: no lab '{lab}' (no {os.path.relpath(path)}); labs: {known}")
    spec = importlib.util.spec_from_file_location(f"lab_{lab}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # In the order they were defined (a module's names keep that order).
    return [f for f in vars(module).values() if callable(f) and hasattr(f, "check")]


def labs():
    """The labs, in course order (labs/ORDER), then any others."""
    names = sorted(d for d in os.listdir(LABS) if os.path.isfile(os.path.join(LABS, d, "checks.py")))
    with open(os.path.join(LABS, "ORDER")) as f:
        order = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    return [n for n in order if n in names] + [n for n in names if n not in order]


def lab_of_branch():
    """`util` when the current git branch is `lab-util`, else None."""
    branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=harness.ROOT,
                            capture_output=True, text=True).stdout.strip()
    return branch[len("lab-"):] if branch.startswith("lab-") else None


def grade(lab, tests):
    """Runs every check of `lab`; prints a line each, then the score.
    Returns (points earned, points possible)."""
    checks = load_checks(lab)
    print(f"== grading lab '{lab}': {len(checks)} checks ==", flush=True)
    session = Lab(tests)
    earned = possible = 0
    started = time.monotonic()
    try:
        for function in checks:
            name, points = function.check
            possible += points
            check_started = time.monotonic()
            try:
                function(session)
                error = None
            except Fail as failure:
                error = str(failure) or "failed"
            except Exception as bug:  # a check that crashes fails, the rest still run
                error = f"the check itself raised {type(bug).__name__}: {bug}"
            if error is None:
                earned += points
            score = f"{points if error is None else 0}/{points} points, {time.monotonic() - check_started:.1f} s"
            tests.report(f"{lab}/{name}", error is None, score if error is None else f"{score}: {error}")
    finally:
        session.close()
    print(f"Score: {earned}/{possible} (lab {lab}, {time.monotonic() - started:.1f} s)", flush=True)
    return earned, possible


def main():
    def configure(parser):
        parser.add_argument("lab", nargs="?", help="the lab to grade (default: from the branch name)")
    args = harness.arguments(__doc__.splitlines()[0], configure)
    lab = args.lab or lab_of_branch()
    if not lab:
        raise SystemExit("grade: on no lab-NAME branch: say which lab (make grade LAB=NAME); "
                         f"labs: {', '.join(labs())}")
    if args.timeout == 120:
        args.timeout = 60
    tests = harness.tests_from(args)
    grade(lab, tests)
    sys.exit(tests.summary())


if __name__ == "__main__":
    main()
