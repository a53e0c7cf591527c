//! The legacy 8259 PIC pair: remapped out of the way, then silenced.
//!
//! We take interrupts through the APICs instead. The PICs still exist, and
//! at power-on they deliver IRQs on vectors 8-15, which are also CPU
//! exception vectors: a stray PIC interrupt would look like a double fault.
//! So we first move them to vectors 32-47 (where they harmlessly alias our
//! IRQ vectors), then mask every line.

use x86_64::instructions::port::Port;

// ANCHOR: pic_disable
pub fn disable() {
    let mut master_cmd: Port<u8> = Port::new(0x20);
    let mut master_data: Port<u8> = Port::new(0x21);
    let mut slave_cmd: Port<u8> = Port::new(0xA0);
    let mut slave_data: Port<u8> = Port::new(0xA1);
    // SAFETY: the standard initialization sequence (ICW1-ICW4) of the 8259s
    // at their fixed ports, followed by masking all lines.
    unsafe {
        master_cmd.write(0x11); // ICW1: initialize, expect ICW4
        slave_cmd.write(0x11);
        master_data.write(32); // ICW2: vector base
        slave_data.write(40);
        master_data.write(4); // ICW3: slave on line 2
        slave_data.write(2);
        master_data.write(0x01); // ICW4: 8086 mode
        slave_data.write(0x01);
        master_data.write(0xFF); // mask everything
        slave_data.write(0xFF);
    }
}
// ANCHOR_END: pic_disable
