//! sbrk and the heap.

use crate::{TestResult, check, in_child};
use libsys::Errno;
use libsys::abi::STATUS_FAULTED;

pub fn sbrk_grow_and_shrink() -> TestResult {
    let start = libsys::sbrk(0).map_err(|e| alloc::format!("sbrk(0): {e}"))?;
    let size = 10 * 4096 + 123;
    let old = libsys::sbrk(size as isize).map_err(|e| alloc::format!("sbrk: {e}"))?;
    check!(
        old == start,
        "sbrk returned {old:#x}, expected the old break {start:#x}"
    );
    // SAFETY: sbrk just gave us [old, old + size).
    let memory = unsafe { core::slice::from_raw_parts_mut(old as *mut u8, size) };
    check!(memory.iter().all(|&b| b == 0), "new memory is not zeroed");
    memory.fill(0x5a);
    check!(libsys::sbrk(0) == Ok(start + size));
    check!(libsys::sbrk(-(size as isize)) == Ok(start + size));
    check!(libsys::sbrk(0) == Ok(start));
    check!(
        libsys::sbrk(-(1 << 40)) == Err(Errno::ENOMEM),
        "shrinking below the heap start"
    );
    Ok(())
}

pub fn sbrk_shrunk_memory_faults() -> TestResult {
    fn child() -> i32 {
        let Ok(old) = libsys::sbrk(8192) else {
            return 1;
        };
        // SAFETY (not really): we give the memory back, then touch it.
        unsafe { (old as *mut u8).write_volatile(1) };
        let _ = libsys::sbrk(-8192);
        unsafe { (old as *mut u8).write_volatile(2) };
        0
    }
    check!(
        in_child(child)? == STATUS_FAULTED,
        "using freed memory did not fault"
    );
    Ok(())
}

/// Grow until the kernel says no: ENOMEM, not a crash; then give it all
/// back and check the memory can be had again.
pub fn sbrk_out_of_memory() -> TestResult {
    check!(
        libsys::sbrk(1 << 46) == Err(Errno::ENOMEM),
        "a 64 TiB request succeeded"
    );
    fn child() -> i32 {
        let step = 4 << 20;
        let mut total = 0usize;
        loop {
            match libsys::sbrk(step) {
                Ok(_) => total += step as usize,
                Err(Errno::ENOMEM) => break,
                Err(_) => return 1,
            }
            if total > (64 << 30) {
                return 2; // memory without end?
            }
        }
        if total < (4 << 20) || libsys::sbrk(-(total as isize)).is_err() {
            return 3;
        }
        // Having shrunk, we can grow again.
        if libsys::sbrk(step).is_err() { 4 } else { 0 }
    }
    check!(
        in_child(child)? == 0,
        "running out of memory did not behave"
    );
    // And the memory came back to the system when the child exited.
    check!(in_child(child)? == 0, "memory was not returned after exit");
    Ok(())
}

pub fn heap_allocation() -> TestResult {
    let mut v: alloc::vec::Vec<u32> = alloc::vec::Vec::new();
    for i in 0..300_000u32 {
        v.push(i);
    }
    check!(v.iter().enumerate().all(|(i, &x)| x == i as u32));
    let text = alloc::format!("{}-{}", v.len(), v[299_999]);
    check!(text == "300000-299999");
    Ok(())
}

/// Many processes make pipes until refused, all holding them at once:
/// about 48 MiB of pipe buffers asked of a 31 MiB kernel heap. Each must
/// stop with EMFILE (its descriptors) or ENOMEM (the heap's reserve), the
/// kernel must not fail, and the heap must come back when they exit. The
/// children hold their pipes until every one has reported, so they really
/// do hold them at the same time, however slowly the machine runs.
pub fn pipes_cannot_exhaust_the_kernel_heap() -> TestResult {
    let err = |e: libsys::Errno| alloc::format!("{e}");
    let heap_before = libsys::meminfo().map_err(err)?.heap_used;
    const CHILDREN: usize = 24;
    let (report_r, report_w) = libsys::pipe().map_err(err)?;
    let (release_r, release_w) = libsys::pipe().map_err(err)?;
    let mut started = 0;
    let mut fork_error = None;
    for _ in 0..CHILDREN {
        // The child becomes the small testhelper at once, so 24 of them
        // do not need 24 copies of this (large) program.
        match libsys::fork() {
            Ok(0) => {
                let _ = (libsys::close(report_r), libsys::close(release_w));
                let (report, release) =
                    (alloc::format!("{report_w}"), alloc::format!("{release_r}"));
                libsys::exec(
                    "/bin/testhelper",
                    &["testhelper", "pipes", &report, &release],
                );
                libsys::exit(3);
            }
            Ok(_) => started += 1,
            Err(e) => {
                fork_error = Some(e);
                break;
            }
        }
    }
    let _ = (libsys::close(report_w), libsys::close(release_r));
    let mut refused_for_memory = 0;
    for _ in 0..started {
        let mut outcome = [0u8];
        if libsys::read(report_r, &mut outcome) != Ok(1) {
            break; // a child died without reporting: its status says why
        }
        refused_for_memory += u32::from(outcome[0] == 1);
    }
    let _ = (libsys::close(release_w), libsys::close(report_r)); // let them all go
    for _ in 0..started {
        let (_, status) = libsys::wait().map_err(|e| alloc::format!("wait: {e}"))?;
        check!(
            status == 0 || status == 1,
            "a child stopped with status {status}"
        );
    }
    check!(
        fork_error.is_none(),
        "fork failed after {started} children: {fork_error:?}"
    );
    check!(
        refused_for_memory > 0,
        "the heap never ran short: the test asked too little"
    );
    let heap_after = libsys::meminfo()
        .map_err(|e| alloc::format!("meminfo: {e}"))?
        .heap_used;
    check!(
        heap_after <= heap_before + 256 * 1024,
        "heap {heap_before} -> {heap_after} bytes"
    );
    Ok(())
}

/// A file in /tmp grows until the kernel says ENOSPC (it lives in the
/// kernel heap), and removing it gives the memory back.
pub fn tmp_file_cannot_exhaust_the_kernel_heap() -> TestResult {
    use libsys::abi::{O_CREATE, O_TRUNC, O_WRONLY};
    let heap_before = libsys::meminfo()
        .map_err(|e| alloc::format!("meminfo: {e}"))?
        .heap_used;
    let path = "/tmp/ut-huge";
    let fd = libsys::open(path, O_CREATE | O_WRONLY | O_TRUNC)
        .map_err(|e| alloc::format!("open: {e}"))?;
    let chunk = alloc::vec![0x42u8; 64 * 1024];
    let mut written = 0usize;
    let error = loop {
        match libsys::write(fd, &chunk) {
            Ok(n) => written += n,
            Err(e) => break e,
        }
        if written > (256 << 20) {
            break Errno::EINVAL;
        }
    };
    libsys::close(fd).map_err(|e| alloc::format!("close: {e}"))?;
    libsys::unlink(path).map_err(|e| alloc::format!("unlink: {e}"))?;
    check!(
        error == Errno::ENOSPC,
        "writing stopped with {error} after {written} bytes"
    );
    check!(written >= 1 << 20, "only {written} bytes fit");
    let heap_after = libsys::meminfo()
        .map_err(|e| alloc::format!("meminfo: {e}"))?
        .heap_used;
    check!(
        heap_after <= heap_before + 256 * 1024,
        "heap {heap_before} -> {heap_after} bytes"
    );
    Ok(())
}
