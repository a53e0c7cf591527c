//! Every system call that takes a pointer, given pointers it must refuse:
//! unmapped, in the kernel half, non-canonical, read-only (for output).
//! Each must fail with EFAULT, and nothing else may happen.

use crate::syscall;
use crate::{TestResult, check};
use libsys::Errno;
use libsys::syscalls::nr;

/// Addresses no user program may read.
const BAD: [usize; 5] = [
    0,                     // null
    0x1000,                // first page: never mapped
    0x7fff_0000_0000,      // unmapped user address
    0xffff_8000_0000_0000, // the kernel's direct map
    0x8000_0000_0000_0000, // non-canonical
];

fn text_address() -> usize {
    text_address as *const () as usize // read-only code
}

fn is_efault(ret: isize) -> bool {
    ret == Errno::EFAULT.as_return()
}

pub fn write() -> TestResult {
    for bad in BAD {
        check!(
            is_efault(syscall(nr::write, &[1, bad, 16])),
            "write from {bad:#x}"
        );
    }
    // A buffer that starts fine and runs off the end of the stack.
    let top = libsys::abi::USER_STACK_TOP as usize;
    check!(
        is_efault(syscall(nr::write, &[1, top - 8, 16])),
        "write across the top of the stack"
    );
    Ok(())
}

pub fn read() -> TestResult {
    for bad in BAD {
        check!(
            is_efault(syscall(nr::read, &[0, bad, 16])),
            "read into {bad:#x}"
        );
    }
    check!(
        is_efault(syscall(nr::read, &[0, text_address(), 16])),
        "read into read-only code"
    );
    Ok(())
}

pub fn wait() -> TestResult {
    let pid = libsys::fork().map_err(|e| alloc::format!("fork: {e}"))?;
    if pid == 0 {
        libsys::exit(7);
    }
    for bad in [0x1000, 0xffff_8000_0000_0000, text_address()] {
        check!(is_efault(syscall(nr::wait, &[bad])), "wait into {bad:#x}");
    }
    // The child was not lost: a good wait still finds it.
    check!(
        libsys::wait() == Ok((pid, 7)),
        "the child's status was lost"
    );
    Ok(())
}

pub fn exec() -> TestResult {
    for bad in BAD {
        check!(
            is_efault(syscall(nr::exec, &[bad, 8, 0, 0])),
            "exec path at {bad:#x}"
        );
    }
    let path = "/bin/testhelper";
    for bad in BAD {
        let ret = syscall(nr::exec, &[path.as_ptr() as usize, path.len(), bad, 1]);
        check!(is_efault(ret), "exec argv at {bad:#x}");
    }
    // An argv entry whose string pointer is bad.
    let arg = libsys::abi::StrRef {
        ptr: 0xffff_8000_0000_1000,
        len: 4,
    };
    let ret = syscall(
        nr::exec,
        &[
            path.as_ptr() as usize,
            path.len(),
            &arg as *const _ as usize,
            1,
        ],
    );
    check!(is_efault(ret), "exec with a bad argument string");
    check!(
        syscall(nr::exec, &[path.as_ptr() as usize, 1 << 40, 0, 0])
            == Errno::ENAMETOOLONG.as_return()
    );
    Ok(())
}

pub fn procinfo() -> TestResult {
    for bad in BAD {
        check!(
            is_efault(syscall(nr::procinfo, &[bad, 4])),
            "procinfo into {bad:#x}"
        );
    }
    check!(
        is_efault(syscall(nr::procinfo, &[text_address(), 4])),
        "procinfo into read-only code"
    );
    Ok(())
}
