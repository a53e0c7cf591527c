#!/usr/bin/env python3
"""HTTP tests: httpd in QEMU, driven from the host through the network.

QEMU boots with `-- httpd` (init runs /bin/httpd, which listens on port
80), an e1000 card on QEMU's user-mode network, and a host port forwarded
to the guest's port 80. Host clients (raw sockets, http.client, curl) then
check each status code, keep-alive, pipelining, the 1 MiB download,
64 concurrent clients, a slowloris client, and that the guest's sockets
go back to idle afterwards. Each check reports one result named http/...;
tools/test.py runs them with the other QEMU tests. To run only these:

    tools/http_test.py [--kernel build/kernel.elf] [--initrd build/initrd.tar]

All traffic goes to 127.0.0.1: QEMU's slirp carries it into the guest.
"""

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import sys
import time

import harness
from http_client import Client, api, live_sockets, raw_status, wait_until_serving
from mkinitrd import big_www_file

ROOT = harness.ROOT

# One boot serves every check, so --only picks results, not boots.
NAMES = [f"http/{n}" for n in (
    "serving",
    "reachable",
    "200-index",
    "content-types",
    "head",
    "400-nul-in-path",
    "304",
    "404",
    "403",
    "405",
    "405-keeps-connection",
    "206",
    "416",
    "api-json",
    "400-bad-request-line",
    "400-header-injection",
    "413",
    "431-long-head",
    "431-many-headers",
    "501",
    "505",
    "live-pages-html",
    "api-proc",
    "api-sched",
    "api-net",
    "live-pages",
    "keep-alive-100",
    "pipelining",
    "big-file-sha256",
    "curl",
    "curl-status-codes",
    "curl-big-file",
    "concurrent-64x100",
    "408-slowloris",
    "slowloris-others-served",
    "503-over-capacity",
    "sockets-back-to-idle",
    "memory-back-to-idle",
    "no-crash",
)]


def www(name):
    with open(os.path.join(ROOT, "rootfs/www", name), "rb") as f:
        return f.read()


def check_status_codes(port, report):
    """One request per status code the server can send."""
    client = Client(port)
    try:
        index = client.get("/")
        report("http/200-index", index.status == 200 and index.body == www("index.html")
               and index.headers.get("content-type", "").startswith("text/html"),
               f"{index.status} {index.headers.get('content-type')}, {len(index.body)} bytes")
        types = {"/style.css": "text/css", "/logo.svg": "image/svg+xml", "/big.txt": "text/plain"}
        got = {path: client.get(path, method="HEAD").headers.get("content-type", "") for path in types}
        report("http/content-types", all(got[p].startswith(t) for p, t in types.items()), str(got))
        head = client.get("/", method="HEAD")
        report("http/head", head.status == 200 and head.body == b""
               and head.headers.get("content-length") == str(len(index.body)), str(head.headers))
        # A well-formed request for a malformed path: the connection stays.
        nul = client.get("/a%00b.html")
        report("http/400-nul-in-path", nul.status == 400, str(nul.status))
        # Conditional GET: the tag we got back means "unchanged": 304, no body.
        etag = index.headers.get("etag", "")
        same = client.get("/", extra=f"If-None-Match: {etag}\r\n")
        other = client.get("/", extra='If-None-Match: "0000000000000000"\r\n')
        report("http/304", etag.startswith('"') and same.status == 304 and same.body == b""
               and same.headers.get("etag") == etag and other.status == 200 and other.body == index.body,
               f"ETag {etag}: {same.status} with it, {other.status} with another")
        missing = client.get("/no-such-file.html")
        report("http/404", missing.status == 404, str(missing.status))
        escape = client.get("/../etc/motd")
        encoded = client.get("/%2e%2e/etc/motd")
        report("http/403", escape.status == 403 and encoded.status == 403, f"{escape.status} {encoded.status}")
        # A body httpd must skip to stay in step with the next request.
        client.send(b"POST / HTTP/1.1\r\nHost: oxv6\r\nContent-Length: 4\r\n\r\nabcd")
        post = client.response()
        report("http/405", post.status == 405 and post.headers.get("allow") == "GET, HEAD",
               f"{post.status} Allow={post.headers.get('allow')}")
        after = client.get("/style.css")
        report("http/405-keeps-connection", after.status == 200 and after.body == www("style.css"), str(after.status))
        part = client.get("/big.txt", extra="Range: bytes=4096-4159\r\n")
        report("http/206", part.status == 206 and part.body.startswith(b"00001000 ") and len(part.body) == 64
               and part.headers.get("content-range") == "bytes 4096-4159/1048576",
               f"{part.status} {part.headers.get('content-range')} {part.body[:12]!r}")
        beyond = client.get("/big.txt", extra="Range: bytes=2000000-\r\n")
        report("http/416", beyond.status == 416 and beyond.headers.get("content-range") == "bytes */1048576",
               f"{beyond.status} {beyond.headers.get('content-range')}")
        api_mem = client.get("/api/mem")
        report("http/api-json", api_mem.status == 200 and "frames_total_bytes" in json.loads(api_mem.body),
               api_mem.body[:80].decode("latin-1"))
    finally:
        client.close()

    closing = {
        "http/400-bad-request-line": (b"GET/ HTTP/1.1\r\n\r\n", 400),
        "http/400-header-injection": (b"GET / HTTP/1.1\r\nHost: x\rX-Evil: 1\r\n\r\n", 400),
        "http/413": (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", 413),
        "http/431-long-head": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n", 431),
        "http/431-many-headers": (b"GET / HTTP/1.1\r\nHost: x\r\n"
                                  + b"".join(b"X-%d: 1\r\n" % i for i in range(40)) + b"\r\n", 431),
        "http/501": (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        "http/505": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    }
    for name, (request, expected) in closing.items():
        try:
            status, closed = raw_status(port, request)
            report(name, status == expected and closed, f"status {status}, closed {closed}")
        except (OSError, EOFError, ValueError, IndexError) as e:
            report(name, False, repr(e))


def check_live_pages(port, report):
    """Each live page as HTML (reloading itself) and as JSON, with the
    figures its system call gives."""
    client = Client(port)
    try:
        pages = {}
        for name in ["proc", "sched", "mem", "net"]:
            page = client.get(f"/{name}")
            pages[name] = (page.status, page.headers.get("content-type", "").split(";")[0],
                           b'http-equiv="refresh"' in page.body)
        report("http/live-pages-html", all(v == (200, "text/html", True) for v in pages.values()), str(pages))
        procs = json.loads(client.get("/api/proc").body)
        names = {p["name"] for p in procs}
        report("http/api-proc", "httpd" in names and "init" in names, str(sorted(names)))
        sched = json.loads(client.get("/api/sched").body)
        report("http/api-sched", sched["running"] >= 1 and sched["processes"] == len(sched["per_process"]),
               f"running {sched['running']}, runnable {sched['runnable']}, busy {sched['cpu_busy_percent']} %")
        net = json.loads(client.get("/api/net").body)
        counters = net.get("interface", {}).get("counters", {})
        report("http/api-net", net["by_state"].get("LISTEN", 0) >= 1 and counters.get("rx_packets", 0) > 0,
               f"by_state {net['by_state']}, rx_packets {counters.get('rx_packets')}")
    except (OSError, EOFError, ValueError, KeyError) as e:
        report("http/live-pages", False, repr(e))
    finally:
        client.close()


def check_keep_alive(port, report):
    """100 requests on one connection, with http.client: its socket must
    stay the same object (http.client reconnects silently otherwise)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        started = time.monotonic()
        sockets, bad = set(), 0
        for _ in range(100):
            conn.request("GET", "/style.css")
            response = conn.getresponse()
            if response.status != 200 or response.read() != www("style.css"):
                bad += 1
            sockets.add(id(conn.sock))
        elapsed = time.monotonic() - started
        report("http/keep-alive-100", bad == 0 and len(sockets) == 1,
               f"{bad} bad, {len(sockets)} connection(s), {100 / elapsed:.0f} requests/s")
    except (OSError, http.client.HTTPException) as e:
        report("http/keep-alive-100", False, repr(e))
    finally:
        conn.close()


def check_pipelining(port, report):
    """Ten requests in one write; ten answers, in order."""
    paths = ["/style.css", "/logo.svg", "/api/mem", "/index.html", "/nope"] * 2
    client = Client(port)
    try:
        client.send(b"".join(f"GET {p} HTTP/1.1\r\nHost: oxv6\r\n\r\n".encode() for p in paths))
        answers = [client.response() for _ in paths]
        expected = [200, 200, 200, 200, 404] * 2
        in_order = (answers[0].body == www("style.css") and answers[1].body == www("logo.svg")
                    and answers[3].body == www("index.html"))
        got = [a.status for a in answers]
        report("http/pipelining", got == expected and in_order, f"statuses {got}")
    except (OSError, EOFError, ValueError) as e:
        report("http/pipelining", False, repr(e))
    finally:
        client.close()


def check_big_file(port, report):
    expected = hashlib.sha256(big_www_file()).hexdigest()
    client = Client(port, timeout=120)
    try:
        started = time.monotonic()
        response = client.get("/big.txt")
        elapsed = time.monotonic() - started
        digest = hashlib.sha256(response.body).hexdigest()
        report("http/big-file-sha256", response.status == 200 and digest == expected,
               f"{len(response.body)} bytes in {elapsed:.2f} s ({len(response.body) / elapsed / 1024:.0f} KiB/s)")
    except (OSError, EOFError, ValueError) as e:
        report("http/big-file-sha256", False, repr(e))
    finally:
        client.close()


def check_curl(port, report):
    if shutil.which("curl") is None:
        report("http/curl", False, "curl is not installed")
        return
    base = f"http://127.0.0.1:{port}"

    def curl(*args):
        proc = subprocess.run(["curl", "-s", "--max-time", "60", *args], stdout=subprocess.PIPE, timeout=90)
        return proc.stdout

    codes = [curl("-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", base + path).decode()
             for path in ["/", "/missing", "/../etc/motd"]]
    report("http/curl-status-codes", codes == ["200", "404", "403"], str(codes))
    big = curl(base + "/big.txt")
    report("http/curl-big-file", hashlib.sha256(big).digest() == hashlib.sha256(big_www_file()).digest(),
           f"{len(big)} bytes")


def check_concurrency(port, report, clients=64, requests=100):
    """`clients` threads, each with one persistent connection, `requests`
    each. The connections are opened one after another, each with its
    first request answered, and only then do all clients run at once:
    QEMU's forwarding listens with a backlog of one, so 64 simultaneous
    connects would wait in the host's queue (SYN+ACK retried after 1, 2,
    4, ... s) and measure that, not httpd."""
    errors, refused, done = [], [0], [0]
    lock = threading.Lock()
    body = www("logo.svg")

    def ask(client, n, i):
        response = client.get("/logo.svg" if i % 2 else "/api/mem")
        with lock:
            if response.status == 503:
                refused[0] += 1
                errors.append(f"client {n}: 503")
                return False
            if response.status != 200 or (i % 2 and response.body != body):
                errors.append(f"client {n} request {i}: {response.status}")
            done[0] += 1
        return True

    def worker(n, client):
        i = 1
        try:
            for i in range(1, requests):
                if not ask(client, n, i):
                    return
        except (OSError, EOFError, ValueError, IndexError) as e:
            with lock:
                errors.append(f"client {n} after {i} requests: {e!r}")
        finally:
            client.close()

    started = time.monotonic()
    opened = []
    for n in range(clients):
        try:
            client = Client(port, timeout=60)
        except OSError as e:
            errors.append(f"client {n}: connect: {e!r}")
            continue
        try:
            if ask(client, n, 0):
                opened.append((n, client))
                continue
        except (OSError, EOFError, ValueError, IndexError) as e:
            errors.append(f"client {n} first request: {e!r}")
        client.close()

    threads = [threading.Thread(target=worker, args=(n, client), daemon=True) for n, client in opened]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.monotonic() - started
    detail = (f"{done[0]} of {clients * requests} answered 200 in {elapsed:.1f} s "
              f"({done[0] / elapsed:.0f} requests/s), {len(errors)} errors")
    if refused[0]:
        detail += f", {refused[0]} clients refused with 503 (server capacity, see /api/net)"
    if errors:
        detail += f"; first: {errors[:3]}"
    report(f"http/concurrent-{clients}x{requests}", not errors and done[0] == clients * requests, detail)


def check_slowloris(port, report):
    """Slow clients trickling a request byte by byte hold a connection each,
    but others are served meanwhile, and httpd cuts them off with 408."""
    slow = []
    try:
        for _ in range(3):
            slow.append(Client(port, timeout=30))
        partial = b"GET / HTTP/1.1\r\nHost: oxv6\r\nX-Slow: "
        started = time.monotonic()
        worst = 0.0
        for second in range(8):
            for client in slow:
                client.send(partial[second:second + 1] if second < len(partial) else b"a")
            fast = Client(port, timeout=10)
            t0 = time.monotonic()
            ok = fast.get("/style.css").status == 200
            worst = max(worst, time.monotonic() - t0)
            fast.close()
            if not ok:
                break
            time.sleep(max(0.0, started + second + 1 - time.monotonic()))
        report("http/slowloris-others-served", ok and worst < 5, f"slowest other request {worst:.2f} s")
        timed_out = 0
        for client in slow:
            try:
                client.sock.settimeout(20)
                if client.response().status == 408:
                    timed_out += 1
            except (OSError, EOFError, ValueError):
                pass
        report("http/408-slowloris", timed_out == len(slow),
               f"{timed_out} of {len(slow)} got 408 after {time.monotonic() - started:.1f} s")
    except (OSError, EOFError) as e:
        report("http/slowloris-others-served", False, repr(e))
    finally:
        for client in slow:
            client.close()


def check_capacity(port, report):
    """Fill every connection slot, then one more gets 503."""
    capacity = api(port, "net")["httpd"]["capacity"]
    held = []
    try:
        for _ in range(capacity):
            client = Client(port)
            if client.get("/logo.svg").status != 200:
                break
            held.append(client)
        extra = Client(port)
        try:
            status = extra.get("/logo.svg").status
        except (OSError, EOFError) as e:
            status = repr(e)
        finally:
            extra.close()
        report("http/503-over-capacity", len(held) == capacity and status == 503,
               f"capacity {capacity}, held {len(held)}, next got {status}")
    except (OSError, EOFError) as e:
        report("http/503-over-capacity", False, f"after {len(held)} connections: {e!r}")
    finally:
        for client in held:
            client.close()
        # httpd sees the closes on its next polls; until then it is still
        # full, and the next check's clients would get a 503 and a close.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if api(port, "net")["httpd"]["open_connections"] <= 1:
                    break
            except (OSError, EOFError, ValueError):
                pass  # a 503 page is not JSON: still full
            time.sleep(0.2)


def kernel_memory(port):
    """/api/mem as a dict (the kernel's frames and heap)."""
    client = Client(port)
    try:
        return json.loads(client.get("/api/mem").body)
    finally:
        client.close()


def run(tests):
    report, timeout = tests.report, tests.timeout
    port = harness.free_port()
    qemu = tests.boot("-- httpd", extra=harness.user_net(port))
    try:
        banner = qemu.wait_for(r"httpd: serving /www on port 80", timeout)
        report("http/serving", banner is not None, "" if banner else qemu.text()[-800:])
        if banner is None:
            return
        if not wait_until_serving(port, time.monotonic() + timeout):
            report("http/reachable", False, qemu.text()[-800:])
            return
        before = live_sockets(port)[1]
        memory_before = kernel_memory(port)
        check_status_codes(port, report)
        check_live_pages(port, report)
        check_keep_alive(port, report)
        check_pipelining(port, report)
        check_big_file(port, report)
        check_curl(port, report)
        check_capacity(port, report)
        check_slowloris(port, report)
        check_concurrency(port, report)
        # Idle: the listener, and the connection asking. Closed connections
        # pass through LAST-ACK or FIN-WAIT on their way out: give them a
        # few seconds. TIME-WAIT is left out: it lasts 2 MSL by design.
        idle = {"LISTEN": 1, "ESTABLISHED": 1}
        deadline = time.monotonic() + 15
        while True:
            _, after, open_connections = live_sockets(port)
            if (after == idle and open_connections == 1) or time.monotonic() > deadline:
                break
            time.sleep(1)
        report("http/sockets-back-to-idle", after == idle and open_connections == 1,
               f"before the tests {before}, after {after}, httpd connections open {open_connections}")
        # Memory: the kernel heap (socket buffers, connection state) comes
        # back once the connections are gone (and TIME-WAIT, 2 s, is over).
        # Frames are reported, not judged: httpd's own heap keeps its
        # high-water mark, as any malloc does.
        time.sleep(3)
        memory_after = kernel_memory(port)
        heap_growth = memory_after["heap_used_bytes"] - memory_before["heap_used_bytes"]
        frames_change = memory_after["frames_free_bytes"] - memory_before["frames_free_bytes"]
        report("http/memory-back-to-idle", heap_growth <= 128 * 1024,
               f"kernel heap {memory_before['heap_used_bytes']} -> {memory_after['heap_used_bytes']} bytes "
               f"({heap_growth:+}), free frames {frames_change:+} bytes")
        crashed = re.search(r"KERNEL|panic", qemu.text())
        report("http/no-crash", crashed is None, qemu.text()[-1500:] if crashed else "")
    finally:
        qemu.kill()


if __name__ == "__main__":
    harness.main(sys.modules[__name__])
