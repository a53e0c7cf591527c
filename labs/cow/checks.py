"""Checks for the cow lab: copy-on-write fork, by the guest tests in
user/src/bin/labtests/cow_lab.rs (what a fork costs, a fork bigger than
free memory, private writes by the CPU and by the kernel, no lost frames)
and by the parts of usertests that fork, fault and pass bad pointers."""

import harness
from grade import check, expect


def cow_test(name, points):
    @check(name.replace("_", "-"), points)
    def run(lab):
        lab.guest_test("labtests cow::", f"cow::{name}")
    return run


fork_shares = cow_test("fork_shares_memory", 35)
fork_bigger = cow_test("fork_bigger_than_free_memory", 35)
private = cow_test("writes_stay_private", 10)
frames = cow_test("frames_come_back", 10)


def usertests(lab, selection):
    """Every usertests test whose name contains `selection` passes."""
    results = lab.guest_tests(f"usertests {selection}", extra=harness.NET_ARGS)
    failed = {name: why for name, why in results.items() if why is not None}
    expect(not failed, f"{len(failed)} of {len(results)} failed: {failed}")


@check("usertests/process", 5)
def usertests_process(lab):
    usertests(lab, "process::")


@check("usertests/bad-pointers", 3)
def usertests_bad_pointers(lab):
    usertests(lab, "bad_pointers::")


@check("usertests/fork-bombs-leak-nothing", 2)
def usertests_fork_bombs(lab):
    usertests(lab, "leaks::fork_bombs")
