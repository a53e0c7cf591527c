//! Synchronization: the kernel's one kind of lock, and its order.
pub mod lockdep;
pub mod spinlock;
pub use spinlock::SpinLock;
