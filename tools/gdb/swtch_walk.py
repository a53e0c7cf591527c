"""gdb command `swtch-walk`: run to the next context switch and step
through `swtch` (kernel/src/proc/swtch.rs) one instruction at a time,
saying whose context is saved, whose is loaded, which stack `rsp` is on
after each step, and where the `ret` lands.
"""

import re

import gdb

import kernel_state as ks
import rust_values as rv


def register_value(name):
    return int(gdb.parse_and_eval(f"${name}")) & (2**64 - 1)


def context_owner(address):
    """Whose `Context` lives at `address`: a process slot or a CPU's
    scheduler (kernel/src/arch/cpu.rs, Cpu::scheduler_context)."""
    for p in ks.processes():
        if int(p.value["context"].address) == address:
            return p.label()
    for index, cpu in ks.cpus():
        if int(cpu["scheduler_context"].address) == address:
            return f"CPU {index}'s scheduler"
    return f"the context at {address:#x}"


def swtch_address():
    """Where `swtch` starts. A naked function has no debug information,
    so ask the ELF symbol table (`info address`) rather than DWARF."""
    described = gdb.execute("info address swtch", to_string=True)
    match = re.search(r"at (0x[0-9a-f]+)", described)
    if match is None:
        raise gdb.GdbError("no symbol swtch: is build/kernel.elf loaded?")
    return int(match.group(1), 16)


class SwtchWalk(gdb.Command):
    """swtch-walk: continue to the next call of swtch, then step through
it instruction by instruction, narrating the switch of stacks."""

    def __init__(self):
        super().__init__("swtch-walk", gdb.COMMAND_RUNNING)

    def invoke(self, argument, from_tty):
        start = swtch_address()
        # Our narration replaces gdb's "0x... in swtch ()" after each step.
        gdb.execute("set suppress-cli-notifications on")
        try:
            self.walk(start)
        finally:
            gdb.execute("set suppress-cli-notifications off")

    def walk(self, start):
        if register_value("pc") != start:
            gdb.execute(f"tbreak *{start:#x}", to_string=True)
            gdb.execute("continue", to_string=True)
        old, new = register_value("rdi"), register_value("rsi")
        print(f"swtch(old={old:#x}, new={new:#x})")
        print(f"  saving the registers of {context_owner(old)}")
        print(f"  loading the registers of {context_owner(new)}")
        print(f"  rsp {register_value('rsp'):#x}: on {ks.describe_stack(register_value('rsp'))}")
        stack = ks.stack_slot(register_value("rsp"))
        # swtch is straight-line code ending in `ret`: step to the ret.
        for _ in range(64):
            instruction = gdb.execute("x/i $pc", to_string=True).split(":", 1)[1].strip()
            gdb.execute("stepi", to_string=True)
            rsp = register_value("rsp")
            note = ""
            if ks.stack_slot(rsp) != stack:
                stack = ks.stack_slot(rsp)
                note = f"   <- now on {ks.describe_stack(rsp)}"
            print(f"  {instruction:<34}{note}".rstrip())
            if instruction.startswith("ret"):
                break
        pc = register_value("pc")
        print(f"returned into {rv.where(pc)}")
        slot = ks.stack_slot(register_value("rsp"))
        if slot is None:
            print("now running: the scheduler (no process on this CPU)")
        else:
            p = next((p for p in ks.processes() if p.slot == slot), None)
            print(f"now running: {p.label() if p else 'slot ' + str(slot)}")


def register():
    SwtchWalk()
