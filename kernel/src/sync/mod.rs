//! Synchronization: the kernel's one kind of lock.
pub mod spinlock;
pub use spinlock::SpinLock;
