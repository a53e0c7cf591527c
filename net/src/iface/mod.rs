//! The interface: to be written.
