#!/usr/bin/env bash
# Installs what building and running oxv6 needs, if it is missing:
#   - apt packages: qemu-system-x86, xorriso, mtools, ovmf, gdb, python3,
#     and gcc + libc6-dev (the host C linker `cc` that Rust build scripts
#     need: a minimal Debian has none)
#   - the Rust toolchain pinned in rust-toolchain.toml, with its target and
#     components (RUSTUP_AUTO_INSTALL=0 machines do not fetch it by themselves)
#   - with --test: what the tests need besides (chromium), and the book's
#     mdbook (as with --docs)
#   - with --docs: mdbook, the pinned version, built from crates.io into
#     .tools/mdbook-VERSION (about 2.5 minutes on two cores; only once)
# Says what it installs; silent when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# The book is checked against this mdbook's output (tools/check_docs.py), so
# every machine builds it with the same one. Without its serve and watch
# features: they pull in a web server the checks do not need.
MDBOOK_VERSION=0.5.4

packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need qemu-system-x86_64 qemu-system-x86
need xorriso xorriso
need mformat mtools
need gdb gdb
need python3 python3
need curl curl
need addr2line binutils
need cc gcc
[ -e /usr/include/stdio.h ] || packages+=(libc6-dev)
[ -e /usr/share/ovmf/OVMF.fd ] || packages+=(ovmf)
# `make test` also needs a browser for the web pages' test, and `ip`
# for the tap tests' network namespace (tools/tap_test.py).
if [ "${1:-}" = "--test" ]; then
    need chromium chromium
    need ip iproute2
fi

if [ ${#packages[@]} -gt 0 ]; then
    echo "setup: installing ${packages[*]} with apt-get"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
    echo "setup: rustup is missing; install it from https://rustup.rs and run make again" >&2
    exit 1
fi
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^$toolchain"; then
    echo "setup: installing Rust $toolchain"
fi
if ! rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -q x86_64-unknown-none \
   || ! rustup component list --installed --toolchain "$toolchain" 2>/dev/null | grep -q clippy; then
    echo "setup: installing Rust $toolchain with target x86_64-unknown-none, rustfmt, clippy"
    rustup toolchain install "$toolchain" --profile minimal \
        --target x86_64-unknown-none --component rustfmt,clippy >/dev/null
fi

if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--docs" ]; then
    mdbook_root=".tools/mdbook-$MDBOOK_VERSION"
    if [ ! -x "$mdbook_root/bin/mdbook" ]; then
        echo "setup: building mdbook $MDBOOK_VERSION into $mdbook_root (cargo install, a few minutes)"
        cargo install mdbook --version "$MDBOOK_VERSION" --locked --quiet \
            --no-default-features --features search --root "$mdbook_root"
    fi
fi
