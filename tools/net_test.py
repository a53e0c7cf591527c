#!/usr/bin/env python3
"""oxv6 network tests: boot with an e1000 on QEMU's user network.

Called from tools/test.py (`run_net_tests`), or on its own:

    tools/net_test.py [--kernel build/kernel.elf] [--initrd build/initrd.tar]

QEMU's user network ("slirp") puts the guest on 10.0.2.0/24 with a virtual
gateway at 10.0.2.2 that answers ARP and ping itself, so these tests send
nothing beyond QEMU. Each boot runs one program through init (`-- PROGRAM`),
which powers off with the program's status: 33 for 0, 35 otherwise.

- net/ping: `ping -c 3 10.0.2.2` gets three replies and exits 0; the RTTs
  are reported.
- net/lspci: the boot log lists the e1000 at 00:03.0, claimed by its driver.
- net/ifconfig: addresses, MAC, link; a MAC and an address given on the
  QEMU and kernel command lines show up.
- net/behind-bridge: an e1000 behind a PCI-to-PCI bridge (bus 1) is found
  and works, interrupt line included.
- net/ping-timeout, net/ping-unreachable: no host at 10.0.2.99 (ETIMEDOUT,
  exit 1); no gateway for 192.168.1.1 (ENETUNREACH, exit 2).
- net/no-card: without a card the kernel boots and ping fails cleanly.
- net/no-card-service-gives-up: without a card, init restarts the failing
  httpd with back-off and gives up with one line.
"""

import re
import sys

import harness as h
from harness import NET_ARGS


def _boot(tests, cmdline, extra):
    """Boots, waits for QEMU to exit; returns (status, output)."""
    qemu = tests.boot(cmdline, extra=extra)
    status = qemu.wait_exit(tests.timeout)
    return status, qemu.text()


def _tail(out, n=1200):
    return out[-n:]


def check_ping(tests):
    report = tests.report
    status, out = _boot(tests, "-- ping -c 3 10.0.2.2", NET_ARGS)
    replies = re.findall(r"^64 bytes from 10\.0\.2\.2: seq=(\d+) time=([\d.]+) ms$", out, re.M)
    seqs = [int(s) for s, _ in replies]
    summary = re.search(r"^3 packets transmitted, 3 received, 0% packet loss$", out, re.M)
    ok = status == h.QEMU_SUCCESS and seqs == [1, 2, 3] and summary is not None
    detail = ("rtt " + ", ".join(f"{t} ms" for _, t in replies)) if ok else (
        f"exit status {status}, replies {seqs}; output:\n{_tail(out)}")
    report("net/ping", ok, detail)

    listing = re.search(r"00:03\.0 8086:100e \[0200\] Ethernet controller\s+e1000$", out, re.M)
    report("net/lspci", listing is not None, "" if listing else _tail(out))
    irq = re.search(r"net: 10\.0\.2\.15/24 gateway 10\.0\.2\.2, IRQ (\d+)", out)
    report("net/interrupt-routed", irq is not None and irq.group(1) != "-1",
           f"IRQ {irq.group(1)}" if irq else _tail(out))


def check_ifconfig(tests):
    report = tests.report
    status, out = _boot(tests, "-- ifconfig", NET_ARGS)
    expected = [r"eth0: e1000, link up", r"inet 10\.0\.2\.15/24  netmask 255\.255\.255\.0  gateway 10\.0\.2\.2",
                r"ether 52:54:00:12:34:56", r"interrupt: IRQ \d+", r"ARP cache: 0 entries"]
    missing = [p for p in expected if not re.search(p, out)]
    report("net/ifconfig", status == h.QEMU_SUCCESS and not missing,
           f"exit status {status}, missing {missing}; output:\n{_tail(out)}" if missing or status != h.QEMU_SUCCESS else "")

    # The MAC comes from the card, the address from the kernel command line.
    extra = ["-netdev", "user,id=n0", "-device", "e1000,netdev=n0,mac=52:54:00:ab:cd:ef"]
    status, out = _boot(tests, "ip=10.0.2.20/24 gw=none -- ifconfig", extra)
    expected = [r"inet 10\.0\.2\.20/24  netmask 255\.255\.255\.0  gateway 0\.0\.0\.0", r"ether 52:54:00:ab:cd:ef"]
    missing = [p for p in expected if not re.search(p, out)]
    report("net/ifconfig-settings", status == h.QEMU_SUCCESS and not missing,
           f"exit status {status}, missing {missing}; output:\n{_tail(out)}" if missing or status != h.QEMU_SUCCESS else "")


def check_ping_errors(tests):
    report = tests.report
    status, out = _boot(tests, "-- ping -c 2 -W 500 10.0.2.99", NET_ARGS)
    lost = re.findall(r"^no reply from 10\.0\.2\.99: seq=\d+$", out, re.M)
    summary = re.search(r"2 packets transmitted, 0 received, 100% packet loss", out)
    exited = re.search(r"init: ping exited with status 1$", out, re.M)
    ok = status == h.QEMU_FAILURE and len(lost) == 2 and summary and exited
    report("net/ping-timeout", bool(ok), "" if ok else f"exit status {status}; output:\n{_tail(out)}")

    status, out = _boot(tests, "gw=none -- ping -c 1 192.168.1.1", NET_ARGS)
    said = re.search(r"ping: 192\.168\.1\.1: network unreachable", out)
    exited = re.search(r"init: ping exited with status 2$", out, re.M)
    ok = status == h.QEMU_FAILURE and said and exited
    report("net/ping-unreachable", bool(ok), "" if ok else f"exit status {status}; output:\n{_tail(out)}")


def check_bridge(tests):
    report = tests.report
    extra = ["-netdev", "user,id=n0", "-device", "pci-bridge,id=br0,chassis_nr=1",
             "-device", "e1000,netdev=n0,bus=br0,addr=2"]
    status, out = _boot(tests, "-- ping -c 2 10.0.2.2", extra)
    bridge = re.search(r"\[0604\] PCI bridge", out)
    card = re.search(r"01:02\.0 8086:100e \[0200\] Ethernet controller\s+e1000$", out, re.M)
    replies = re.findall(r"^64 bytes from 10\.0\.2\.2: seq=\d+", out, re.M)
    ok = status == h.QEMU_SUCCESS and bridge and card and len(replies) == 2
    report("net/behind-bridge", bool(ok), "" if ok else
           f"exit status {status}, bridge {bool(bridge)}, card {bool(card)}, replies {len(replies)}; output:\n{_tail(out, 2500)}")


def check_no_card(tests):
    report = tests.report
    status, out = _boot(tests, "-- ping -c 1 10.0.2.2", ["-nic", "none"])
    logged = re.search(r"net: no e1000 found: running without a network", out)
    failed = re.search(r"ping: 10\.0\.2\.2: network is down", out)
    ok = status == h.QEMU_FAILURE and logged and failed and "KERNEL" not in out
    report("net/no-card", bool(ok), "" if ok else f"exit status {status}; output:\n{_tail(out)}")


def check_no_card_service(tests):
    """A normal boot without a card: init restarts the failing httpd with
    back-off, then gives up with one line."""
    qemu = tests.boot("", extra=["-nic", "none"])
    try:
        gave_up = qemu.wait_for(r"init: /bin/httpd failed \d+ times in a row .*; not restarting it", 60)
        out = qemu.text()
        failures = len(re.findall(r"httpd: cannot listen on port 80: ENETDOWN", out))
        ok = gave_up is not None and failures == 4 and "KERNEL" not in out
        tests.report("net/no-card-service-gives-up", ok,
                     f"{failures} failed starts, then one line" if ok else _tail(out))
    finally:
        qemu.kill()


# Each boot and the results it reports.
CHECKS = [
    (check_ping, ["net/ping", "net/lspci", "net/interrupt-routed"]),
    (check_ping_errors, ["net/ping-timeout", "net/ping-unreachable"]),
    (check_ifconfig, ["net/ifconfig", "net/ifconfig-settings"]),
    (check_bridge, ["net/behind-bridge"]),
    (check_no_card, ["net/no-card"]),
    (check_no_card_service, ["net/no-card-service-gives-up"]),
]
NAMES = [name for _, names in CHECKS for name in names]


def run(tests):
    for check, names in CHECKS:
        if tests.any_selected(names):
            check(tests)


if __name__ == "__main__":
    h.main(sys.modules[__name__])
