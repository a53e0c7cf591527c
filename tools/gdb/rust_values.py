"""Reading Rust values from gdb's Python API, one field at a time.

Why not just `print`? Debian's gdb 13.1 aborts (an internal assertion in
gdbtypes.h) when it formats some large Rust values, the process table
among them. Reading members one by one, and decoding enums ourselves from
their *dynamic* type (gdb resolves which variant is active), never asks gdb
to format a whole table. Every helper in tools/gdb/ goes through here.
"""

import re

import gdb


def lookup(path):
    """A global by its Rust path, e.g. `kernel::proc::PROCS`."""
    return gdb.parse_and_eval(path)


def locked(spinlock):
    """The data inside a `SpinLock<T>` (kernel/src/sync/spinlock.rs), which
    wraps spin's Mutex: .inner.inner.data.value. Read without taking the
    lock: gdb stops every CPU, so nobody is halfway through a change unless
    a CPU was stopped inside a critical section (then the data may be
    half-updated, exactly as the code there sees it)."""
    return spinlock["inner"]["inner"]["data"]["value"]


# ANCHOR: variant
def variant(value):
    """(name of the active variant, its payload struct) of a Rust enum.

    gdb models an enum with data as a struct whose dynamic type keeps only
    the active variant as a named field."""
    dynamic = value.dynamic_type
    names = [f.name for f in dynamic.fields() if f.name and not f.artificial]
    if not names:
        return None, None
    name = names[-1]
    return name, value.cast(dynamic)[name]


# ANCHOR_END: variant


def option(value):
    """The payload of `Some(x)`, or None for `None`."""
    name, payload = variant(value)
    if name != "Some":
        return None
    return payload["__0"]


def c_enum_name(value):
    """The name of a field-less enum value (`ProcState::Sleeping` ->
    "Sleeping")."""
    number = int(value)
    for field in value.type.fields():
        if field.enumval == number:
            return field.name.split("::")[-1]
    return f"?{number}"


def text(byte_array):
    """A NUL-padded `[u8; N]` name as a string."""
    raw = bytes(int(byte_array[i]) for i in range(byte_array.type.range()[1] + 1))
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def pointee_of(pointer_like):
    """Follows the first raw pointer inside a smart pointer (`Box`,
    `NonNull`, `Unique`...) and returns what it points at."""
    value = pointer_like
    for _ in range(6):
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            return value.dereference()
        value = value[value.type.fields()[0]]
    raise gdb.GdbError(f"no pointer inside {pointer_like.type}")


def arc_data(arc):
    """The `T` of an `Arc<T>` (it lives in an ArcInner beside the counts)."""
    return pointee_of(arc["ptr"])["data"]


def vec_items(vec):
    """The elements of a `Vec<T>`, as gdb values."""
    length = int(vec["len"])
    element = vec.type.template_argument(0)
    pointer = vec["buf"]["inner"]["ptr"]
    while pointer.type.strip_typedefs().code != gdb.TYPE_CODE_PTR:
        pointer = pointer[pointer.type.fields()[0]]
    start = pointer.cast(element.pointer())
    return [start[i] for i in range(length)]


def read_u64(address):
    """One 64-bit word of the guest's memory, through the current page table."""
    data = gdb.selected_inferior().read_memory(address, 8)
    return int.from_bytes(bytes(data), "little")


def atomic(value):
    """The number inside an AtomicU64/AtomicUsize (read as raw memory)."""
    return read_u64(int(value.address))


def symbol(address):
    """`function+offset` for a code address, or the hex address."""
    block = gdb.block_for_pc(address) if address else None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        # No debug information (an assembly label such as syscall_entry):
        # the ELF symbol table may still name it.
        described = gdb.execute(f"info symbol {address:#x}", to_string=True)
        if described.startswith("No symbol"):
            return f"{address:#x}"
        return strip_hash(described.split(" in section")[0].replace(" + ", "+"))
    return f"{block.function.print_name}+{address - block.start}"


def strip_hash(name):
    """`kernel::netstack::KICKED::h201dacb0...` -> `kernel::netstack::KICKED` (the
    hash rustc appends to mangled names says nothing to a reader)."""
    return re.sub(r"::h[0-9a-f]{16}", "", name)


def where(address):
    """`function at file:line` for a code address."""
    line = gdb.find_pc_line(address)
    place = f" at {line.symtab.filename}:{line.line}" if line.symtab else ""
    return symbol(address) + place
