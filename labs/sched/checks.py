"""Checks for the sched lab: `settickets` and the stride policy, by the
guest tests in user/src/bin/labtests/sched_lab.rs, on one CPU (so that
the spinning processes compete for it), with and without `sched=stride`."""

from grade import check


@check("stride-follows-tickets", 50)
def stride_follows_tickets(lab):
    lab.guest_test("labtests sched::stride", "sched::stride_follows_tickets", cpus=1,
                   cmdline="sched=stride")


@check("round-robin-by-default", 30)
def round_robin_by_default(lab):
    lab.guest_test("labtests sched::round", "sched::round_robin_ignores_tickets", cpus=1)


@check("settickets-checks-its-argument", 20)
def settickets_errors(lab):
    lab.guest_test("labtests sched::settickets", "sched::settickets_checks_its_argument", cpus=1)
