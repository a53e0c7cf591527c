"""oxv6's gdb helpers: `source tools/gdb/oxv6.py` (tools/gdbinit does).

Commands: ps, curproc, trapframe, kstack, fds, pagewalk, tcb, swtch-walk.
`help COMMAND` explains each. They read the kernel's tables field by field
(see rust_values.py for why) and work on Debian's gdb 13.
"""

import os
import sys

import gdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import pagewalk  # noqa: E402
import proc_commands  # noqa: E402
import swtch_walk  # noqa: E402
import tcb  # noqa: E402

# The kernel is Rust, but gdb picks the language from the frame it stops
# in, and `swtch` (a naked function) or the assembly entry points have
# none: fix it, so that Rust paths like kernel::proc::PROCS always parse.
gdb.execute("set language rust")
# Sources: the crates' folders, wherever the tree was checked out.
for crate in ("kernel", "net", "libsys", "http", "user"):
    gdb.execute(f"directory {os.path.join(ROOT, crate)}")

proc_commands.register()
pagewalk.register()
tcb.register()
swtch_walk.register()
