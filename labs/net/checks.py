"""Checks for the net lab: the e1000's transmit and receive paths, driven
from the host through QEMU's user network (ping the gateway, UDP echo,
HTTP fetches of a small page and of 1 MiB, which wraps both rings many
times over)."""

import os
import socket
import time

import harness
import http_client
from grade import ROOT, check, expect, tail


@check("ping-gateway", 20)
def ping_gateway(lab):
    output = lab.run("ping -c 3 10.0.2.2", extra=harness.NET_ARGS)
    expect("3 packets transmitted, 3 received" in output,
           f"ping -c 3 10.0.2.2 should get 3 replies; output:\n{tail(output, 600)}")


@check("udp-echo", 25)
def udp_echo(lab):
    port = harness.free_port()
    qemu = lab.boot("udpecho 7", extra=["-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:7",
                                        "-device", "e1000,netdev=n0"])
    expect(qemu.wait_for(r"udpecho: listening", 30), f"udpecho did not start: {tail(qemu.text())}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1)
        echoed = 0
        for i in range(5):
            payload = os.urandom(100 + i * 250)
            for _attempt in range(4):  # the first may wait for ARP
                sock.sendto(payload, ("127.0.0.1", port))
                try:
                    data, _ = sock.recvfrom(4096)
                    while data != payload:  # a late echo of an earlier try
                        data, _ = sock.recvfrom(4096)
                except socket.timeout:
                    continue
                echoed += 1
                break
            else:
                break  # no echo after 4 tries: the rest would time out too
    expect(echoed == 5, f"{echoed} of 5 datagrams came back intact")


def httpd(lab):
    """The port of a guest running httpd, booted once for both checks."""
    if not hasattr(lab, "httpd_port"):
        lab.httpd_port = harness.free_port()
        qemu = lab.boot("httpd", extra=harness.user_net(lab.httpd_port))
        lab.httpd_up = qemu.wait_for(r"httpd: serving /www on port 80", 30) is not None and \
            http_client.wait_until_serving(lab.httpd_port, time.monotonic() + 6)
    expect(lab.httpd_up, "httpd did not answer on port 80")
    return lab.httpd_port


@check("http-fetch", 25)
def http_fetch(lab):
    client = http_client.Client(httpd(lab), timeout=10)
    try:
        response = client.get("/index.html")
    finally:
        client.close()
    with open(os.path.join(ROOT, "rootfs/www/index.html"), "rb") as f:
        expect(response.status == 200 and response.body == f.read(),
               f"GET /index.html: status {response.status}, {len(response.body)} bytes")


@check("http-1mib", 30)
def http_big(lab):
    client = http_client.Client(httpd(lab), timeout=30)
    try:
        response = client.get("/big.txt")
    finally:
        client.close()
    expect(response.status == 200 and len(response.body) == 1 << 20,
           f"GET /big.txt: status {response.status}, {len(response.body)} bytes of {1 << 20}")
