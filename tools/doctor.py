#!/usr/bin/env python3
"""make doctor: is this machine ready to build, run, test and debug oxv6?

Each check prints one line, `ok`, `warn` or `FAIL`, and for every problem
the exact command that fixes it. `FAIL` means a blocking problem (the build
or `make qemu` cannot work): the exit status is then 1. `warn` is for what
only some targets need (the ISO, the book, KVM, the browser test).

    tools/doctor.py                       every check (make doctor)
    tools/doctor.py --fast                the quick ones, no QEMU boot
                                          (make qemu and make test run these)
    tools/doctor.py --port HTTP_PORT=8080 --port GDB_PORT=1234
                                          also: are these ports free?
    --quiet                               print only problems, one line each
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUDO = "" if os.geteuid() == 0 else "sudo "
APT = f"{SUDO}apt-get install -y"

problems = []  # one bool per problem: is it blocking?
quiet = False  # --quiet: only problems, one line each


def line(status, what, fix=None):
    if status != "ok":
        problems.append(status == "FAIL")
    if quiet:
        if status != "ok":
            print(f"doctor: {what}" + (f"; fix: {fix}" if fix else ""))
        return
    print(f"{status:<4} {what}")
    if fix:
        print(f"     fix: {fix}")


def run(args, timeout=20):
    """(exit status, stdout+stderr) of a command; (None, why) if it cannot run."""
    try:
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
        return proc.returncode, proc.stdout
    except subprocess.TimeoutExpired:
        return None, f"no result within {timeout} s"
    except OSError as error:
        return None, str(error)


def version_of(text):
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g or 0) for g in match.groups()) if match else (0, 0, 0)


def check_qemu():
    status, out = run(["qemu-system-x86_64", "--version"])
    if status != 0:
        line("FAIL", "QEMU: qemu-system-x86_64 not found", f"{APT} qemu-system-x86")
        return
    version = version_of(out)
    # PVH boot of an ELF kernel (-kernel) arrived in QEMU 4.0; 7.2 is tested.
    if version < (4, 0, 0):
        line("FAIL", f"QEMU {'.'.join(map(str, version))}: too old for PVH boot (needs 4.0; 7.2 tested)",
             f"{APT} qemu-system-x86  (from a newer distribution release)")
        return
    _, devices = run(["qemu-system-x86_64", "-device", "help"])
    missing = [d for d in ("e1000", "isa-debug-exit") if f'"{d}"' not in devices]
    if missing:
        line("FAIL", f"QEMU {'.'.join(map(str, version))} lacks the devices {', '.join(missing)}",
             f"{APT} qemu-system-x86")
    else:
        line("ok", f"QEMU {'.'.join(map(str, version))} (PVH boot, e1000, isa-debug-exit)")


def pinned_toolchain():
    with open(os.path.join(ROOT, "rust-toolchain.toml")) as f:
        return re.search(r'channel\s*=\s*"([^"]+)"', f.read()).group(1)


def check_rust():
    toolchain = pinned_toolchain()
    install = (f"rustup toolchain install {toolchain} --profile minimal "
               "--target x86_64-unknown-none --component rustfmt,clippy")
    if shutil.which("rustup") is None:
        line("FAIL", "Rust: rustup not found",
             "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain none")
        return
    _, toolchains = run(["rustup", "toolchain", "list"])
    if not re.search(rf"^{re.escape(toolchain)}", toolchains, re.M):
        line("FAIL", f"Rust: the pinned toolchain {toolchain} (rust-toolchain.toml) is not installed", install)
        return
    _, targets = run(["rustup", "target", "list", "--installed", "--toolchain", toolchain])
    if "x86_64-unknown-none" not in targets:
        line("FAIL", f"Rust {toolchain}: target x86_64-unknown-none is missing", install)
        return
    line("ok", f"Rust {toolchain} with target x86_64-unknown-none")
    # Build scripts (of the kernel's dependencies) are host programs: they
    # need a C linker, `cc`, which a minimal system does not have.
    if shutil.which("cc") is None or not os.path.exists("/usr/include/stdio.h"):
        line("FAIL", "C toolchain: `cc` or the C library headers are missing (build scripts need them)",
             f"{APT} gcc libc6-dev")
    else:
        line("ok", "C toolchain (cc) for build scripts")


def check_gdb():
    status, out = run(["gdb", "-nx", "-batch", "-ex", "python import gdb; print('python', gdb.VERSION)"])
    if status is None:
        line("warn", "gdb not found (make gdb, the gdb tests)", f"{APT} gdb")
        return
    match = re.search(r"python (\S+)", out)
    if not match:
        line("warn", "gdb has no Python support: the helpers of tools/gdb/ need it", f"{APT} gdb")
        return
    version = version_of(match.group(1))
    # The helpers use Value.dynamic_type on Rust enums and
    # `set suppress-cli-notifications` (gdb 12); tested on gdb 13.1.
    if version < (12, 0, 0):
        line("warn", f"gdb {match.group(1)}: the helpers need gdb 12 or newer (Rust enums, notifications)",
             f"{APT} gdb  (from a newer distribution release)")
    else:
        line("ok", f"gdb {match.group(1)} with Python and Rust support (tools/gdb/ helpers)")


def check_iso_tools():
    missing = [package for command, package in (("xorriso", "xorriso"), ("mformat", "mtools"))
               if shutil.which(command) is None]
    if not os.path.exists("/usr/share/ovmf/OVMF.fd"):
        missing.append("ovmf")
    if missing:
        line("warn", f"the Limine ISO (make iso, BOOT=limine) needs {' '.join(missing)}",
             f"{APT} {' '.join(missing)}")
    else:
        line("ok", "xorriso, mtools and OVMF for the ISO")


def check_book_and_tests():
    # The book is built with the mdbook version pinned in tools/setup.sh.
    with open(os.path.join(ROOT, "tools/setup.sh")) as f:
        version = re.search(r"^MDBOOK_VERSION=(\S+)", f.read(), re.M).group(1)
    if not os.path.exists(os.path.join(ROOT, f".tools/mdbook-{version}/bin/mdbook")):
        line("warn", f"mdbook {version} not built yet (make docs and make test build it)", "tools/setup.sh --docs")
    else:
        line("ok", f"mdbook {version} for the book")
    if shutil.which("chromium") is None:
        line("warn", "chromium not found (the browser tests of make test)", f"{APT} chromium")
    else:
        line("ok", "chromium for the browser tests")


def check_kvm(fast):
    if not os.path.exists("/dev/kvm"):
        line("ok", "KVM: no /dev/kvm, QEMU uses TCG (the default; ACCEL=kvm is not available)")
        return
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        line("warn", "KVM: /dev/kvm exists but you may not use it (TCG works)",
             f"{SUDO}usermod -aG kvm $USER  (then log in again)")
        return
    if fast:
        line("ok", "KVM: /dev/kvm is usable (run `make doctor` to see whether it really works)")
        return
    # Existing is not working: a nested or software hypervisor may fault on
    # instructions the kernel uses (swapgs, int3...). Boot the kernel.
    kernel = os.path.join(ROOT, "build/kernel.elf")
    initrd = os.path.join(ROOT, "build/initrd.tar")
    if not (os.path.exists(kernel) and os.path.exists(initrd)):
        line("warn", "KVM: /dev/kvm is usable, not tried (no kernel built yet)", "make kernel initrd && make doctor")
        return
    status, out = run(["qemu-system-x86_64", "-accel", "kvm", "-m", "128M", "-nographic", "-no-reboot",
                       "-monitor", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                       "-kernel", kernel, "-initrd", initrd, "-append", "-- true"], timeout=15)
    if "init: true exited with status 0" in out and "KVM internal error" not in out and "KERNEL" not in out:
        line("ok", "KVM works: the kernel boots under ACCEL=kvm")
    else:
        last = [l for l in out.splitlines() if l.strip()][-1:] or ["no output"]
        line("warn", f"KVM exists but the kernel does not boot under it ({last[0][:70]}): keep ACCEL=tcg",
             "make qemu ACCEL=tcg  (the default)")


def port_is_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def a_free_port(avoid):
    for port in range(avoid + 1, avoid + 200):
        if port_is_free(port):
            return port
    return 0


def check_ports(ports):
    for name, port in ports:
        if port_is_free(port):
            line("ok", f"port {port} ({name}) is free")
        else:
            line("FAIL", f"port {port} ({name}) is in use by another program (another QEMU?)",
                 f"make qemu {name}={a_free_port(port)}  (or set {name} in your environment)")


def check_disk():
    free = shutil.disk_usage(ROOT).free / 2**30
    if free < 0.5:
        line("FAIL", f"disk: {free:.1f} GiB free; a build needs about 2 GiB", "make clean  (and free some space)")
    elif free < 2:
        line("warn", f"disk: {free:.1f} GiB free; a build needs about 2 GiB", "make clean")
    else:
        line("ok", f"disk: {free:.0f} GiB free")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="only the quick checks (no QEMU boot, no extras)")
    parser.add_argument("--port", action="append", default=[], metavar="NAME=PORT",
                        help="check that this host port is free")
    parser.add_argument("--quiet", action="store_true", help="print only the problems, one line each")
    args = parser.parse_args()
    global quiet
    quiet = args.quiet
    ports = [(p.split("=")[0], int(p.split("=")[1])) for p in args.port]

    check_qemu()
    check_rust()
    if not args.fast:
        check_gdb()
        check_iso_tools()
        check_book_and_tests()
    check_kvm(args.fast)
    check_ports(ports)
    check_disk()
    blocking = sum(problems)
    if quiet:
        pass
    elif blocking:
        print(f"doctor: {blocking} blocking problem(s): run the fix commands above")
    elif problems:
        print(f"doctor: OK ({len(problems)} warning(s))")
    else:
        print("doctor: OK")
    sys.exit(1 if blocking else 0)


if __name__ == "__main__":
    main()
