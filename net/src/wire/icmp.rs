//! (format of icmp: to be written)
