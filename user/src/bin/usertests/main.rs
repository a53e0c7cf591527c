//! usertests: the user-mode test suite, in the spirit of xv6's.
//!
//! Each test is a function returning `Ok(())` or `Err(reason)`; the suite
//! prints `test NAME ... ok` or `... FAILED: reason` per test and a closing
//! `N passed, N failed`. `make test` boots the kernel with `-- usertests`
//! and reads those lines. Tests that must crash (faults) crash in a child.
//!
//! `usertests FILTER` runs only the tests whose full name, `usertests/NAME`,
//! contains FILTER: `usertests pipes` runs every test with "pipes" in its
//! name, `usertests usertests/pipes::` only the pipe tests. The host's
//! `tools/test.py --only FILTER` passes its filter down unchanged, so both
//! pick the same tests.
#![no_std]
#![no_main]

extern crate alloc;

mod bad_pointers;
mod exec;
mod faults;
mod files;
mod leaks;
mod memory;
mod pipes;
mod poll;
mod process;
mod robustness;
mod scheduling;
mod sockets;

#[path = "../../testing.rs"]
mod testing;

use alloc::string::String;
use libsys::{Args, println};
use testing::{Test, run_tests};
pub use testing::{TestResult, syscall};

/// Runs `body` in a child process; returns the child's exit status.
pub fn in_child(body: fn() -> i32) -> Result<i32, String> {
    match libsys::fork() {
        Ok(0) => libsys::exit(body()),
        Ok(pid) => match libsys::wait() {
            Ok((done, status)) if done == pid => Ok(status),
            Ok((other, _)) => Err(alloc::format!("wait returned pid {other}, expected {pid}")),
            Err(e) => Err(alloc::format!("wait: {e}")),
        },
        Err(e) => Err(alloc::format!("fork: {e}")),
    }
}

// ANCHOR: tests
const TESTS: &[Test] = &[
    ("process::getpid_and_getppid", process::getpid_and_getppid),
    ("process::exit_status", process::exit_status),
    ("process::fork_copies_memory", process::fork_copies_memory),
    (
        "process::fork_exec_wait_chain",
        process::fork_exec_wait_chain,
    ),
    (
        "process::wait_without_children",
        process::wait_without_children,
    ),
    (
        "process::orphans_are_reaped_by_init",
        process::orphans_are_reaped_by_init,
    ),
    ("process::kill_sleeping", process::kill_sleeping),
    ("process::kill_spinning", process::kill_spinning),
    ("process::kill_errors", process::kill_errors),
    (
        "process::fork_until_table_full",
        process::fork_until_table_full,
    ),
    ("process::procinfo_lists_self", process::procinfo_lists_self),
    (
        "process::halt_is_for_init_only",
        process::halt_is_for_init_only,
    ),
    ("process::unknown_syscall", process::unknown_syscall),
    ("exec::arguments", exec::arguments),
    ("exec::missing_file", exec::missing_file),
    ("exec::corrupt_executables", exec::corrupt_executables),
    ("exec::too_many_arguments", exec::too_many_arguments),
    ("memory::sbrk_grow_and_shrink", memory::sbrk_grow_and_shrink),
    (
        "memory::sbrk_shrunk_memory_faults",
        memory::sbrk_shrunk_memory_faults,
    ),
    ("memory::sbrk_out_of_memory", memory::sbrk_out_of_memory),
    ("memory::heap_allocation", memory::heap_allocation),
    (
        "memory::pipes_cannot_exhaust_the_kernel_heap",
        memory::pipes_cannot_exhaust_the_kernel_heap,
    ),
    (
        "memory::tmp_file_cannot_exhaust_the_kernel_heap",
        memory::tmp_file_cannot_exhaust_the_kernel_heap,
    ),
    ("bad_pointers::write", bad_pointers::write),
    ("bad_pointers::read", bad_pointers::read),
    ("bad_pointers::wait", bad_pointers::wait),
    ("bad_pointers::exec", bad_pointers::exec),
    ("bad_pointers::procinfo", bad_pointers::procinfo),
    ("faults::null_dereference", faults::null_dereference),
    ("faults::write_to_text", faults::write_to_text),
    ("faults::execute_data", faults::execute_data),
    ("faults::divide_by_zero", faults::divide_by_zero),
    ("faults::invalid_opcode", faults::invalid_opcode),
    (
        "faults::privileged_instruction",
        faults::privileged_instruction,
    ),
    ("faults::kernel_memory", faults::kernel_memory),
    ("faults::stack_overflow", faults::stack_overflow),
    ("faults::non_canonical_jump", faults::non_canonical_jump),
    (
        "files::read_file_larger_than_a_page",
        files::read_file_larger_than_a_page,
    ),
    ("files::root_is_read_only", files::root_is_read_only),
    (
        "files::create_write_read_remove",
        files::create_write_read_remove,
    ),
    ("files::append_and_truncate", files::append_and_truncate),
    ("files::directories", files::directories),
    ("files::path_errors", files::path_errors),
    ("files::bad_descriptors", files::bad_descriptors),
    ("files::descriptor_exhaustion", files::descriptor_exhaustion),
    ("files::dup_shares_the_offset", files::dup_shares_the_offset),
    (
        "files::fork_and_exec_share_descriptors",
        files::fork_and_exec_share_descriptors,
    ),
    ("pipes::bytes_in_order", pipes::bytes_in_order),
    (
        "pipes::end_of_file_when_writers_close",
        pipes::end_of_file_when_writers_close,
    ),
    (
        "pipes::epipe_when_readers_close",
        pipes::epipe_when_readers_close,
    ),
    (
        "pipes::reader_waits_for_writer",
        pipes::reader_waits_for_writer,
    ),
    (
        "pipes::one_mebibyte_intact_under_preemption",
        pipes::one_mebibyte_intact_under_preemption,
    ),
    ("pipes::kill_blocked_reader", pipes::kill_blocked_reader),
    ("poll::ready_and_not_ready", poll::ready_and_not_ready),
    ("poll::timeout_elapses", poll::timeout_elapses),
    (
        "poll::short_timeouts_keep_their_deadline",
        poll::short_timeouts_keep_their_deadline,
    ),
    (
        "poll::woken_by_another_process",
        poll::woken_by_another_process,
    ),
    ("poll::invalid_descriptors", poll::invalid_descriptors),
    (
        "poll::nonblocking_reads_and_writes",
        poll::nonblocking_reads_and_writes,
    ),
    ("sockets::creation_errors", sockets::creation_errors),
    ("sockets::listen_rules", sockets::listen_rules),
    ("sockets::nonblocking_accept", sockets::nonblocking_accept),
    ("sockets::connection_refused", sockets::connection_refused),
    ("sockets::udp_basics", sockets::udp_basics),
    (
        "sockets::bad_address_pointers",
        sockets::bad_address_pointers,
    ),
    ("sockets::exit_closes_sockets", sockets::exit_closes_sockets),
    ("scheduling::yield_returns", scheduling::yield_returns),
    ("scheduling::uptime_advances", scheduling::uptime_advances),
    ("scheduling::sleep_accuracy", scheduling::sleep_accuracy),
    (
        "scheduling::short_sleeps_keep_their_deadline",
        scheduling::short_sleeps_keep_their_deadline,
    ),
    (
        "scheduling::preemption_interleaves",
        scheduling::preemption_interleaves,
    ),
    ("scheduling::schedinfo_counts", scheduling::schedinfo_counts),
    (
        "scheduling::sleep_on_time_during_a_huge_sbrk",
        scheduling::sleep_on_time_during_a_huge_sbrk,
    ),
    (
        "robustness::last_page_of_the_address_space",
        robustness::last_page_of_the_address_space,
    ),
    (
        "robustness::huge_lengths_and_counts",
        robustness::huge_lengths_and_counts,
    ),
    ("robustness::huge_timeouts", robustness::huge_timeouts),
    (
        "robustness::arguments_wider_than_their_type",
        robustness::arguments_wider_than_their_type,
    ),
    (
        "robustness::paths_stay_within_max_path",
        robustness::paths_stay_within_max_path,
    ),
    (
        "robustness::tmp_nodes_cannot_exhaust_the_kernel_heap",
        robustness::tmp_nodes_cannot_exhaust_the_kernel_heap,
    ),
    (
        "robustness::udp_ports_are_shared_fairly",
        robustness::udp_ports_are_shared_fairly,
    ),
    (
        "robustness::exec_of_a_large_tmp_file",
        robustness::exec_of_a_large_tmp_file,
    ),
    ("leaks::faults_leak_nothing", leaks::faults_leak_nothing),
    (
        "leaks::fork_bombs_leak_nothing",
        leaks::fork_bombs_leak_nothing,
    ),
    (
        "leaks::socket_churn_leaks_nothing",
        leaks::socket_churn_leaks_nothing,
    ),
];
// ANCHOR_END: tests

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    match (args.get(1), args.get(2)) {
        (Some("--rounds"), Some(n)) => rounds(n.parse().unwrap_or(1), args.get(3).unwrap_or("")),
        _ => run_tests("usertests", TESTS, args.get(1).unwrap_or("")),
    }
}

/// `usertests --rounds N [FILTER]`: the selection N times over, each round
/// in a fresh `/bin/usertests` (a test process keeps whatever heap its
/// tests grew, and `fork` copies it), then a check that the kernel's heap
/// and free frames are back where they were after the first round (which
/// may fill caches: the ARP table, the loopback route).
fn rounds(rounds: u32, filter: &str) -> i32 {
    let mut failed = 0;
    let mut after_first = None;
    for round in 1..=rounds {
        let status = match libsys::fork() {
            Ok(0) => {
                let error = libsys::exec("/bin/usertests", &["usertests", filter]);
                println!("usertests: exec: {error}");
                libsys::exit(1);
            }
            Ok(_) => libsys::wait().map_or(1, |(_, status)| status),
            Err(_) => 1,
        };
        failed += (status != 0) as u32;
        let memory = settled_memory();
        println!(
            "round {round}: exit status {status}, kernel heap {} bytes used, {} bytes of frames free",
            memory.0, memory.1
        );
        if round == 1 {
            after_first = Some(memory);
        } else if round == rounds && after_first != Some(memory) {
            failed += 1;
            println!("rounds: the kernel kept memory between round 1 and round {round}");
        }
    }
    println!("rounds: {rounds} rounds, {failed} problems");
    if failed == 0 { 0 } else { 1 }
}

/// The kernel's heap use and free frames once the tests' leftovers are
/// gone: closed TCP connections wait 2 s in TIME-WAIT before they are freed.
fn settled_memory() -> (u64, u64) {
    let _ = libsys::sleep_ms(2500);
    libsys::meminfo().map_or((0, 0), |m| (m.heap_used, m.frames_free))
}
