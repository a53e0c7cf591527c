"""Checks for the lock lab: the frame allocator under contention, by the
guest test in user/src/bin/labtests/lock_lab.rs on two CPUs (the
kernel's per-class lock counters, from `schedinfo`), and that no frame
goes missing on the way (free counts exact, no leaks)."""

import harness
from grade import check, expect


@check("frame-allocator-contention", 70)
def contention(lab):
    lab.guest_test("labtests lock::", "lock::frame_allocator_contention", cpus=2)


@check("frames-come-back", 10)
def frames_come_back(lab):
    lab.guest_test("labtests cow::frames", "cow::frames_come_back", cpus=2)


def usertests(lab, selection):
    results = lab.guest_tests(f"usertests {selection}", extra=harness.NET_ARGS, cpus=2)
    failed = {name: why for name, why in results.items() if why is not None}
    expect(not failed, f"{len(failed)} of {len(results)} failed: {failed}")


@check("usertests/sbrk", 10)
def usertests_sbrk(lab):
    usertests(lab, "memory::sbrk_grow_and_shrink")


@check("usertests/fork-bombs-leak-nothing", 10)
def usertests_fork_bombs(lab):
    usertests(lab, "leaks::fork_bombs")
