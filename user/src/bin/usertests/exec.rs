//! exec: arguments, missing files, and executables that must be refused.

use crate::{TestResult, check, in_child};
use libsys::Errno;

pub fn arguments() -> TestResult {
    fn child() -> i32 {
        let args = [
            "testhelper",
            "args",
            "alpha",
            "be ta",
            "",
            "gamma-long-argument",
        ];
        libsys::exec("/bin/testhelper", &args);
        100
    }
    check!(
        in_child(child)? == 0,
        "testhelper did not see the arguments we passed"
    );
    Ok(())
}

pub fn missing_file() -> TestResult {
    check!(libsys::exec("/bin/no-such-program", &["x"]) == Errno::ENOENT);
    check!(libsys::exec("", &[]) == Errno::ENOENT);
    Ok(())
}

/// Each file in /tests is /bin/hello damaged one way (tools/mkinitrd.py).
/// Every one must be refused with ENOEXEC, and we must still be running.
pub fn corrupt_executables() -> TestResult {
    let broken = [
        "not_elf",
        "empty",
        "truncated_header",
        "truncated_segments",
        "wrong_machine",
        "entry_outside",
        "segment_past_file",
        "filesz_over_memsz",
        "kernel_segment",
        "overlapping_segments",
        "huge_segment",
        "wrapping_segment",
    ];
    for name in broken {
        let path = alloc::format!("/tests/{name}");
        let error = libsys::exec(&path, &[name]);
        check!(
            error == Errno::ENOEXEC,
            "exec {path}: {error}, expected ENOEXEC"
        );
    }
    // The real program still runs.
    fn child() -> i32 {
        libsys::exec("/bin/testhelper", &["testhelper", "exit", "3"]);
        100
    }
    check!(in_child(child)? == 3);
    Ok(())
}

pub fn too_many_arguments() -> TestResult {
    let many = ["x"; libsys::abi::MAX_ARGS + 1];
    check!(libsys::exec("/bin/testhelper", &many) == Errno::E2BIG);
    Ok(())
}
