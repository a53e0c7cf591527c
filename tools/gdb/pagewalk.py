"""gdb command `pagewalk VA [pid|name]`: translate a virtual address the
way the MMU does, printing each of the four levels of the walk.

x86-64 splits a virtual address into four 9-bit indexes (bits 47-39 pick
the PML4 entry, 38-30 the PDPT entry, 29-21 the PD entry, 20-12 the PT
entry) and a 12-bit offset. Each entry holds the physical address of the
next table and flags; a PS entry at the PDPT or PD level maps a 1 GiB or
2 MiB page directly. Tables are read through the kernel's direct map of
physical memory (kernel/src/mem/page_table.rs walks them the same way).
"""

import gdb

import kernel_state as ks
import rust_values as rv

LEVELS = [("PML4", 39), ("PDPT", 30), ("PD", 21), ("PT", 12)]
ADDRESS_MASK = 0x000F_FFFF_FFFF_F000
FLAGS = [(0, "P"), (1, "W"), (2, "U"), (3, "PWT"), (4, "PCD"), (5, "A"), (6, "D"),
         (7, "PS"), (8, "G"), (63, "NX")]


def flag_names(entry):
    return " ".join(name for bit, name in FLAGS if entry >> bit & 1) or "-"


def root_of(argument):
    """(page table root, whose) for the process named, or CR3 if none."""
    if argument:
        p = ks.find_process(argument)
        if p.page_table_root:
            return p.page_table_root, f"{p.label()}'s page table"
        return rv.atomic(rv.lookup("kernel::mem::kernel_map::KERNEL_ROOT")), "the kernel's page table"
    cr3 = int(gdb.parse_and_eval("$cr3")) & ADDRESS_MASK
    return cr3, "the page table in CR3"


def walk(virtual, root):
    """Yields (level name, index, entry address, entry) down to the leaf."""
    table = root
    for depth, (name, shift) in enumerate(LEVELS):
        index = virtual >> shift & 0x1FF
        entry_address = table + 8 * index
        entry = ks.read_physical(entry_address)
        yield name, index, entry_address, entry
        if not entry & 1:
            return
        if entry >> 7 & 1 and depth in (1, 2):
            return  # a 1 GiB or 2 MiB page
        table = entry & ADDRESS_MASK


class PageWalk(gdb.Command):
    """pagewalk VA [pid|name]: each level of the page-table walk for VA,
the final entry and its flags, and the physical address. Without a
process, walks the page table in CR3."""

    def __init__(self):
        super().__init__("pagewalk", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        words = argument.split()
        if not words:
            raise gdb.GdbError("usage: pagewalk VA [pid|name]")
        virtual = int(gdb.parse_and_eval(words[0])) & (2**64 - 1)
        root, whose = root_of(" ".join(words[1:]))
        print(f"{virtual:#x} in {whose} (root {root:#x})")
        last = None
        for name, index, address, entry in walk(virtual, root):
            print(f"  {name:<4} [{index:>3}] at {address:#011x}: {entry:#018x}  {flag_names(entry)}")
            last = (name, entry)
        name, entry = last
        if not entry & 1:
            print(f"  not mapped: the {name} entry is not present (an access would page-fault)")
            return
        page_size = {"PDPT": 1 << 30, "PD": 1 << 21, "PT": 1 << 12}[name]
        physical = (entry & ADDRESS_MASK & ~(page_size - 1)) | (virtual & (page_size - 1))
        kind = {1 << 30: "1 GiB", 1 << 21: "2 MiB", 1 << 12: "4 KiB"}[page_size]
        access = ("user" if entry & 4 else "kernel-only") + (", writable" if entry & 2 else ", read-only") \
            + (", no-execute" if entry >> 63 else ", executable")
        print(f"  -> physical {physical:#x} ({kind} page; {access})")


def register():
    PageWalk()
