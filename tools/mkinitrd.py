#!/usr/bin/env python3
"""Builds the initrd: a ustar archive of the files the kernel boots with.

    tools/mkinitrd.py --programs target/x86_64-unknown-none/debug --out build/initrd.tar

Contents:
- /bin/NAME for every user program (user/src/bin/NAME.rs or NAME/main.rs);
- /etc, /www: files copied from the `rootfs/` folder, if it exists;
- /www/big.txt: a 1 MiB download for httpd's tests, generated here;
- /tests/*: deliberately broken executables for the exec tests in usertests,
  each made by damaging a copy of /bin/hello in one precise way.

The archive is reproducible: entries sorted, owners and times zeroed.
"""

import argparse
import io
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ELF64 header fields (offsets from the start of the file).
E_MACHINE = 18
E_ENTRY = 24
E_PHOFF = 32
E_PHENTSIZE = 54
E_PHNUM = 56
# Program header fields (offsets within one entry).
P_TYPE, P_OFFSET, P_VADDR, P_FILESZ, P_MEMSZ = 0, 8, 16, 32, 40
PT_LOAD = 1


def program_names():
    names = []
    bin_dir = os.path.join(ROOT, "user/src/bin")
    for entry in sorted(os.listdir(bin_dir)):
        if entry.endswith(".rs"):
            names.append(entry[:-3])
        elif os.path.isfile(os.path.join(bin_dir, entry, "main.rs")):
            names.append(entry)
    return names


def load_segments(elf):
    """Offsets of the PT_LOAD program headers of `elf`."""
    phoff = struct.unpack_from("<Q", elf, E_PHOFF)[0]
    size = struct.unpack_from("<H", elf, E_PHENTSIZE)[0]
    count = struct.unpack_from("<H", elf, E_PHNUM)[0]
    headers = [phoff + i * size for i in range(count)]
    return [h for h in headers if struct.unpack_from("<I", elf, h + P_TYPE)[0] == PT_LOAD]


def broken_executables(good):
    """Each entry: a file name and a copy of `good` damaged in one way."""
    loads = load_segments(good)
    first, second = loads[0], loads[1]

    def patched(offset, fmt, value):
        copy = bytearray(good)
        struct.pack_into(fmt, copy, offset, value)
        return bytes(copy)

    return {
        "not_elf": b"#!/bin/sh\necho this is not an ELF executable\n",
        "empty": b"",
        "truncated_header": good[:40],
        "truncated_segments": good[:2048],
        "wrong_machine": patched(E_MACHINE, "<H", 3),  # EM_386
        "entry_outside": patched(E_ENTRY, "<Q", 0x10),
        "segment_past_file": patched(first + P_FILESZ, "<Q", len(good) * 4),
        "filesz_over_memsz": patched(first + P_FILESZ, "<Q",
                                     struct.unpack_from("<Q", good, first + P_MEMSZ)[0] + 4096),
        "kernel_segment": patched(second + P_VADDR, "<Q", 0xFFFF_8000_0000_0000),
        "overlapping_segments": patched(second + P_VADDR, "<Q",
                                        struct.unpack_from("<Q", good, first + P_VADDR)[0]),
        "huge_segment": patched(second + P_MEMSZ, "<Q", 1 << 46),
        "wrapping_segment": patched(second + P_VADDR, "<Q", 0xFFFF_FFFF_FFFF_F000),
    }


def stripped(path):
    """The program without its debug information (gdb reads the unstripped
    copy in target/); as it is if objcopy is missing."""
    if shutil.which("objcopy") is None:
        with open(path, "rb") as f:
            return f.read()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stripped")
        subprocess.run(["objcopy", "--strip-debug", path, out], check=True)
        with open(out, "rb") as f:
            return f.read()


def add_file(tar, path, data, mode=0o644):
    info = tarfile.TarInfo(path)
    info.size = len(data)
    info.mode = mode
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def add_dir(tar, path):
    info = tarfile.TarInfo(path)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = 0
    tar.addfile(info)


# --- Generated files --------------------------------------------------------
# Files too large to keep in git, made here the same way on every build.

def big_www_file():
    """/www/big.txt, httpd's 1 MiB test download: 16384 lines of 64 bytes,
    each starting with its own offset in hex, so that a byte range can be
    checked by eye and the whole file by hash (tools/http_test.py)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    lines = []
    for i in range(1 << 20 >> 6):
        filler = "".join(alphabet[(i + k) % len(alphabet)] for k in range(54))
        lines.append(f"{i << 6:08x} {filler}\n")
    return "".join(lines).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", required=True, help="folder with the built user programs")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    files = {}
    for name in program_names():
        files[f"bin/{name}"] = (stripped(os.path.join(args.programs, name)), 0o755)
    for name, data in broken_executables(files["bin/hello"][0]).items():
        files[f"tests/{name}"] = (data, 0o755)
    rootfs = os.path.join(ROOT, "rootfs")
    for folder, _, names in os.walk(rootfs):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, rootfs)] = (f.read(), 0o644)
    files["www/big.txt"] = (big_www_file(), 0o644)

    dirs = sorted({os.path.dirname(p) for p in files})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with tarfile.open(args.out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for d in dirs:
            add_dir(tar, d)
        for path in sorted(files):
            data, mode = files[path]
            add_file(tar, path, data, mode)
    # The kernel's boot log counts the same way ("N files in M folders").
    print(f"initrd: {len(files)} files in {len(dirs)} folders, {os.path.getsize(args.out) // 1024} KiB "
          f"-> {args.out}")


if __name__ == "__main__":
    main()
