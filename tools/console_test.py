#!/usr/bin/env python3
"""A normal boot, as `make qemu` does it: init starts the shell and the web
server; typed keys echo; the host reaches the server through the forwarded
port.

    tools/console_test.py [--kernel build/kernel.elf]
"""

import sys
import time
import urllib.request

import harness

# ANCHOR: suite
NAMES = ["console/init-starts", "console/input-echoes", "console/httpd-reachable-from-host"]


def run(tests):
    port = harness.free_port()
    qemu = tests.boot("", extra=harness.user_net(port))
    try:
        up = qemu.wait_for(r"init: started as pid 1", tests.timeout)
        tests.report("console/init-starts", up is not None, "" if up else qemu.text()[-800:])
        qemu.send(b"typed-by-test\r")
        echo = qemu.wait_for(r"typed-by-test\n", 10)
        tests.report("console/input-echoes", echo is not None, "" if echo else qemu.text()[-500:])
        serving = qemu.wait_for(r"httpd: serving /www on port 80", tests.timeout)
        status, body = None, b""
        deadline = time.monotonic() + 30
        while serving and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                    status, body = response.status, response.read()
                break
            except OSError:
                time.sleep(0.5)
        ok = status == 200 and b"<html" in body.lower()
        tests.report("console/httpd-reachable-from-host", ok,
                     f"GET / gave {status}, {len(body)} bytes" if serving else qemu.text()[-800:])
    finally:
        qemu.kill()
# ANCHOR_END: suite


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
