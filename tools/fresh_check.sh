#!/usr/bin/env bash
# make fresh-check: does the README's `make test` work on a fresh machine?
#
# CI on a developer's machine hides a missing install step: everything is
# already there. So this builds a minimal Debian (debootstrap --variant=
# minbase) with only what the README assumes, git, make, curl and rustup,
# clones the committed tree into it, and runs `make test` inside, as root
# (setup.sh installs the rest with apt-get and rustup, as on a student's
# machine).
#
# The base system (before any of our install steps) is cached in
# build/fresh-base.tar; `FRESH_REBUILD=1` makes a new one. Needs root
# (debootstrap, chroot, mounts) and the network (a Debian mirror, rustup).
#
# Inside the chroot: /proc, /sys and /dev are bind-mounted for QEMU and the
# tap tests (/dev/net/tun), and the chroot's / is bind-mounted onto itself,
# because `ip netns exec` needs / to be a mount point.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BASE=$ROOT/build/fresh-base.tar
DIR=$ROOT/build/fresh
SUITE=${FRESH_SUITE:-bookworm}
MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
RUSTUP_INIT_URL=https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu/rustup-init

if [ "$(id -u)" -ne 0 ]; then
    echo "fresh-check: needs root (debootstrap, chroot and mounts); try: sudo make fresh-check" >&2
    exit 1
fi
command -v debootstrap >/dev/null || { echo "fresh-check: installing debootstrap"; apt-get install -y -qq debootstrap >/dev/null; }

mounts=()
cleanup() {
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounts+=("$2"); }

# The host's own certificate authorities (a lab network's TLS proxy, say):
# a machine on this network would have them too.
local_cas() {
    if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
        cp /usr/local/share/ca-certificates/*.crt "$DIR/usr/local/share/ca-certificates/"
        chroot "$DIR" update-ca-certificates >/dev/null 2>&1
    fi
}

# Never `rm -rf` a tree that still has something mounted in it (a bind
# of /dev would take the host's device nodes with it).
still_mounted() { grep -q " $DIR[/ ]" /proc/mounts; }
if still_mounted; then
    echo "fresh-check: something is still mounted under $DIR (a killed run?): umount it first" >&2
    exit 1
fi

start=$(date +%s)
if [ ! -f "$BASE" ] || [ -n "${FRESH_REBUILD:-}" ]; then
    echo "fresh-check: debootstrap $SUITE (minbase + git, make, curl) into $DIR"
    rm -rf "$DIR" && mkdir -p "$DIR"
    debootstrap --variant=minbase --include=git,make,curl,ca-certificates "$SUITE" "$DIR" "$MIRROR" >/dev/null
    cp /etc/resolv.conf "$DIR/etc/resolv.conf"
    local_cas
    echo "fresh-check: rustup (no toolchain: the tree's rust-toolchain.toml picks it)"
    # rustup-init from static.rust-lang.org (what https://rustup.rs's script
    # downloads; the script's own host may be unreachable from a lab).
    mount -t proc proc "$DIR/proc" && mounts+=("$DIR/proc")  # rustup-init reads /proc/self/exe
    chroot "$DIR" /bin/sh -ec "curl --proto =https --tlsv1.2 -sSf -o /tmp/rustup-init $RUSTUP_INIT_URL
        chmod +x /tmp/rustup-init
        SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt HOME=/root CARGO_HOME=/root/.cargo RUSTUP_HOME=/root/.rustup /tmp/rustup-init -y -q --profile minimal --default-toolchain none --no-modify-path
        rm /tmp/rustup-init" >/dev/null
    umount "$DIR/proc" && unset 'mounts[-1]'
    [ -x "$DIR/root/.cargo/bin/rustup" ] || { echo "fresh-check: rustup did not install" >&2; exit 1; }
    tar -C "$DIR" -cf "$BASE" .
else
    echo "fresh-check: unpacking the cached base system ($BASE)"
    rm -rf "$DIR" && mkdir -p "$DIR"
    tar -C "$DIR" -xf "$BASE"
    cp /etc/resolv.conf "$DIR/etc/resolv.conf"
fi
echo "fresh-check: base ready after $(( $(date +%s) - start )) s"

git clone -q "$ROOT" "$DIR/root/oxv6"
bind "$DIR" "$DIR"
mount -t proc proc "$DIR/proc" && mounts+=("$DIR/proc")
bind /sys "$DIR/sys"
bind /dev "$DIR/dev"
bind /dev/pts "$DIR/dev/pts"

# The README's commands, in a login shell of the chroot (rustup's PATH).
# RUSTUP_AUTO_INSTALL=0 as on the machines this was written on: the
# Makefile must install the pinned toolchain itself.
set +e
chroot "$DIR" /usr/bin/env -i HOME=/root TERM=dumb RUSTUP_AUTO_INSTALL=0 \
    CARGO_HOME=/root/.cargo RUSTUP_HOME=/root/.rustup SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PATH=/root/.cargo/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c 'cd /root/oxv6 && make test' 2>&1 | tee "$ROOT/build/fresh-check.log"
status=${PIPESTATUS[0]}
set -e
echo "fresh-check: make test exited $status after $(( $(date +%s) - start )) s in total (log: build/fresh-check.log)"
exit "$status"
