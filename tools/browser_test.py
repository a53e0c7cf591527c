#!/usr/bin/env python3
"""A real browser loads the live pages: headless Chromium against the
httpd in the guest, through QEMU's port forwarding.

- browser/httpd-line-before-prompt: init waits for httpd to be ready, so
  its start-up line comes before the shell's first prompt;
- browser/proc-page: `chromium --headless --dump-dom http://.../proc` (after
  its JavaScript, if any, has run) shows a table with init, sh and httpd;
- browser/sched-timeline: `/sched` draws the last second of the scheduler
  as an SVG timeline (from the kernel's trace ring), with httpd's lane;
- browser/screenshot: Chromium renders the index page to a PNG (kept in
  build/ for a person to look at), and the file is a real image.

Chromium is installed by `tools/setup.sh --test` (Debian's `chromium`).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import harness

NAMES = ["browser/chromium-installed", "browser/httpd-line-before-prompt", "browser/proc-page",
         "browser/sched-timeline", "browser/screenshot"]

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium(args, timeout=60):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=timeout)


def run(tests):
    report, timeout = tests.report, tests.timeout
    if shutil.which("chromium") is None:
        report("browser/chromium-installed", False, "chromium is missing: run tools/setup.sh --test", always=True)
        return
    port = harness.free_port()
    qemu = tests.boot("", extra=harness.user_net(port))
    try:
        if not qemu.wait_for(r"httpd: serving", timeout):
            report("browser/proc-page", False, "httpd did not start:\n" + qemu.text()[-800:])
            return
        # init waits for httpd to be ready before it starts the shell, so
        # the server's line comes before the first prompt.
        console = qemu.text()
        prompt = console.find("\n$ ")
        in_order = prompt == -1 or console.find("httpd: serving") < prompt
        report("browser/httpd-line-before-prompt", in_order, "" if in_order else console[-800:])
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the forwarded port may lag the log line
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        # No --virtual-time-budget: the page refreshes itself every 2 s, and a
        # virtual clock would keep following the refreshes.
        dom = chromium(["--dump-dom", base + "/proc"]).stdout
        names = [name for name in ("init", "sh", "httpd") if re.search(rf">\s*{name}\s*<", dom)]
        ok = "<table" in dom and len(names) == 3
        report("browser/proc-page", ok, f"table with {names}" if ok else dom[-800:] or "empty DOM")

        # /sched: the live timeline. The first read of /dev/trace switches
        # the trace on; a second later the ring has a second to draw.
        urllib.request.urlopen(base + "/sched", timeout=20).read()
        time.sleep(1.5)
        dom = chromium(["--dump-dom", base + "/sched"]).stdout
        bars = len(re.findall(r'<rect class="run"', dom))
        lane = re.search(r">pid \d+ httpd<", dom)
        ok = '<svg class="timeline"' in dom and bars > 0 and lane is not None
        report("browser/sched-timeline", ok, f"SVG with {bars} bars" if ok else dom[-800:] or "empty DOM")

        shot = os.path.join(os.path.dirname(os.path.abspath(tests.kernel)), "index-screenshot.png")
        if os.path.exists(shot):
            os.remove(shot)
        chromium(["--window-size=1024,768", f"--screenshot={shot}", base + "/"])
        with open(shot, "rb") if os.path.exists(shot) else open(os.devnull, "rb") as f:
            header = f.read(8)
        size = os.path.getsize(shot) if os.path.exists(shot) else 0
        report("browser/screenshot", header == b"\x89PNG\r\n\x1a\n" and size > 5000, f"{shot}, {size} bytes")
    finally:
        qemu.kill()


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
