//! `libsys`: the one definition of the kernel/user ABI.
#![no_std]
