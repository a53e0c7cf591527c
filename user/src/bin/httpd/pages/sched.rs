//! `/sched`: what the scheduler is doing, from `procinfo` and `schedinfo`.
//!
//! - the run queue: processes RUNNABLE (ready, waiting for the CPU), beside
//!   those RUNNING (on a CPU: one of them is httpd, asking);
//! - CPU use over the last second: from the kernel's trace ring (how long
//!   each process ran in it, see `timeline.rs`), which is also drawn as a
//!   live timeline; until the ring covers a whole second, from how much
//!   each process's `cpu_ticks` grew between two samples of the table;
//! - context switches per second and each CPU's idle time: how much the
//!   scheduler's own counters (`schedinfo`) grew between the same samples,
//!   in total and per CPU;
//! - the kernel's locks, one line per class: acquisitions, and how many
//!   found the lock held by another CPU and spun (since boot).

use super::timeline::{self, Timeline};
use super::{Format, html_page, table, unavailable};
use crate::site::Site;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use http::json::Json;
use libsys::abi::{ProcInfo, ProcState, SchedInfo};

/// Length of a timer tick, the unit of `cpu_ticks`.
const TICK_MS: u64 = 10;
/// Samples closer together than this would give noisy percentages.
const SAMPLE_SPACING_MS: u64 = 1000;
const MAX_PROCS: usize = 80;

/// The CPU ticks of every process at one moment.
#[derive(Clone)]
struct Sample {
    at_ms: u64,
    ticks: Vec<(u32, u64)>,
    scheduler: SchedInfo,
}

impl Sample {
    fn ticks_of(&self, pid: u32) -> u64 {
        self.ticks
            .iter()
            .find(|&&(p, _)| p == pid)
            .map_or(0, |&(_, t)| t)
    }
}

// ANCHOR: sampler
/// The last two samples, at least `SAMPLE_SPACING_MS` apart.
#[derive(Default)]
pub struct Sampler {
    older: Option<Sample>,
    newer: Option<Sample>,
}

impl Sampler {
    /// Records `current` if the newest sample is old enough; returns the
    /// sample to measure `current` against (none yet: measure since boot).
    fn baseline(&mut self, current: &Sample) -> Option<&Sample> {
        let due = self
            .newer
            .as_ref()
            .is_none_or(|newer| current.at_ms - newer.at_ms >= SAMPLE_SPACING_MS);
        if due {
            self.older = self.newer.take();
            self.newer = Some(current.clone());
        }
        self.older.as_ref()
    }
}
// ANCHOR_END: sampler

pub fn render(site: &mut Site, format: Format) -> String {
    let mut buffer = [ProcInfo::default(); MAX_PROCS];
    let procs = match libsys::procinfo(&mut buffer) {
        Ok(count) => &buffer[..count],
        Err(error) => return unavailable("sched", "procinfo", error, format),
    };
    let scheduler = match libsys::schedinfo() {
        Ok(info) => info,
        Err(error) => return unavailable("sched", "schedinfo", error, format),
    };
    let current = Sample {
        at_ms: libsys::uptime_ms(),
        ticks: procs.iter().map(|p| (p.pid, p.cpu_ticks)).collect(),
        scheduler,
    };
    let since_boot = Sample {
        at_ms: 0,
        ticks: Vec::new(),
        scheduler: SchedInfo::default(),
    };
    let baseline = site.sched.baseline(&current).unwrap_or(&since_boot);
    let interval_ms = (current.at_ms - baseline.at_ms).max(1);
    // The trace gives every view the same window: the last second.
    let trace = timeline::read_trace()
        .ok()
        .map(|text| Timeline::parse(&text));
    let traced = trace.as_ref().filter(|t| t.covers_window());
    let busy_us = traced.map(Timeline::busy_us);
    let window_ms = if traced.is_some() {
        timeline::WINDOW_US / 1000
    } else {
        interval_ms
    };
    // Per process: CPU time in the window, as a percentage of it.
    let percent = |p: &ProcInfo| match &busy_us {
        Some(busy) => busy.get(&p.pid).copied().unwrap_or(0) * 100 / timeline::WINDOW_US,
        None => {
            let ticks = p.cpu_ticks.saturating_sub(baseline.ticks_of(p.pid));
            ticks * TICK_MS * 100 / interval_ms
        }
    };
    let count = |state: ProcState| procs.iter().filter(|p| p.state == state as u8).count() as u64;
    let busy: u64 = procs.iter().map(percent).sum();
    let switches = current.scheduler.context_switches - baseline.scheduler.context_switches;
    let switches_per_second = switches * 1000 / interval_ms;
    let cpus = (current.scheduler.cpus as usize).clamp(1, current.scheduler.idle_ticks.len());
    let idle_percent = |cpu: usize| {
        let idle = current.scheduler.idle_ticks[cpu] - baseline.scheduler.idle_ticks[cpu];
        (idle * TICK_MS * 100 / interval_ms).min(100)
    };
    let cpu_switches_per_second = |cpu: usize| {
        let switches = current.scheduler.cpu_switches[cpu] - baseline.scheduler.cpu_switches[cpu];
        switches * 1000 / interval_ms
    };
    let locks = current.scheduler.locks();
    let state_name = |p: &ProcInfo| ProcState::from_u8(p.state).map_or("?", ProcState::name);
    match format {
        Format::Json => {
            let mut json = Json::new();
            json.begin_object();
            json.key("uptime_ms").uint(current.at_ms);
            json.key("interval_ms").uint(window_ms);
            json.key("processes").uint(procs.len() as u64);
            json.key("running").uint(count(ProcState::Running));
            json.key("runnable").uint(count(ProcState::Runnable));
            json.key("sleeping").uint(count(ProcState::Sleeping));
            json.key("zombie").uint(count(ProcState::Zombie));
            json.key("cpu_busy_percent").uint(busy);
            json.key("context_switches")
                .uint(current.scheduler.context_switches);
            json.key("context_switches_per_second")
                .uint(switches_per_second);
            json.key("cpu_idle_percent").begin_array();
            for cpu in 0..cpus {
                json.uint(idle_percent(cpu));
            }
            json.end_array();
            json.key("per_cpu").begin_array();
            for cpu in 0..cpus {
                json.begin_object();
                json.key("cpu").uint(cpu as u64);
                json.key("idle_percent").uint(idle_percent(cpu));
                json.key("switches")
                    .uint(current.scheduler.cpu_switches[cpu]);
                json.key("switches_per_second")
                    .uint(cpu_switches_per_second(cpu));
                json.end_object();
            }
            json.end_array();
            json.key("locks").begin_array();
            for lock in locks {
                json.begin_object();
                json.key("name").string(lock.name());
                json.key("acquisitions").uint(lock.acquisitions);
                json.key("contended").uint(lock.contended);
                json.key("spins").uint(lock.spins);
                json.end_object();
            }
            json.end_array();
            json.key("per_process").begin_array();
            for p in procs {
                json.begin_object();
                json.key("pid").uint(p.pid.into());
                json.key("name").string(p.name());
                json.key("state").string(state_name(p));
                json.key("cpu_percent").uint(percent(p));
                json.end_object();
            }
            json.end_array();
            json.end_object();
            json.finish()
        }
        Format::Html => {
            let summary = table(
                &[
                    "uptime",
                    "running",
                    "run queue (runnable)",
                    "sleeping",
                    "CPU busy",
                    "context switches/s",
                    "idle (per CPU)",
                ],
                [vec![
                    format!(
                        "{}.{:02} s",
                        current.at_ms / 1000,
                        current.at_ms % 1000 / 10
                    ),
                    count(ProcState::Running).to_string(),
                    count(ProcState::Runnable).to_string(),
                    count(ProcState::Sleeping).to_string(),
                    format!("{busy} %"),
                    switches_per_second.to_string(),
                    (0..cpus)
                        .map(|c| format!("cpu{c}: {} %", idle_percent(c)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]]
                .into_iter(),
            );
            let rows = procs.iter().map(|p| {
                vec![
                    p.pid.to_string(),
                    // Kernel threads in brackets, as on /proc and in `ps`.
                    if p.kernel_thread != 0 {
                        format!("[{}]", p.name())
                    } else {
                        p.name().to_string()
                    },
                    state_name(p).to_string(),
                    format!("{} %", percent(p)),
                ]
            });
            let source = if traced.is_some() {
                "how long each process ran in the last second, from the kernel's trace ring"
            } else {
                "CPU ticks (10 ms each) gained between two looks at the process table \
                 (the trace ring does not cover a whole second yet)"
            };
            let picture = trace.as_ref().map_or(String::new(), |t| {
                format!(
                    "<h2>The last second</h2>\n{}\n<p>A bar while a process runs; traps \
                     (grey: the timer) and packets (green: in, blue: out) as ticks.</p>",
                    timeline::svg(t)
                )
            });
            let per_cpu = (0..cpus).map(|c| {
                vec![
                    format!("cpu{c}"),
                    format!("{} %", idle_percent(c)),
                    cpu_switches_per_second(c).to_string(),
                    current.scheduler.cpu_switches[c].to_string(),
                ]
            });
            let lock_rows = locks.iter().map(|l| {
                vec![
                    l.name().to_string(),
                    l.acquisitions.to_string(),
                    l.contended.to_string(),
                    l.spins.to_string(),
                ]
            });
            let body = format!(
                "{summary}\n<h2>CPU over the last {window_ms} ms</h2>\n{}\n\
                 <p>Percentages are {source}; switches and idle time come from the \
                 scheduler's own counters (<code>schedinfo</code>).</p>\n{picture}\n\
                 <h2>Per CPU</h2>\n{}\n<h2>Locks since boot</h2>\n{}\n\
                 <p>One line per lock class, in the kernel's lock order. <em>Contended</em>: \
                 acquisitions that found the lock held by another CPU and spun.</p>",
                table(&["pid", "name", "state", "CPU"], rows),
                table(&["CPU", "idle", "switches/s", "switches"], per_cpu),
                table(&["lock", "acquisitions", "contended", "spins"], lock_rows)
            );
            html_page("sched", &body)
        }
    }
}
