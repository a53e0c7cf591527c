//! (format of udp: to be written)
