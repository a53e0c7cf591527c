# oxv6: build, run, debug and test the teaching kernel.
#
#   make qemu          build and boot in QEMU (PVH door; Ctrl-A X quits)
#   make qemu BOOT=limine [FIRMWARE=uefi]   boot the Limine ISO instead
#   make qemu-gdb      the same, stopped at the first instruction, waiting for gdb
#   make gdb           attach gdb (in a second terminal) with kernel symbols
#                      and the helpers of tools/gdb/ (ps, kstack, pagewalk...)
#   make doctor        check this machine; prints the fix for each problem
#   make fresh-check   the README's commands in a fresh minimal Debian chroot
#   make test          host unit tests + QEMU integration tests (CPUS=N: -smp N, default 2)
#   make bench         release build, benchmarks beside a Linux guest in the same QEMU
#   make profile WORKLOAD=http-keepalive   flat profile and flame graph of a
#                      workload (http-close, http-big, or a guest command line)
#   make check         rustfmt and clippy on every crate
#   make fuzz-syscalls random system calls against the kernel, many seeds
#   make iso           the hybrid BIOS/UEFI Limine ISO
#   make docs          the book, in docs/book/index.html (installs the pinned mdbook)
#   make lab LAB=util  start a lab: branch lab-util with its starter code
#   make grade [LAB=util]  grade the working tree (the lab of the branch lab-NAME)
#   make labs-check    every lab's grader fails on its starter, passes with its solution
#
# Every target that needs tools first runs `setup`, which installs what is
# missing (apt packages, the pinned Rust toolchain and target) and says so.

BUILD      := build
KERNEL_ELF := $(BUILD)/kernel.elf
INITRD     := $(BUILD)/initrd.tar
ISO        ?= $(BUILD)/oxv6.iso
# The Limine configuration the ISO boots with (the tests give their own).
LIMINE_CONF ?= limine.conf
PROFILE    ?= dev
ACCEL      ?= tcg
MEMORY     ?= 128M
# CPUs QEMU gives the guest (-smp): `make qemu CPUS=4`, `make test CPUS=1`.
CPUS       ?= 2
BOOT       ?= pvh
FIRMWARE   ?= bios
CMDLINE    ?=
# Host ports, derived from the user id (as xv6's GDBPORT) so that students
# sharing a machine do not collide; override with GDB_PORT=... HTTP_PORT=...
UID_NUMBER := $(shell id -u)
GDB_PORT   ?= $(shell expr $(UID_NUMBER) % 5000 + 25000)
HTTP_PORT  ?= $(shell expr $(UID_NUMBER) % 5000 + 30000)
# Limine: a checkout of a binary release, or cloned when the network allows.
LIMINE_BRANCH ?= v9.x-binary
LIMINE_URL    ?= https://github.com/limine-bootloader/limine.git
LIMINE_DIR    ?= $(BUILD)/limine
OVMF          ?= /usr/share/ovmf/OVMF.fd

# Cargo's output: target/, or $CARGO_TARGET_DIR if set (labs-check builds
# its worktree into target/labs-check).
CARGO_TARGET_DIR ?= target
ifeq ($(PROFILE),dev)
  TARGET_DIR := $(CARGO_TARGET_DIR)/x86_64-unknown-none/debug
else
  TARGET_DIR := $(CARGO_TARGET_DIR)/x86_64-unknown-none/$(PROFILE)
endif

# One e1000 on QEMU's user network: the guest is 10.0.2.15, the gateway
# 10.0.2.2 answers ping (`make qemu CMDLINE="-- ping 10.0.2.2"`).
# QEMU's user network; the host's 127.0.0.1:$(HTTP_PORT) reaches the httpd's
# port 80.
NET_FLAGS  ?= -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$(HTTP_PORT)-:80 -device e1000,netdev=n0
QEMU_FLAGS := -accel $(ACCEL) -m $(MEMORY) -smp $(CPUS) -nographic -no-reboot \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(NET_FLAGS)

.PHONY: all setup doctor kernel user initrd qemu qemu-gdb gdb test bench profile check iso docs clean symbolize fresh-check fuzz-syscalls lab grade labs-check

all: kernel initrd

setup:
	@tools/setup.sh

# Every check, with the command that fixes each problem. `make qemu` and
# `make test` run the quick ones first (and `make qemu` checks its ports).
doctor:
	@python3 tools/doctor.py --port HTTP_PORT=$(HTTP_PORT) --port GDB_PORT=$(GDB_PORT)

kernel: setup
	cd kernel && cargo build --profile $(PROFILE)
	@mkdir -p $(BUILD)
	cp $(TARGET_DIR)/kernel $(KERNEL_ELF)

user: setup
	cd user && cargo build --profile $(PROFILE)

# The initrd: a tar archive of the programs (and test fixtures, and the
# files under rootfs/), read by kernel/src/fs/initrd.rs.
initrd: user
	python3 tools/mkinitrd.py --programs $(TARGET_DIR) --out $(INITRD)

ifeq ($(BOOT),limine)
  ifeq ($(FIRMWARE),uefi)
    BOOT_FLAGS = -cdrom $(ISO) -bios $(OVMF)
  else
    BOOT_FLAGS = -cdrom $(ISO)
  endif
  BOOT_DEPS = iso
else
  BOOT_FLAGS = -kernel $(KERNEL_ELF) -initrd $(INITRD) -append "$(CMDLINE)"
  BOOT_DEPS = kernel initrd
endif

# QEMU's isa-debug-exit device turns the kernel's exit code into QEMU's
# status (code << 1) | 1: 33 when the guest reports success (init's program
# exited 0, or every ktest passed), 35 on failure. tools/qemu-status maps
# those to 0 and 1, so `make qemu CMDLINE="-- usertests"` succeeds exactly
# when usertests did; any other status (Ctrl-A X gives 0) passes through.
qemu: $(BOOT_DEPS)
	@python3 tools/doctor.py --fast --quiet --port HTTP_PORT=$(HTTP_PORT)
	@echo "Booting oxv6 ($(BOOT), $(ACCEL), $(CPUS) CPUs); http://127.0.0.1:$(HTTP_PORT)/ reaches its httpd. Quit with Ctrl-A X."
	tools/qemu-status qemu-system-x86_64 $(QEMU_FLAGS) $(BOOT_FLAGS)

qemu-gdb: $(BOOT_DEPS)
	@python3 tools/doctor.py --fast --quiet --port HTTP_PORT=$(HTTP_PORT) --port GDB_PORT=$(GDB_PORT)
	@echo "QEMU waits for gdb on port $(GDB_PORT): run 'make gdb' in another terminal."
	tools/qemu-status qemu-system-x86_64 $(QEMU_FLAGS) $(BOOT_FLAGS) -gdb tcp:127.0.0.1:$(GDB_PORT) -S

gdb:
	gdb -q -x tools/gdbinit -ex "target remote 127.0.0.1:$(GDB_PORT)" $(KERNEL_ELF)

test: kernel initrd
	@tools/setup.sh --test
	@python3 tools/doctor.py --fast --quiet
	python3 tools/test.py --kernel $(KERNEL_ELF) --initrd $(INITRD) --accel $(ACCEL) --cpus $(CPUS) $(TEST_FLAGS)
	@if [ "$(LABS_CHECK)" != no ]; then $(MAKE) labs-check; fi

# The README's `make test` in a fresh minimal Debian (debootstrap chroot with
# only git, make, curl, rustup): proves the install steps. Root only.
fresh-check:
	tools/fresh_check.sh

# Labs (labs/NAME/, docs/src/labs/): `make lab LAB=util` creates the branch
# lab-util with the lab's starter committed; `make grade` builds the
# working tree and runs the lab's checks (LAB defaults to the branch's).
lab:
	@test -n "$(LAB)" || { echo "usage: make lab LAB=NAME (labs: $$(grep -v '^#' labs/ORDER | xargs))"; exit 2; }
	python3 tools/labs.py start $(LAB)

grade: kernel initrd
	python3 tools/grade.py $(LAB) --kernel $(KERNEL_ELF) --initrd $(INITRD) --accel $(ACCEL) --cpus $(CPUS)

# For each lab, in a throwaway worktree: the grader must fail on the starter
# and pass every check with starter + solution (LABS="util syscall" for some).
labs-check: setup
	python3 tools/labs.py --accel $(ACCEL) check $(LABS)

# The randomized system-call tester for longer than `make test` runs it:
#   make fuzz-syscalls [FUZZ_CALLS=50000] [FUZZ_SEEDS=20] [FUZZ_FIRST_SEED=1]
FUZZ_CALLS      ?= 50000
FUZZ_SEEDS      ?= 20
FUZZ_FIRST_SEED ?= 1
fuzz-syscalls: kernel initrd
	python3 tools/fuzz_test.py --kernel $(KERNEL_ELF) --initrd $(INITRD) --accel $(ACCEL) \
	  --calls $(FUZZ_CALLS) --seeds $(FUZZ_SEEDS) --first-seed $(FUZZ_FIRST_SEED)

# The sampling profiler on a workload (tools/profiler.py): a release build,
# booted with `-- profile ...`; the flat profile, the folded stacks and the
# flame graph land in $(BUILD)/profile/ (one CPU: the profiler samples the
# first). WORKLOAD is http-keepalive,
# http-close, http-big (loads from the host) or a guest command line.
WORKLOAD ?= http-keepalive
profile: setup
	$(MAKE) kernel initrd PROFILE=release BUILD=$(BUILD)/release
	python3 tools/profiler.py --kernel $(BUILD)/release/kernel.elf --initrd $(BUILD)/release/initrd.tar \
	  --accel $(ACCEL) --cpus 1 --workload "$(WORKLOAD)" --out $(BUILD)/profile

# Benchmarks (tools/bench.py, user/src/bin/bench.rs): a release build of its
# own in $(BUILD)/release, so it does not overwrite the debug build that
# `make test` uses; `make bench ACCEL=kvm` runs the guest under KVM. The
# microbenchmarks run in oxv6 and, the same C program, in a Linux 6.1 guest
# under the same QEMU. Then the SMP scaling figures (tools/scaling_bench.py:
# 1, 2 and 4 CPUs), the network benchmarks against the host's Linux through
# a tap device (tools/net_bench.py: needs root, skipped otherwise), and the
# HTTP figures beside a Linux + nginx guest (the shared harness; root).
# (../shared beside the checkout; a worktree under wt/ looks one level up.)
HTTP_HARNESS ?= $(firstword $(wildcard ../shared/bench/linux-baseline.sh ../../shared/bench/linux-baseline.sh) ../shared/bench/linux-baseline.sh)
bench: setup
	$(MAKE) kernel initrd PROFILE=release BUILD=$(BUILD)/release
	python3 tools/bench.py --kernel $(BUILD)/release/kernel.elf --initrd $(BUILD)/release/initrd.tar --accel $(ACCEL)
	python3 tools/scaling_bench.py --kernel $(BUILD)/release/kernel.elf --initrd $(BUILD)/release/initrd.tar --accel $(ACCEL)
	python3 tools/net_bench.py --kernel $(BUILD)/release/kernel.elf --initrd $(BUILD)/release/initrd.tar --accel $(ACCEL)
	@if [ -x $(HTTP_HARNESS) ] && [ "$$(id -u)" = 0 ]; then \
	  $(HTTP_HARNESS) --accels $(ACCEL) --servers nginx --net tap --boot pvh --runs 3 -- \
	    --small-path /612.html --big-path /big.txt --target oxv6 \
	    "-accel $(ACCEL) -m 256M -smp 1 -kernel $(BUILD)/release/kernel.elf -initrd $(BUILD)/release/initrd.tar -append 'ip=192.168.76.2/24 gw=none'"; \
	else \
	  echo "HTTP beside Linux + nginx: skipped (needs root and $(HTTP_HARNESS); see its README)"; \
	fi

check: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --exclude kernel --exclude user --all-targets -- -D warnings
	cd kernel && cargo clippy -- -D warnings
	cd user && cargo clippy -- -D warnings

# Turn raw addresses from a panic report into function names and lines:
#   make symbolize ADDRS="0xffffffff80201234 0xffffffff80205678"
symbolize:
	addr2line -f -C -e $(KERNEL_ELF) $(ADDRS)

$(LIMINE_DIR)/limine:
	@if [ ! -d "$(LIMINE_DIR)" ]; then \
	  echo "Limine: cloning $(LIMINE_BRANCH) into $(LIMINE_DIR)"; \
	  git clone --depth=1 --branch=$(LIMINE_BRANCH) $(LIMINE_URL) $(LIMINE_DIR) \
	  || { echo "error: no Limine: set LIMINE_DIR to a Limine binary release (network unreachable)"; exit 1; }; \
	fi
	$(MAKE) -C $(LIMINE_DIR)

iso: kernel initrd $(LIMINE_DIR)/limine
	rm -rf $(BUILD)/iso_root
	mkdir -p $(BUILD)/iso_root/boot/limine $(BUILD)/iso_root/EFI/BOOT
	# Without its debug information (gdb reads that from $(KERNEL_ELF)):
	# Limine reads the whole file into memory, and a debug build's 10 MiB
	# of it exhausts a 128 MiB machine under UEFI, whose firmware holds much.
	objcopy --strip-debug $(KERNEL_ELF) $(BUILD)/iso_root/boot/kernel.elf
	cp $(INITRD) $(BUILD)/iso_root/boot/initrd.tar
	cp $(LIMINE_CONF) $(BUILD)/iso_root/boot/limine/limine.conf
	cp $(LIMINE_DIR)/limine-bios.sys $(LIMINE_DIR)/limine-bios-cd.bin \
	   $(LIMINE_DIR)/limine-uefi-cd.bin $(BUILD)/iso_root/boot/limine/
	cp $(LIMINE_DIR)/BOOTX64.EFI $(BUILD)/iso_root/EFI/BOOT/
	xorriso -as mkisofs -R -r -J -b boot/limine/limine-bios-cd.bin \
	  -no-emul-boot -boot-load-size 4 -boot-info-table -hfsplus \
	  -apm-block-size 2048 --efi-boot boot/limine/limine-uefi-cd.bin \
	  -efi-boot-part --efi-boot-image --protective-msdos-label \
	  $(BUILD)/iso_root -o $(ISO)
	$(LIMINE_DIR)/limine bios-install $(ISO)

# The book, built with the mdbook version pinned in tools/setup.sh; open
# docs/book/index.html. It quotes real output that `make test` leaves in
# build/ (the gdb sessions, the trace timeline): the copies in
# docs/src/generated/ are refreshed first, when there is a newer run.
MDBOOK_VERSION := $(shell sed -n 's/^MDBOOK_VERSION=//p' tools/setup.sh)
GENERATED := gdb/helpers-session.txt:gdb-helpers.txt gdb/scheduling-session.txt:gdb-scheduling.txt \
             timeline.svg:timeline.svg timeline-smp.svg:timeline-smp.svg
docs:
	@for pair in $(GENERATED); do \
	  from=$(BUILD)/$${pair%%:*}; to=docs/src/generated/$${pair##*:}; \
	  if [ -f $$from ]; then cp $$from $$to; fi; \
	done
	@tools/setup.sh --docs
	.tools/mdbook-$(MDBOOK_VERSION)/bin/mdbook build docs

clean:
	cargo clean
	rm -rf $(BUILD)
