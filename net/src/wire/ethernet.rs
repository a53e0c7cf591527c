//! (format of ethernet: to be written)
