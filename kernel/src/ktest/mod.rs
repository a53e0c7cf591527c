//! In-kernel tests, run when the command line says `test` (`make test` does).
//!
//! Each test is a plain function returning `Ok(())` or `Err(reason)`. The
//! runner prints one line per test and a closing `N passed, N failed` line,
//! then exits QEMU with success or failure; the host harness reads both.
//! A test that crashes the kernel shows up as a panic report and a failing
//! exit, which the harness also catches.
//!
//! To add a test: write the function in the file for its subsystem and add
//! a line to `TESTS`.

pub mod faults;
mod mem_tests;
mod net_tests;
mod sync_tests;
mod trap_tests;
mod user_memory_tests;

use alloc::string::String;

pub type TestResult = Result<(), String>;
type Test = (&'static str, fn() -> TestResult);

/// Fails the current test with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(alloc::format!("check failed: {} ({}:{})", stringify!($cond), file!(), line!()));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(alloc::format!("{} ({}:{})", format_args!($($arg)+), file!(), line!()));
        }
    };
}

// ANCHOR: tests
const TESTS: &[Test] = &[
    (
        "mem::user::ranges_that_wrap_or_leave_user_space_are_refused",
        user_memory_tests::ranges_that_wrap_or_leave_user_space_are_refused,
    ),
    (
        "mem::user::ranges_split_at_page_boundaries",
        user_memory_tests::ranges_split_at_page_boundaries,
    ),
    (
        "proc::kernel_thread_stack_is_aligned",
        trap_tests::kernel_thread_stack_is_aligned,
    ),
    (
        "mem::frame::alloc_free_no_leak",
        mem_tests::frame_alloc_free_no_leak,
    ),
    (
        "mem::frame::frames_are_distinct_and_zeroed",
        mem_tests::frames_are_distinct_and_zeroed,
    ),
    (
        "mem::frame::exhaustion_returns_none",
        mem_tests::frame_exhaustion_returns_none,
    ),
    (
        "mem::heap::alloc_free_loop_no_leak",
        mem_tests::heap_alloc_free_loop_no_leak,
    ),
    (
        "mem::heap::large_allocation",
        mem_tests::heap_large_allocation,
    ),
    (
        "mem::page_table::map_translate_unmap",
        mem_tests::page_table_map_translate_unmap,
    ),
    (
        "mem::page_table::teardown_frees_tables",
        mem_tests::page_table_teardown_frees_tables,
    ),
    (
        "mem::page_table::double_map_is_refused",
        mem_tests::page_table_double_map_is_refused,
    ),
    (
        "mem::kernel_map::section_permissions",
        mem_tests::kernel_section_permissions,
    ),
    (
        "mem::kernel_map::direct_map_covers_ram",
        mem_tests::direct_map_covers_ram,
    ),
    (
        "arch::trap::breakpoint_returns",
        trap_tests::breakpoint_returns,
    ),
    (
        "arch::trap::registers_survive_interrupt",
        trap_tests::registers_survive_interrupt,
    ),
    ("arch::cpu::push_off_nests", trap_tests::push_off_nests),
    ("sync::lockdep::order_rule", sync_tests::order_rule),
    (
        "sync::lockdep::held_locks_tracked",
        sync_tests::held_locks_tracked,
    ),
    (
        "smp::wakeup_reaches_other_cpu",
        sync_tests::wakeup_reaches_other_cpu,
    ),
    (
        "smp::lock_excludes_other_cpu",
        sync_tests::lock_excludes_other_cpu,
    ),
    ("smp::every_cpu_ticks", sync_tests::every_cpu_ticks),
    ("time::timer_ticks", trap_tests::timer_ticks),
    (
        "dev::acpi::found_cpu_and_ioapic",
        trap_tests::acpi_found_cpu_and_ioapic,
    ),
    (
        "dev::pci::finds_host_bridge",
        net_tests::pci_finds_host_bridge,
    ),
    (
        "dev::pci::found_and_enabled_e1000",
        net_tests::pci_found_and_enabled_e1000,
    ),
    ("dev::e1000::mac_is_set", net_tests::e1000_mac_is_set),
    (
        "dev::e1000::rings_are_sane",
        net_tests::e1000_rings_are_sane,
    ),
    (
        "dev::e1000::rings_bookkeeping_without_a_card",
        net_tests::rings_bookkeeping_without_a_card,
    ),
    (
        "dev::e1000::interrupt_vector_matches_line",
        net_tests::e1000_interrupt_vector_matches_line,
    ),
    (
        "dev::e1000::sends_and_receives_with_interrupts",
        net_tests::e1000_sends_and_receives_with_interrupts,
    ),
    (
        "net::interface_pings_gateway_through_the_card",
        net_tests::interface_pings_gateway_through_the_card,
    ),
    (
        "net::config::parses_command_line",
        net_tests::config_parses_command_line,
    ),
];
// ANCHOR_END: tests

/// Whether `filter` selects the test called `name`: the host harness's
/// rule, a substring of the full name `ktest/NAME`, so that
/// `tools/test.py --only ktest/mem::` and `test=ktest/mem::` pick the same
/// tests (and `test=mem::` still works).
fn selected(name: &str, filter: &str) -> bool {
    alloc::format!("ktest/{name}").contains(filter)
}

/// Runs the tests `filter` selects, then exits QEMU.
pub fn run(filter: &str) -> ! {
    let selected = TESTS.iter().filter(|(name, _)| selected(name, filter));
    crate::println!("ktest: running {} tests", selected.clone().count());
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in selected {
        match test() {
            Ok(()) => {
                passed += 1;
                crate::println!("test {name} ... ok");
            }
            Err(reason) => {
                failed += 1;
                crate::println!("test {name} ... FAILED: {reason}");
            }
        }
    }
    crate::println!("{passed} passed, {failed} failed");
    let code = if failed == 0 {
        crate::dev::qemu::SUCCESS
    } else {
        crate::dev::qemu::FAILURE
    };
    crate::dev::qemu::exit(code)
}
