//! Creating processes: `fork`, the first process, and kernel threads.
//!
//! A new process must look, to the scheduler, like one that called
//! `sched()` and is waiting to return from it. So we build its kernel stack
//! by hand:
//!
//! ```text
//! kernel_stack_top(slot) ─►┌──────────────────────┐
//!                          │ TrapFrame            │ user registers to start with
//!                          ├──────────────────────┤
//!                          │ &trap_return         │ where forkret "returns" to
//!                          ├──────────────────────┤
//!   context.rsp ──────────►│ &forkret             │ where swtch "returns" to
//!                          └──────────────────────┘
//! ```
//!
//! The scheduler's `swtch` loads `context.rsp` and executes `ret`: into
//! `forkret`, which releases the process-table lock (held since the
//! scheduler took it) and returns: into `trap_return`, which pops the
//! TrapFrame and `iretq`s to user mode. A fork child thus starts exactly
//! where its parent made the system call, with `rax = 0`.

use super::exec::Image;
use super::{PROCS, SPACES, alloc_slot, kernel_stack_top, me};
use crate::arch::gdt::{USER_CODE, USER_DATA};
use crate::arch::trap::TrapFrame;
use libsys::Errno;
use libsys::abi::ProcState;

unsafe extern "C" {
    /// The second half of the trap path (arch/trap_entry.rs).
    fn trap_return();
}

// ANCHOR: forkret
/// Where a new process first runs, on its own kernel stack.
extern "C" fn forkret() {
    // SAFETY: the scheduler took PROCS before switching to us and expects
    // the process it switched to to release it.
    unsafe { PROCS.force_unlock() };
}
// ANCHOR_END: forkret

// ANCHOR: prepare_stack
/// Lays out `slot`'s kernel stack so that it starts in user mode with `frame`.
fn prepare_stack(context: &mut super::swtch::Context, slot: usize, frame: &TrapFrame) {
    let top = kernel_stack_top(slot);
    let frame_address = top - size_of::<TrapFrame>() as u64;
    let words = [forkret as *const () as u64, trap_return as *const () as u64];
    // SAFETY: the slot's kernel stack is mapped and unused (the slot is an
    // Embryo); we write below its top.
    unsafe {
        (frame_address as *mut TrapFrame).write(frame.clone());
        let below = (frame_address - 16) as *mut [u64; 2];
        below.write(words);
    }
    *context = super::swtch::Context {
        rsp: frame_address - 16,
        ..Default::default()
    };
}
// ANCHOR_END: prepare_stack

// ANCHOR: fork
/// Creates a child that is a copy of the caller; returns the child's pid.
/// `frame` is the caller's system-call frame; the child gets a copy with
/// `rax = 0`, so `fork()` returns 0 in the child.
pub fn fork(frame: &TrapFrame) -> Result<u32, Errno> {
    let parent = me();
    let (child, pid) = {
        let mut table = PROCS.lock();
        let child = alloc_slot(&mut table, false).ok_or(Errno::EAGAIN)?;
        (child, table.procs[child].pid)
    };
    let space = SPACES[parent]
        .lock()
        .as_ref()
        .expect("fork from a kernel thread")
        .try_clone();
    let space = match space {
        Ok(space) => space,
        Err(e) => {
            PROCS.lock().procs[child].state = ProcState::Unused;
            return Err(e);
        }
    };
    let mut child_frame = frame.clone();
    child_frame.rax = 0;

    crate::fs::fd_table::copy_for_fork(parent, child);

    let mut table = PROCS.lock();
    let (name, pgid) = (table.procs[parent].name, table.procs[parent].pgid);
    let proc = &mut table.procs[child];
    prepare_stack(&mut proc.context, child, &child_frame);
    proc.name = name;
    proc.pgid = pgid;
    proc.parent = Some(parent);
    proc.page_table_root = space.root();
    *SPACES[child].lock() = Some(space);
    proc.state = ProcState::Runnable;
    super::scheduler::wake_idle_cpu();
    Ok(pid)
}
// ANCHOR_END: fork

/// Starts the first user process, init, from a loaded image.
pub fn spawn_init(name: &str, image: Image) {
    let frame = TrapFrame {
        rip: image.entry,
        cs: USER_CODE.0 as u64,
        rflags: 0x202, // interrupts on
        rsp: image.stack_pointer,
        ss: USER_DATA.0 as u64,
        rdi: image.argc,
        rsi: image.argv,
        ..TrapFrame::default()
    };
    // Before taking PROCS: the lock order is fd_table before procs.
    crate::fs::fd_table::init_first(super::INIT_SLOT);
    let mut table = PROCS.lock();
    let slot = alloc_slot(&mut table, true).expect("init's slot is taken");
    let proc = &mut table.procs[slot];
    prepare_stack(&mut proc.context, slot, &frame);
    proc.set_name(name);
    proc.pgid = proc.pid;
    proc.page_table_root = image.space.root();
    *SPACES[slot].lock() = Some(image.space);
    proc.state = ProcState::Runnable;
}

// Kernel threads start in `kernel_thread_start` with the function to run
// in r12 (a callee-saved register, so `swtch` restores it for us). The
// System V ABI wants rsp to be a multiple of 16 at a `call` (so the callee
// sees rsp = 8 mod 16 after the return address is pushed); Rust code relies
// on it for 16-byte-aligned locals. `spawn_kernel_thread` lays the stack
// out so that this holds, and the `test` below stops a mistake at once.
core::arch::global_asm!(
    r#"
    .pushsection .text
kernel_thread_start:
    test rsp, 15
    jnz 1f                  /* misaligned stack: fail loudly, right here */
    mov rdi, r12
    call kernel_thread_main
1:
    ud2
    .popsection
"#
);

unsafe extern "C" {
    fn kernel_thread_start();
}

#[unsafe(no_mangle)]
extern "C" fn kernel_thread_main(body: extern "C" fn()) -> ! {
    // SAFETY: as in `forkret`: the scheduler left PROCS locked for us.
    unsafe { PROCS.force_unlock() };
    body();
    super::lifecycle::exit(0)
}

// ANCHOR: kernel_thread
/// Starts a kernel thread: a process with no user half that runs `body`
/// in the kernel, scheduled like any other. Returns its pid.
pub fn spawn_kernel_thread(name: &str, body: extern "C" fn()) -> Result<u32, Errno> {
    let mut table = PROCS.lock();
    let slot = alloc_slot(&mut table, false).ok_or(Errno::EAGAIN)?;
    let rsp = kernel_thread_first_rsp(kernel_stack_top(slot));
    // SAFETY: the slot's stack is mapped and unused; one return address.
    unsafe { (rsp as *mut u64).write(kernel_thread_start as *const () as u64) };
    let proc = &mut table.procs[slot];
    proc.context = super::swtch::Context {
        rsp,
        r12: body as *const () as u64,
        ..Default::default()
    };
    proc.set_name(name);
    proc.is_kernel_thread = true;
    proc.parent = Some(super::INIT_SLOT);
    proc.state = ProcState::Runnable;
    let pid = proc.pid;
    super::scheduler::wake_idle_cpu();
    Ok(pid)
}
// ANCHOR_END: kernel_thread

/// Where a new kernel thread's saved rsp points: at the return address
/// `swtch`'s `ret` will pop (`kernel_thread_start`), placed so that rsp is
/// 16-byte aligned after that pop, as `kernel_thread_start`'s `call` needs.
pub fn kernel_thread_first_rsp(stack_top: u64) -> u64 {
    (stack_top & !15) - 24
}
