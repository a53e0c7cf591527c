//! The 16550 UART on COM1 (I/O ports 0x3F8..0x3FF): the serial console.
//!
//! QEMU connects it to its stdio (`-serial mon:stdio`), so it is how the
//! kernel talks to a student's terminal and to the test harness. Output is
//! polled (wait until the transmitter is empty, write a byte); input raises
//! IRQ 4, which the I/O APIC routes to `console::on_interrupt`.

use x86_64::instructions::port::Port;

const COM1: u16 = 0x3F8;

// Register offsets from the base port.
const DATA: u16 = 0; // receive / transmit buffer (divisor low when DLAB=1)
const INTERRUPT_ENABLE: u16 = 1; // (divisor high when DLAB=1)
const FIFO_CONTROL: u16 = 2;
const LINE_CONTROL: u16 = 3;
const MODEM_CONTROL: u16 = 4;
const LINE_STATUS: u16 = 5;

const LINE_STATUS_DATA_READY: u8 = 1 << 0;
const LINE_STATUS_TX_EMPTY: u8 = 1 << 5;

/// ISA interrupt line of COM1.
pub const IRQ: u8 = 4;

fn port(offset: u16) -> Port<u8> {
    Port::new(COM1 + offset)
}

fn read(offset: u16) -> u8 {
    // SAFETY: COM1's registers exist on every PC and QEMU machine; reading
    // them has no effect beyond the UART itself.
    unsafe { port(offset).read() }
}

fn write(offset: u16, value: u8) {
    // SAFETY: as for `read`; only the UART is affected.
    unsafe { port(offset).write(value) }
}

// ANCHOR: uart_init
/// Programs 115200 baud, 8 data bits, no parity, one stop bit, FIFOs on,
/// and the receive-data interrupt. Safe to call more than once.
pub fn init() {
    write(INTERRUPT_ENABLE, 0x00);
    write(LINE_CONTROL, 0x80); // DLAB: the next two writes set the divisor
    write(DATA, 1); // 115200 / 1
    write(INTERRUPT_ENABLE, 0);
    write(LINE_CONTROL, 0x03); // 8N1, DLAB off
    write(FIFO_CONTROL, 0xC7); // enable and clear FIFOs, 14-byte threshold
    write(MODEM_CONTROL, 0x0B); // DTR, RTS, and OUT2, which gates the IRQ line on PCs
    write(INTERRUPT_ENABLE, 0x01); // interrupt when a byte arrives
}
// ANCHOR_END: uart_init

// ANCHOR: uart_io
/// Sends one byte, waiting for room in the transmitter.
pub fn put_byte(byte: u8) {
    while read(LINE_STATUS) & LINE_STATUS_TX_EMPTY == 0 {
        core::hint::spin_loop();
    }
    write(DATA, byte);
}

/// Takes one received byte, if there is one.
pub fn get_byte() -> Option<u8> {
    (read(LINE_STATUS) & LINE_STATUS_DATA_READY != 0).then(|| read(DATA))
}
// ANCHOR_END: uart_io
