//! The e1000's registers: offsets into BAR 0 and the bits we use.
//!
//! Names and numbers are those of Intel's "PCI/PCI-X Family of Gigabit
//! Ethernet Controllers Software Developer's Manual" (8254x SDM), section
//! 13, so that a student can look each one up. Only what the driver uses is
//! here.

// --- general ---
/// Device control.
pub const CTRL: u64 = 0x0000;
/// Device status (read-only).
pub const STATUS: u64 = 0x0008;
/// EEPROM read: start a read of one 16-bit word, then poll for done.
pub const EERD: u64 = 0x0014;

pub const CTRL_ASDE: u32 = 1 << 5; // auto-speed detection
pub const CTRL_SLU: u32 = 1 << 6; // set link up
pub const CTRL_RST: u32 = 1 << 26; // device reset (self-clearing)

pub const STATUS_FD: u32 = 1 << 0; // full duplex
pub const STATUS_LU: u32 = 1 << 1; // link up
pub const STATUS_SPEED_SHIFT: u32 = 6; // 2 bits: 00 10, 01 100, 1x 1000 Mb/s

pub const EERD_START: u32 = 1 << 0;
pub const EERD_DONE: u32 = 1 << 4;
pub const EERD_ADDR_SHIFT: u32 = 8;
pub const EERD_DATA_SHIFT: u32 = 16;

// --- interrupts ---
/// Interrupt cause read: which events happened. Reading it clears it, which
/// is how the driver acknowledges an interrupt.
pub const ICR: u64 = 0x00C0;
/// Interrupt mask set: writing 1 enables that cause.
pub const IMS: u64 = 0x00D0;
/// Interrupt mask clear: writing 1 disables that cause.
pub const IMC: u64 = 0x00D8;
pub const ITR: u64 = 0x00C4; // interrupt throttling: least gap, in 256 ns units

pub const ICR_TXDW: u32 = 1 << 0; // a transmit descriptor was written back
pub const ICR_LSC: u32 = 1 << 2; // link status changed
pub const ICR_RXO: u32 = 1 << 6; // receiver overrun: no free descriptor
pub const ICR_RXT0: u32 = 1 << 7; // receive timer: frames have arrived

// --- receive ---
pub const RCTL: u64 = 0x0100;
/// Receive delay timer: how long to wait for more frames before RXT0.
pub const RDTR: u64 = 0x2820;
pub const RDBAL: u64 = 0x2800;
pub const RDBAH: u64 = 0x2804;
pub const RDLEN: u64 = 0x2808;
pub const RDH: u64 = 0x2810;
pub const RDT: u64 = 0x2818;
/// Receive checksum offload control (we check checksums ourselves).
pub const RXCSUM: u64 = 0x5000;
/// Multicast table array: 128 registers of hash bits.
pub const MTA: u64 = 0x5200;
pub const MTA_LEN: u64 = 128;
/// Receive address 0, low and high halves: our MAC address.
pub const RAL0: u64 = 0x5400;
pub const RAH0: u64 = 0x5404;
pub const RAH_AV: u32 = 1 << 31; // address valid

pub const RCTL_EN: u32 = 1 << 1;
pub const RCTL_BAM: u32 = 1 << 15; // accept broadcast frames
pub const RCTL_BSIZE_2048: u32 = 0b00 << 16;
pub const RCTL_SECRC: u32 = 1 << 26; // strip the Ethernet CRC

// --- transmit ---
pub const TCTL: u64 = 0x0400;
/// Inter-packet gap timing.
pub const TIPG: u64 = 0x0410;
pub const TDBAL: u64 = 0x3800;
pub const TDBAH: u64 = 0x3804;
pub const TDLEN: u64 = 0x3808;
pub const TDH: u64 = 0x3810;
pub const TDT: u64 = 0x3818;

pub const TCTL_EN: u32 = 1 << 1;
pub const TCTL_PSP: u32 = 1 << 3; // pad short packets
pub const TCTL_CT_SHIFT: u32 = 4; // collision threshold
pub const TCTL_COLD_SHIFT: u32 = 12; // collision distance
/// The SDM's recommended values (section 14.5): 15 collisions, and a
/// collision distance of 64 byte times for full duplex.
pub const TCTL_CT: u32 = 0x0F;
pub const TCTL_COLD_FULL_DUPLEX: u32 = 0x40;
/// IPGT 10, IPGR1 8, IPGR2 6: the SDM's values for copper (13.4.34).
pub const TIPG_COPPER: u32 = 10 | 8 << 10 | 6 << 20;

// --- statistics (each clears when read) ---
pub const CRCERRS: u64 = 0x4000; // frames received with a bad CRC
pub const MPC: u64 = 0x4010; // missed: no room in the receive FIFO
pub const GPRC: u64 = 0x4074; // good packets received
pub const GPTC: u64 = 0x4080; // good packets transmitted
pub const RNBC: u64 = 0x40A0; // receive, no buffers (descriptors) available

/// How many bytes of registers BAR 0 holds (128 KiB on the 82540EM).
pub const BAR_SIZE: u64 = 128 * 1024;
