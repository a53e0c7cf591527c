//! Files. For now, only the initrd: a read-only archive of programs.
pub mod initrd;
