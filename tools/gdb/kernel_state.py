"""The kernel's own tables, as the helpers need them.

Everything here mirrors a definition in the kernel; the comment on each
function says which, so that a change there is easy to follow here.
"""

import gdb

import rust_values as rv

# kernel/src/proc/mod.rs: each slot's kernel stack.
KERNEL_STACKS_BASE = 0xFFFF_FF80_0000_0000
KERNEL_STACK_STRIDE = 64 * 1024
KERNEL_STACK_SIZE = 32 * 1024


def process_table():
    """`PROCS`'s ProcTable (kernel/src/proc/mod.rs), read without locking."""
    return rv.locked(rv.lookup("kernel::proc::PROCS"))


class Process:
    """The fields of one `Proc` that the helpers show, read one by one."""

    def __init__(self, table, slot):
        proc = table["procs"][slot]
        self.slot = slot
        self.value = proc
        self.state = rv.c_enum_name(proc["state"])
        self.pid = int(proc["pid"])
        self.name = rv.text(proc["name"])
        self.kernel_thread = bool(proc["is_kernel_thread"])
        parent = rv.option(proc["parent"])
        self.parent_slot = None if parent is None else int(parent)
        chan = rv.option(proc["chan"])
        self.chan = None if chan is None else int(chan["__0"])
        self.page_table_root = int(proc["page_table_root"])
        self.killed = bool(proc["killed"])

    def label(self):
        # The same spelling as /proc, /sched and `ps` in the guest.
        return f"pid {self.pid} ({self.name})"


def processes():
    """Every slot that is not Unused."""
    table = process_table()
    count = table["procs"].type.range()[1] + 1
    found = []
    for slot in range(count):
        if rv.c_enum_name(table["procs"][slot]["state"]) != "Unused":
            found.append(Process(table, slot))
    return found


def cpus():
    """(index, Cpu value) for each started CPU (kernel/src/arch/cpu.rs)."""
    started = rv.atomic(rv.lookup("kernel::arch::cpu::CPUS_STARTED"))
    array = rv.lookup("kernel::arch::cpu::CPUS")
    return [(i, array[i]) for i in range(started)]


def current_cpu():
    """The `Cpu` of the CPU gdb has selected: the one GS points at in the
    kernel (KERNEL_GS_BASE while it runs user code, after swapgs)."""
    all_cpus = cpus()
    for register in ("gs_base", "k_gs_base"):
        try:
            base = int(gdb.parse_and_eval(f"${register}")) & (2**64 - 1)
        except gdb.error:
            continue
        for index, cpu in all_cpus:
            if int(cpu.address) == base:
                return index, cpu
    # Single-CPU boot before GS is set up, or a QEMU without these
    # registers: the first CPU is the only guess.
    return all_cpus[0] if all_cpus else (None, None)


def current_slot():
    """The slot running on the selected CPU, or None (in the scheduler)."""
    _, cpu = current_cpu()
    if cpu is None:
        return None
    slot = rv.option(cpu["current"]["value"]["value"])
    return None if slot is None else int(slot)


def find_process(argument):
    """The process named by `argument`: a pid, a name, or (empty) the
    current one. Raises a gdb.GdbError a student can act on."""
    argument = argument.strip()
    everyone = processes()
    if not argument:
        slot = current_slot()
        if slot is None:
            raise gdb.GdbError("no process is running on this CPU (it is in the scheduler): "
                               "give a pid or a name, see `ps`")
        return next(p for p in everyone if p.slot == slot)
    matches = [p for p in everyone if str(p.pid) == argument or p.name == argument]
    if not matches:
        raise gdb.GdbError(f"no process with pid or name {argument!r}: see `ps`")
    return matches[0]


def kernel_stack_top(slot):
    """kernel/src/proc/mod.rs: kernel_stack_top()."""
    return KERNEL_STACKS_BASE + (slot + 1) * KERNEL_STACK_STRIDE


def stack_slot(rsp):
    """The slot whose kernel stack holds address `rsp`, or None."""
    if KERNEL_STACKS_BASE < rsp <= KERNEL_STACKS_BASE + 64 * KERNEL_STACK_STRIDE:
        return (rsp - KERNEL_STACKS_BASE - 1) // KERNEL_STACK_STRIDE
    return None


def describe_stack(rsp):
    """Whose stack `rsp` is on, in words. `swtch` only ever moves between
    a process's kernel stack and a CPU's scheduler stack (the stack the
    CPU booted on), so anything outside the process stacks is the latter."""
    slot = stack_slot(rsp)
    if slot is None:
        return "a CPU's scheduler stack (no process's)"
    owner = next((p for p in processes() if p.slot == slot), None)
    return f"slot {slot}'s kernel stack, " + (owner.label() if owner else "an unused slot")


def direct_map_offset():
    """kernel/src/mem/mod.rs: DIRECT_MAP_OFFSET."""
    return rv.atomic(rv.lookup("kernel::mem::DIRECT_MAP_OFFSET"))


def read_physical(address):
    """One 64-bit word of physical memory, through the direct map."""
    return rv.read_u64(direct_map_offset() + address)
