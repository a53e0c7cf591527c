"""gdb commands about processes: ps, curproc, trapframe, kstack, fds.

Each takes an optional process, by pid or by name (`kstack sh`); without
one it means the process running on the CPU gdb has selected.
"""

import gdb

import kernel_state as ks
import rust_values as rv

# kernel/src/syscall/entry.rs: SYSCALL_VECTOR, the TrapFrame's vector for
# a system call.
SYSCALL_VECTOR = 0x100


def channel_name(address):
    """What a sleep channel's address is, in words."""
    table = ks.process_table()
    procs = table["procs"]
    first = int(procs[0].address)
    stride = int(procs[1].address) - first
    count = procs.type.range()[1] + 1
    if first <= address < first + stride * count:
        slot = (address - first) // stride
        return f"procs[{slot}] (waiting for a child to exit)"
    slot = ks.stack_slot(address)
    if slot is not None:
        return f"{address:#x} (on slot {slot}'s kernel stack)"
    described = gdb.execute(f"info symbol {address:#x}", to_string=True).strip()
    if described.startswith("No symbol"):
        return f"{address:#x} (a heap object)"
    return rv.strip_hash(described.split(" in section")[0].replace(" + ", "+"))


class Ps(gdb.Command):
    """ps: the process table, one line per used slot.
Columns: slot, pid, parent pid, state, name, and what a sleeping process
waits on (its channel)."""

    def __init__(self):
        super().__init__("ps", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        everyone = ks.processes()
        by_slot = {p.slot: p for p in everyone}
        running = ks.current_slot()
        print(f"{'SLOT':>4} {'PID':>4} {'PPID':>4}  {'STATE':<9} {'NAME':<10} WAITING ON")
        for p in everyone:
            parent = by_slot.get(p.parent_slot)
            ppid = str(parent.pid) if parent else "-"
            name = f"[{p.name}]" if p.kernel_thread else p.name
            waits = channel_name(p.chan) if p.chan is not None else "-"
            mark = "*" if p.slot == running else " "
            print(f"{mark}{p.slot:>3} {p.pid:>4} {ppid:>4}  {p.state:<9} {name:<10} {waits}")
        print("(* = running on the selected CPU; [name] = kernel thread)")


class CurProc(gdb.Command):
    """curproc: which process the selected CPU runs, and where."""

    def __init__(self):
        super().__init__("curproc", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        index, _ = ks.current_cpu()
        slot = ks.current_slot()
        pc = int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
        if slot is None:
            print(f"CPU {index}: no process (in the scheduler), at {rv.where(pc)}")
            return
        p = next(p for p in ks.processes() if p.slot == slot)
        mode = "user mode" if pc < 2**63 else "the kernel"
        print(f"CPU {index}: slot {slot}, {p.label()}, {p.state}, in {mode}")
        print(f"  at {rv.where(pc) if pc >= 2**63 else hex(pc)}")
        rsp = int(gdb.parse_and_eval("$rsp")) & (2**64 - 1)
        print(f"  rsp {rsp:#x}: " + (ks.describe_stack(rsp) if rsp >= 2**63 else "its user stack"))


class TrapFrameCommand(gdb.Command):
    """trapframe [pid|name]: the user registers a process saved when it
last entered the kernel (system call, interrupt or fault). They sit at the
top of its kernel stack (kernel/src/arch/trap.rs, TrapFrame)."""

    def __init__(self):
        super().__init__("trapframe", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        p = ks.find_process(argument)
        if p.kernel_thread:
            raise gdb.GdbError(f"{p.label()} is a kernel thread: it has no user registers")
        frame_type = gdb.lookup_type("kernel::arch::trap::TrapFrame")
        address = ks.kernel_stack_top(p.slot) - frame_type.sizeof
        frame = gdb.Value(address).cast(frame_type.pointer()).dereference()
        vector = int(frame["vector"])
        why = "system call" if vector == SYSCALL_VECTOR else f"vector {vector}"
        print(f"{p.label()}: trap frame at {address:#x} ({why})")
        names = [f.name for f in frame_type.fields()]
        for i in range(0, len(names), 3):
            print("  " + "  ".join(f"{n:>10} {int(frame[n]):#018x}" for n in names[i:i + 3]))


class KStack(gdb.Command):
    """kstack [pid|name]: a process's saved swtch context (the registers
its last swtch saved, kernel/src/proc/swtch.rs) and the backtrace of its
kernel stack, by frame pointers. For a process that is not running."""

    def __init__(self):
        super().__init__("kstack", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        p = ks.find_process(argument)
        if p.state == "Running":
            raise gdb.GdbError(f"{p.label()} is running: its registers are live, use `bt`")
        context = p.value["context"]
        names = [f.name for f in context.type.fields()]
        print(f"{p.label()}, {p.state}: saved context")
        print("  " + "  ".join(f"{n}={int(context[n]):#x}" for n in names))
        rsp, rbp = int(context["rsp"]), int(context["rbp"])
        # swtch's `ret` will pop the word at rsp: where this process resumes.
        frames = [rv.read_u64(rsp)]
        # Then the frame-pointer chain (as kernel/src/arch/backtrace.rs).
        while rbp >= 2**63 and rbp % 8 == 0 and len(frames) < 32:
            saved, ret = rv.read_u64(rbp), rv.read_u64(rbp + 8)
            if ret == 0:
                break
            frames.append(ret)
            rbp = saved
        for depth, pc in enumerate(frames):
            print(f"  #{depth:<2} {pc:#018x} in {rv.where(pc)}")


class Fds(gdb.Command):
    """fds [pid|name]: a process's open file descriptors
(kernel/src/fs/fd_table.rs): what each one is, and how it is open."""

    def __init__(self):
        super().__init__("fds", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        p = ks.find_process(argument)
        table = rv.locked(rv.lookup("kernel::fs::fd_table::TABLES")[p.slot])
        files = table["files"]
        count = files.type.range()[1] + 1
        # Option<Arc<File>> is one pointer (0 = None): read them all at once.
        raw = bytes(gdb.selected_inferior().read_memory(int(files.address), 8 * count))
        print(f"{p.label()}: cwd {cwd(table)}")
        shown = 0
        for fd in range(count):
            if int.from_bytes(raw[8 * fd:8 * fd + 8], "little") == 0:
                continue
            file = rv.arc_data(rv.option(files[fd]))
            mode = ("r" if bool(file["readable"]) else "-") + ("w" if bool(file["writable"]) else "-")
            offset = int(rv.locked(file["offset"]))
            print(f"  {fd:>3}  {mode}  {describe_object(file['object']):<26} offset {offset}")
            shown += 1
        if shown == 0:
            print("  (no open descriptors)")


def describe_object(object_value):
    """What a FileObject (kernel/src/fs/file.rs) is: its kind, and for a
    socket its protocol and stage (kernel/src/socket/object.rs), for a
    tree node whether it is a directory, an initrd file or a RAM file."""
    kind, payload = rv.variant(object_value)
    if kind == "Socket":
        protocol, inner = rv.variant(payload["__0"])
        stage, _ = rv.variant(rv.locked(inner["__0"]))
        return f"Socket {protocol} {stage or ''}".strip()
    if kind == "Node":
        node_kind, _ = rv.variant(rv.arc_data(payload["__0"]))
        return f"Node {node_kind}"
    return kind


def cwd(table):
    """The FdTable's `cwd` String, read from its bytes."""
    string = table["cwd"]["vec"]
    data = rv.vec_items(string)
    return bytes(int(b) for b in data).decode("utf-8", "replace") or "(unset)"


def register():
    Ps()
    CurProc()
    TrapFrameCommand()
    KStack()
    Fds()
