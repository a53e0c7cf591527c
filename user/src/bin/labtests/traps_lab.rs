//! The traps lab: `sigalarm(ticks, handler)` and `sigreturn()`.
//!
//! Each test runs in a child process, because a wrong implementation
//! typically crashes the program (a handler returning into nowhere, a
//! register lost): the child's exit status says what went wrong.

use crate::{TestResult, syscall};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use libsys::Errno;

/// The numbers the handout gives the two calls.
pub const SYS_SIGALARM: usize = 82;
pub const SYS_SIGRETURN: usize = 83;

/// Calls to the handler so far (in the child: memory is not shared).
static CALLS: AtomicU64 = AtomicU64::new(0);
static IN_HANDLER: AtomicBool = AtomicBool::new(false);
static NESTED: AtomicBool = AtomicBool::new(false);

// Exit statuses of the children, and what each means.
const OK: i32 = 0;
const NO_SIGALARM: i32 = 60;
const NO_SIGRETURN: i32 = 61;
const NEVER_CALLED: i32 = 62;
const TOO_FEW_CALLS: i32 = 63;
const REGISTERS_CHANGED: i32 = 64;
const NESTED_CALL: i32 = 65;
const CALLED_AFTER_OFF: i32 = 66;
const BAD_ERRORS: i32 = 67;

fn explain(status: i32) -> TestResult {
    let reason = match status {
        OK => return Ok(()),
        NO_SIGALARM => "sigalarm (number 82) is not a system call yet: ENOSYS",
        NO_SIGRETURN => "sigreturn returned to the handler instead of to the interrupted code",
        NEVER_CALLED => "the handler was never called",
        TOO_FEW_CALLS => "the handler was called, but not again after sigreturn",
        REGISTERS_CHANGED => "a register of the interrupted code changed across the alarm",
        NESTED_CALL => "the handler was entered again before it called sigreturn",
        CALLED_AFTER_OFF => "the handler was called after sigalarm(0, 0)",
        BAD_ERRORS => "sigreturn without an alarm, or a kernel-half handler, was not EINVAL",
        libsys::abi::STATUS_FAULTED => "the program faulted (killed by the kernel)",
        _ => {
            return Err(alloc::format!(
                "the test process exited with status {status}"
            ));
        }
    };
    Err(alloc::string::String::from(reason))
}

fn in_child(body: fn() -> i32) -> TestResult {
    match libsys::fork() {
        Ok(0) => libsys::exit(body()),
        Ok(_) => match libsys::wait() {
            Ok((_, status)) => explain(status),
            Err(e) => Err(alloc::format!("wait: {e}")),
        },
        Err(e) => Err(alloc::format!("fork: {e}")),
    }
}

fn sigalarm(ticks: u64, handler: extern "C" fn()) -> bool {
    syscall(SYS_SIGALARM, &[ticks as usize, handler as usize]) == 0
}

fn alarm_off() {
    syscall(SYS_SIGALARM, &[0, 0]);
}

/// What every handler ends with. `sigreturn` does not come back here when
/// it works; when it does come back, the test says so.
fn sigreturn() -> ! {
    syscall(SYS_SIGRETURN, &[]);
    libsys::exit(NO_SIGRETURN)
}

extern "C" fn counting_handler() {
    CALLS.fetch_add(1, Ordering::SeqCst);
    sigreturn()
}

/// A handler that takes several ticks, to see whether it is re-entered.
extern "C" fn slow_handler() {
    if IN_HANDLER.swap(true, Ordering::SeqCst) {
        NESTED.store(true, Ordering::SeqCst);
    }
    let start = libsys::uptime_ms();
    while libsys::uptime_ms() < start + 50 {
        core::hint::spin_loop();
    }
    CALLS.fetch_add(1, Ordering::SeqCst);
    IN_HANDLER.store(false, Ordering::SeqCst);
    sigreturn()
}

/// Spins in user mode until the handler has run `calls` times or about
/// `seconds` have passed; returns the calls seen.
fn spin_until(calls: u64, seconds: u64) -> u64 {
    let deadline = libsys::uptime_ms() + seconds * 1000;
    loop {
        for _ in 0..100_000 {
            if CALLS.load(Ordering::SeqCst) >= calls {
                return CALLS.load(Ordering::SeqCst);
            }
            core::hint::spin_loop();
        }
        if libsys::uptime_ms() > deadline {
            return CALLS.load(Ordering::SeqCst);
        }
    }
}

/// sigalarm(2, handler): the handler runs, returns through sigreturn, and
/// runs again and again.
pub fn alarm_calls_handler() -> TestResult {
    in_child(|| {
        if !sigalarm(2, counting_handler) {
            return NO_SIGALARM;
        }
        let calls = spin_until(5, 5);
        alarm_off();
        match calls {
            0 => NEVER_CALLED,
            1..=4 => TOO_FEW_CALLS,
            _ => OK,
        }
    })
}

/// Nine registers, rcx and r11 among them, hold known values in a loop
/// that alarms keep interrupting; any change is caught at once. Returns 0
/// if the handler ran `calls` times with nothing changed, 1 if a register
/// changed, 2 if the handler did not run often enough.
fn register_loop(calls: u64) -> u64 {
    let result: u64;
    // SAFETY: the assembly only reads `CALLS` through its address and
    // writes the registers it declares; it touches no stack memory.
    unsafe {
        core::arch::asm!(
            "mov rax, 0x11111111",
            "mov rcx, 0x22222222",
            "mov rdx, 0x33333333",
            "mov rsi, 0x44444444",
            "mov rdi, 0x55555555",
            "mov r8, 0x66666666",
            "mov r9, 0x77777777",
            "mov r10, 0x12345678",
            "mov r11, 0x23456789",
            "2:",
            "cmp rax, 0x11111111",
            "jne 3f",
            "cmp rcx, 0x22222222",
            "jne 3f",
            "cmp rdx, 0x33333333",
            "jne 3f",
            "cmp rsi, 0x44444444",
            "jne 3f",
            "cmp rdi, 0x55555555",
            "jne 3f",
            "cmp r8, 0x66666666",
            "jne 3f",
            "cmp r9, 0x77777777",
            "jne 3f",
            "cmp r10, 0x12345678",
            "jne 3f",
            "cmp r11, 0x23456789",
            "jne 3f",
            "cmp qword ptr [{calls_address}], {calls}",
            "jae 4f",
            "dec {left}",
            "jnz 2b",
            "mov {result}, 2",
            "jmp 5f",
            "3:",
            "mov {result}, 1",
            "jmp 5f",
            "4:",
            "xor {result:e}, {result:e}",
            "5:",
            calls_address = in(reg) CALLS.as_ptr(),
            calls = in(reg) calls,
            left = inout(reg) 400_000_000u64 => _,
            result = out(reg) result,
            out("rax") _, out("rcx") _, out("rdx") _, out("rsi") _, out("rdi") _,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
        );
    }
    result
}

/// The interrupted code gets back every register as it was: sigreturn
/// must restore the whole frame, and return along a path that keeps rcx
/// and r11 (which `sysretq` overwrites).
pub fn alarm_preserves_registers() -> TestResult {
    in_child(|| {
        if !sigalarm(1, counting_handler) {
            return NO_SIGALARM;
        }
        let result = register_loop(5);
        alarm_off();
        match result {
            0 => OK,
            1 => REGISTERS_CHANGED,
            _ if CALLS.load(Ordering::SeqCst) == 0 => NEVER_CALLED,
            _ => TOO_FEW_CALLS,
        }
    })
}

/// A handler that runs longer than the interval is not entered again
/// until it has called sigreturn.
pub fn alarm_not_reentered() -> TestResult {
    in_child(|| {
        if !sigalarm(1, slow_handler) {
            return NO_SIGALARM;
        }
        let calls = spin_until(3, 10);
        alarm_off();
        if NESTED.load(Ordering::SeqCst) {
            NESTED_CALL
        } else if calls < 3 {
            if calls == 0 {
                NEVER_CALLED
            } else {
                TOO_FEW_CALLS
            }
        } else {
            OK
        }
    })
}

/// After sigalarm(0, 0), the handler is not called any more.
pub fn alarm_off_stops_calls() -> TestResult {
    in_child(|| {
        if !sigalarm(1, counting_handler) {
            return NO_SIGALARM;
        }
        if spin_until(2, 5) < 2 {
            return NEVER_CALLED;
        }
        alarm_off();
        let before = CALLS.load(Ordering::SeqCst);
        let start = libsys::uptime_ms();
        while libsys::uptime_ms() < start + 200 {
            core::hint::spin_loop();
        }
        if CALLS.load(Ordering::SeqCst) == before {
            OK
        } else {
            CALLED_AFTER_OFF
        }
    })
}

/// Bad requests are errors, not crashes: sigreturn with no alarm being
/// handled, and a handler in the kernel's half of the address space.
pub fn alarm_bad_requests() -> TestResult {
    in_child(|| {
        let first = syscall(SYS_SIGRETURN, &[]);
        if first == Errno::ENOSYS.as_return() {
            return NO_SIGALARM;
        }
        let kernel_half = syscall(SYS_SIGALARM, &[1, 0xffff_8000_0000_0000]);
        if first == Errno::EINVAL.as_return() && kernel_half == Errno::EINVAL.as_return() {
            OK
        } else {
            BAD_ERRORS
        }
    })
}
