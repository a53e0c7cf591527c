//! What the driver counts, and what the card counts.
//!
//! The driver never panics on something the card did: it counts it here and
//! goes on. The card keeps statistics of its own in registers that clear
//! when read, so the driver adds each reading to a running total.

use super::regs;
use crate::dev::mmio::Mmio;

/// Events seen by the driver since boot.
#[derive(Clone, Debug, Default)]
pub struct DriverCounters {
    /// Good frames handed to the network stack, and their bytes.
    pub rx_packets: u64,
    pub rx_bytes: u64,
    /// Descriptors the card marked with error bits (CRC, symbol...).
    pub rx_errors: u64,
    /// Frames dropped for their length: too long for the stack's buffer, or
    /// empty, or spread over several descriptors.
    pub rx_length_errors: u64,
    /// Receiver overruns (ICR.RXO): frames lost because every receive
    /// descriptor was full, i.e. the stack did not keep up.
    pub rx_overruns: u64,
    /// Frames given to the card, and their bytes.
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// Frames the card reported it could not send.
    pub tx_errors: u64,
    /// Frames given with offload (checksums, or a TSO segment that leaves
    /// as several frames: `tx_packets` counts it once).
    pub tx_offloaded: u64,
    /// Frames refused by the driver: longer than a transmit buffer (or,
    /// with offload, than the ring).
    pub tx_dropped: u64,
    /// Times `transmit` found the ring full and said "not now".
    pub tx_ring_full: u64,
    /// Interrupts that were ours, and ones on our line that were not
    /// (a shared line, or a cause already acknowledged).
    pub interrupts: u64,
    pub spurious_interrupts: u64,
    /// Link status changes reported by the card.
    pub link_changes: u64,
}

/// Running totals of the card's own statistics registers.
#[derive(Clone, Debug, Default)]
pub struct HardwareCounters {
    pub good_rx: u64,
    pub good_tx: u64,
    pub missed: u64,
    pub no_buffers: u64,
    pub crc_errors: u64,
}

impl HardwareCounters {
    /// Reads (and so clears) the card's registers into the totals.
    pub fn update(&mut self, regs: &Mmio) {
        self.good_rx += regs.read(regs::GPRC) as u64;
        self.good_tx += regs.read(regs::GPTC) as u64;
        self.missed += regs.read(regs::MPC) as u64;
        self.no_buffers += regs.read(regs::RNBC) as u64;
        self.crc_errors += regs.read(regs::CRCERRS) as u64;
    }
}

/// Every counter with its name, for `netinfo` and `ifconfig`.
pub fn fields(d: &DriverCounters, h: &HardwareCounters) -> [(&'static str, u64); 19] {
    [
        ("rx_packets", d.rx_packets),
        ("rx_bytes", d.rx_bytes),
        ("rx_errors", d.rx_errors),
        ("rx_length_errors", d.rx_length_errors),
        ("rx_overruns", d.rx_overruns),
        ("tx_packets", d.tx_packets),
        ("tx_bytes", d.tx_bytes),
        ("tx_errors", d.tx_errors),
        ("tx_offloaded", d.tx_offloaded),
        ("tx_dropped", d.tx_dropped),
        ("tx_ring_full", d.tx_ring_full),
        ("interrupts", d.interrupts),
        ("spurious_interrupts", d.spurious_interrupts),
        ("link_changes", d.link_changes),
        ("hw_good_rx", h.good_rx),
        ("hw_good_tx", h.good_tx),
        ("hw_missed", h.missed),
        ("hw_no_buffers", h.no_buffers),
        ("hw_crc_errors", h.crc_errors),
    ]
}
