//! (format of ipv4: to be written)
