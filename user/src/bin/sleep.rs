//! sleep: waits. `sleep SECONDS`, where SECONDS may have a fraction
//! (`sleep 0.25`); the kernel's clock ticks every 10 ms.
#![no_std]
#![no_main]

use libsys::{Args, eprintln};

/// "1.5" -> 1500 milliseconds. Digits past the third decimal are ignored.
/// (Whole numbers and fractions are parsed separately: no floating point.)
fn parse_milliseconds(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut milliseconds = whole.checked_mul(1000)?;
    let mut scale = 100;
    for digit in fraction.chars() {
        milliseconds += u64::from(digit.to_digit(10)?) * scale;
        scale /= 10;
    }
    Some(milliseconds)
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let Some(arg) = args.get(1) else {
        eprintln!("usage: sleep SECONDS");
        return 2;
    };
    let Some(milliseconds) = parse_milliseconds(arg) else {
        eprintln!("sleep: {arg}: not a number of seconds");
        return 2;
    };
    match libsys::sleep_ms(milliseconds) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sleep: {e}");
            1
        }
    }
}
