//! Memory-mapped device registers.
//!
//! A device register looks like memory but is not: reading it may have side
//! effects, and writing the same value twice may matter. The compiler must
//! therefore neither drop, merge nor reorder these accesses; `volatile`
//! accesses promise exactly that. `Mmio` is a window of 32-bit registers at
//! a virtual address that `kernel_map::map_mmio` mapped uncached.

use core::ptr::NonNull;
use volatile::VolatilePtr;

// ANCHOR: mmio
#[derive(Clone, Copy, Debug)]
pub struct Mmio {
    base: u64,
    len: u64,
}

impl Mmio {
    /// Maps `len` bytes of registers at physical address `phys`.
    pub fn map(phys: u64, len: u64) -> Mmio {
        Mmio {
            base: crate::mem::kernel_map::map_mmio(phys, len),
            len,
        }
    }

    fn register(&self, offset: u64) -> VolatilePtr<'_, u32> {
        assert!(
            offset.is_multiple_of(4) && offset + 4 <= self.len,
            "register {offset:#x} out of range"
        );
        let pointer = NonNull::new((self.base + offset) as *mut u32).expect("mapped, so not null");
        // SAFETY: `map` mapped [base, base + len) to the device, and the
        // offset was checked to be an aligned register inside it.
        unsafe { VolatilePtr::new(pointer) }
    }

    pub fn read(&self, offset: u64) -> u32 {
        self.register(offset).read()
    }

    pub fn write(&self, offset: u64, value: u32) {
        self.register(offset).write(value)
    }
}
// ANCHOR_END: mmio
