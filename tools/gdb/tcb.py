"""gdb command `tcb`: the TCP control blocks of the kernel's network
stack, one line per socket, with the RFC 9293 state and the send and
receive sequence variables (RFC 9293 §3.3.1).

Path to the table: kernel::netstack::NET (a SpinLock<Option<NetStack>>) ->
iface.tcp (Option<TcpTable>) -> slots (Vec<Slot>), each slot an
Option<Socket>: a Listener or a Connection (net/src/tcp/table.rs).
"""

import gdb

import rust_values as rv


def address(socket_address):
    """A core::net::SocketAddrV4 as a.b.c.d:port."""
    octets = socket_address["ip"]["octets"]
    ip = ".".join(str(int(octets[i])) for i in range(4))
    return f"{ip}:{int(socket_address['port'])}"


def sequence(connection, name):
    return int(connection[name]["__0"])


def tcp_slots():
    stack = rv.option(rv.locked(rv.lookup("kernel::netstack::NET")))
    if stack is None:
        raise gdb.GdbError("no network stack (the machine has no usable network card)")
    table = rv.option(stack["iface"]["tcp"])
    if table is None:
        raise gdb.GdbError("the interface has no TCP table yet")
    return rv.vec_items(table["slots"])


class Tcb(gdb.Command):
    """tcb: every TCP socket of the kernel's stack: state, addresses, and
for connections the send (SND.UNA, SND.NXT, SND.WND) and receive
(RCV.NXT) sequence variables, relative to the initial ones (ISS, IRS)."""

    def __init__(self):
        super().__init__("tcb", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        shown = 0
        for index, slot in enumerate(tcp_slots()):
            socket = rv.option(slot["socket"])
            if socket is None:
                continue
            kind, payload = rv.variant(socket)
            shown += 1
            if kind == "Listener":
                print(f"[{index}] LISTEN       {address(payload['__0']['local'])}")
                continue
            c = rv.pointee_of(payload["__0"])
            state = rv.c_enum_name(c["state"])
            iss, irs = sequence(c, "iss"), sequence(c, "irs")
            print(f"[{index}] {state:<12} {address(c['local'])} <-> {address(c['remote'])}  "
                  f"owner {rv.variant(c['owner'])[0]}")
            print(f"      ISS {iss}  SND.UNA=ISS+{(sequence(c, 'snd_una') - iss) % 2**32}"
                  f"  SND.NXT=ISS+{(sequence(c, 'snd_nxt') - iss) % 2**32}  SND.WND {int(c['snd_wnd'])}")
            print(f"      IRS {irs}  RCV.NXT=IRS+{(sequence(c, 'rcv_nxt') - irs) % 2**32}")
        if shown == 0:
            print("no TCP sockets")


def register():
    Tcb()
