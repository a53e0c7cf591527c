//! (format of arp: to be written)
