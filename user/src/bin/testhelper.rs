//! testhelper: small behaviours for usertests to exec.
//!
//! - `testhelper exit N`: exit with status N
//! - `testhelper args A B C`: exit 0 if the arguments are exactly A B C
//! - `testhelper spin`: loop forever without a system call
//! - `testhelper sleep MS`: sleep, then exit 0
//! - `testhelper print TEXT`: print TEXT and a newline on standard output
//! - `testhelper pipes REPORT RELEASE`: make pipes until refused, write the
//!   outcome (a byte) to descriptor REPORT, hold the pipes until RELEASE
//!   reaches end of file, and exit 0 if refused for descriptors (EMFILE),
//!   1 for memory (ENOMEM)
#![no_std]
#![no_main]

use libsys::Args;

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    match args.get(1) {
        Some("exit") => args.get(2).and_then(|n| n.parse().ok()).unwrap_or(255),
        Some("args") => {
            let expected = [
                "testhelper",
                "args",
                "alpha",
                "be ta",
                "",
                "gamma-long-argument",
            ];
            let ok = args.len() == expected.len() && args.iter().zip(expected).all(|(a, e)| a == e);
            if ok { 0 } else { 1 }
        }
        Some("spin") => loop {
            core::hint::spin_loop();
        },
        Some("pipes") => {
            let fd = |i: usize| args.get(i).and_then(|n| n.parse::<usize>().ok());
            let (Some(report), Some(release)) = (fd(2), fd(3)) else {
                return 2;
            };
            let status: u8 = loop {
                match libsys::pipe() {
                    Ok(_) => {}
                    Err(libsys::Errno::EMFILE) => break 0,
                    Err(libsys::Errno::ENOMEM) => break 1,
                    Err(_) => break 2,
                }
            };
            // Say how it ended, then hold the pipes until the parent has
            // heard from every child (it closes `release`: end of file).
            let _ = libsys::write(report, &[status]);
            let mut byte = [0u8];
            let _ = libsys::read(release, &mut byte);
            status as i32
        }
        Some("print") => {
            libsys::println!("{}", args.get(2).unwrap_or(""));
            0
        }
        Some("sleep") => {
            let ms = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100);
            libsys::sleep_ms(ms).map_or(1, |()| 0)
        }
        _ => 2,
    }
}
