#!/usr/bin/env python3
"""Socket tests with real peers: the host talks to programs in the guest.

QEMU's user network (slirp) forwards host ports into the guest
(`hostfwd`), and lets the guest reach the host as 10.0.2.2. Slirp runs a
real, BSD-derived TCP on the host side, so these tests check that our TCP
interoperates with one, not just with itself.

- sockets/udp-echo: the host sends datagrams to `udpecho` in the guest and
  gets each one back, byte for byte;
- sockets/tcp-echo-1mib: 1 MiB of random bytes through `tcpecho` and back,
  compared by SHA-256;
- sockets/tcp-echo-concurrent: 20 clients at once, each with its own data;
- sockets/wget-from-host: the guest's `wget` fetches 1 MiB from an HTTP
  server on the host; the byte count must match.

Run by tools/test.py; also on its own: tools/sock_test.py [--kernel K --initrd I] [--only sockets/udp].
"""

import hashlib
import http.server
import os
import random
import re
import socket
import sys
import threading
import time

import harness

NAMES = ["sockets/udp-echo", "sockets/tcp-echo-1mib", "sockets/tcp-echo-concurrent",
         "sockets/kernel-survived", "sockets/wget-from-host"]


def udp_echo(tests):
    report, timeout = tests.report, tests.timeout
    port = harness.free_port()
    count = 5
    qemu = tests.boot("-- udpecho 7",
                extra=["-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:7", "-device", "e1000,netdev=n0"])
    try:
        if not qemu.wait_for(r"udpecho: listening", timeout):
            report("sockets/udp-echo", False, "udpecho did not start:\n" + qemu.text()[-800:])
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2)
        ok = retries = 0
        for i in range(count):
            payload = os.urandom(100 + i * 200)
            for _attempt in range(5):  # UDP may lose one (the first waits for ARP)
                sock.sendto(payload, ("127.0.0.1", port))
                try:
                    data, _ = sock.recvfrom(4096)
                    while data != payload:  # a late echo of an earlier try
                        data, _ = sock.recvfrom(4096)
                except socket.timeout:
                    retries += 1
                    continue
                ok += 1
                break
        report("sockets/udp-echo", ok == count, f"{ok}/{count} datagrams echoed intact, {retries} resent")
    finally:
        qemu.kill()


def connect(port, deadline):
    while time.monotonic() < deadline:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("could not connect")


def echo_exchange(port, payload, deadline):
    """Sends `payload` to the echo server and reads it all back."""
    with connect(port, deadline) as sock:
        received = bytearray()

        def reader():
            while len(received) < len(payload):
                chunk = sock.recv(65536)
                if not chunk:
                    return
                received.extend(chunk)
        thread = threading.Thread(target=reader)
        thread.start()
        sock.sendall(payload)
        thread.join(timeout=max(1, deadline - time.monotonic()))
        return bytes(received)


def tcp_echo(tests):
    report, timeout = tests.report, tests.timeout
    port = harness.free_port()
    qemu = tests.boot("-- tcpecho 7",
                extra=["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:7", "-device", "e1000,netdev=n0"])
    try:
        if not qemu.wait_for(r"tcpecho: listening", timeout):
            report("sockets/tcp-echo-1mib", False, "tcpecho did not start:\n" + qemu.text()[-800:])
            return
        deadline = time.monotonic() + timeout
        payload = random.Random(7).randbytes(1 << 20)
        start = time.monotonic()
        try:
            back = echo_exchange(port, payload, deadline)
            seconds = time.monotonic() - start
            same = hashlib.sha256(back).digest() == hashlib.sha256(payload).digest()
            report("sockets/tcp-echo-1mib", same,
                   f"{len(back)} bytes back in {seconds:.1f} s" if same else f"got {len(back)} bytes, differing")
        except (OSError, TimeoutError) as e:
            report("sockets/tcp-echo-1mib", False, f"{e}; guest:\n{qemu.text()[-800:]}")

        results = [None] * 20
        failures = []

        retried = []

        def client(i):
            data = random.Random(i).randbytes(20_000 + i * 1000)
            started = time.monotonic()
            try:
                back = echo_exchange(port, data, deadline)
                if back == b"":
                    # QEMU's user network sometimes closes a host connection
                    # it accepted without ever sending the guest a SYN (seen
                    # in a capture of this test); the guest never saw it, so
                    # try that client once more. A connection the guest
                    # took and broke returns a prefix, and still fails.
                    retried.append(i)
                    back = echo_exchange(port, data, deadline)
                results[i] = back == data
                if not results[i]:
                    failures.append(f"client {i}: {len(back)} of {len(data)} bytes back, "
                                    f"{'a prefix' if data.startswith(back) else 'differing'}, "
                                    f"after {time.monotonic() - started:.1f} s")
            except (OSError, TimeoutError) as e:
                results[i] = False
                failures.append(f"client {i}: {e!r} after {time.monotonic() - started:.1f} s")
        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(results))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        good = sum(1 for r in results if r)
        report("sockets/tcp-echo-concurrent", good == len(results),
               f"{good}/{len(results)} clients echoed intact"
               + (f" ({len(retried)} reconnected after QEMU dropped the connection)" if retried else "")
               + "".join(f"; {f}" for f in failures[:5])
               + (f"; guest:\n{qemu.text()[-600:]}" if failures else ""))
        if "KERNEL" in qemu.text():
            report("sockets/kernel-survived", False, qemu.text()[-1500:])
    finally:
        qemu.kill()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wget_from_host(tests, workdir):
    report, timeout = tests.report, tests.timeout
    size = 1 << 20
    with open(os.path.join(workdir, "blob.bin"), "wb") as f:
        f.write(random.Random(3).randbytes(size))
    handler = lambda *a, **k: _QuietHandler(*a, directory=workdir, **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    qemu = tests.boot(f"-- wget http://10.0.2.2:{port}/blob.bin -O /tmp/blob",
                extra=["-netdev", "user,id=n0", "-device", "e1000,netdev=n0"])
    try:
        status = qemu.wait_exit(timeout)
        out = qemu.text()
        m = re.search(r"status (\d+), (\d+) bytes in (\d+) ms", out)
        ok = status == harness.QEMU_SUCCESS and m and m.group(1) == "200" and int(m.group(2)) == size
        detail = m.group(0) if m else out[-800:]
        report("sockets/wget-from-host", bool(ok), detail)
    finally:
        qemu.kill()
        server.shutdown()


def run(tests):
    if tests.any_selected(["sockets/udp-echo"]):
        udp_echo(tests)
    if tests.any_selected(["sockets/tcp-echo-1mib", "sockets/tcp-echo-concurrent", "sockets/kernel-survived"]):
        tcp_echo(tests)
    if tests.selected("sockets/wget-from-host"):
        workdir = os.path.join(os.path.dirname(os.path.abspath(tests.kernel)), "sock-test")
        os.makedirs(workdir, exist_ok=True)
        wget_from_host(tests, workdir)


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
