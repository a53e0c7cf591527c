//! The live timeline on `/sched`: the last second of the scheduler, drawn
//! as SVG from the kernel's trace ring.
//!
//! Reading `/dev/trace` (kernel/src/trace.rs) gives a text snapshot, one
//! event a line: `TIME_US CPU KIND A B`. A process runs from its `run`
//! event to its `stop` on the same CPU; each becomes a bar in the
//! process's lane. Traps and packets become ticks in lanes of their own.
//! The first read switches tracing on, so the very first view may be
//! nearly empty; the page reloads itself every two seconds.
//! `tools/timeline.py` draws the same data on the host, with more detail.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use http::html::escape;
use libsys::abi::O_RDONLY;

/// The window drawn: the last second before the snapshot.
pub const WINDOW_US: u64 = 1_000_000;
const LABEL_WIDTH: u64 = 130;
const PLOT_WIDTH: u64 = 600;
const LANE_HEIGHT: u64 = 20;
const TIMER_VECTOR: u32 = 32;
const COLOURS: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];

/// One running stretch of a process: [start, end) in microseconds.
pub struct Run {
    pub cpu: u32,
    pub pid: u32,
    pub start: u64,
    pub end: u64,
}

/// What the timeline needs from a snapshot of the trace.
#[derive(Default)]
pub struct Timeline {
    pub now: u64,
    pub names: BTreeMap<u32, String>,
    pub runs: Vec<Run>,
    /// (time, vector) of each trap; (time, received?) of each packet.
    pub traps: Vec<(u64, u32)>,
    pub packets: Vec<(u64, bool)>,
    pub cpus: u32,
    /// The oldest event's time (the ring keeps only the latest events).
    pub first: u64,
}

impl Timeline {
    /// Parses the snapshot text; lines it does not understand are skipped.
    pub fn parse(text: &str) -> Timeline {
        let mut timeline = Timeline::default();
        // The process each CPU is running, since when.
        let mut running: BTreeMap<u32, (u32, u64)> = BTreeMap::new();
        for line in text.lines() {
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            let number = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
            match words.as_slice() {
                ["now", _] => timeline.now = number(1).unwrap_or(0),
                ["name", _, pid, name] => {
                    if let Ok(pid) = pid.parse() {
                        timeline.names.insert(pid, String::from(*name));
                    }
                }
                [_, _, kind, _, _] => {
                    let (Some(time), Some(cpu), Some(a), Some(b)) =
                        (number(0), number(1), number(3), number(4))
                    else {
                        continue;
                    };
                    let cpu = cpu as u32;
                    if timeline.first == 0 || time < timeline.first {
                        timeline.first = time;
                    }
                    timeline.cpus = timeline.cpus.max(cpu + 1);
                    match *kind {
                        "run" => {
                            running.insert(cpu, (b as u32, time));
                        }
                        "stop" => {
                            if let Some((pid, start)) = running.remove(&cpu) {
                                let end = time;
                                timeline.runs.push(Run {
                                    cpu,
                                    pid,
                                    start,
                                    end,
                                });
                            }
                        }
                        "trap" => timeline.traps.push((time, a as u32)),
                        "rx" | "tx" => timeline.packets.push((time, *kind == "rx")),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        // Still running at the snapshot (httpd itself, reading it).
        for (cpu, (pid, start)) in running {
            let end = timeline.now.max(start);
            timeline.runs.push(Run {
                cpu,
                pid,
                start,
                end,
            });
        }
        timeline
    }

    /// Does the trace reach back over the whole window? (Not yet, right
    /// after tracing was switched on; not on a ring that filled faster.)
    pub fn covers_window(&self) -> bool {
        self.first != 0 && self.first + WINDOW_US <= self.now
    }

    /// Microseconds each pid ran inside the window.
    pub fn busy_us(&self) -> BTreeMap<u32, u64> {
        let from = self.now.saturating_sub(WINDOW_US);
        let mut busy = BTreeMap::new();
        for run in &self.runs {
            let time = run.end.min(self.now).saturating_sub(run.start.max(from));
            *busy.entry(run.pid).or_insert(0) += time;
        }
        busy
    }
}

/// Reads all of `/dev/trace` (the kernel makes a fresh snapshot per open).
pub fn read_trace() -> Result<String, libsys::Errno> {
    let fd = libsys::open("/dev/trace", O_RDONLY)?;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let result = loop {
        match libsys::read(fd, &mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e) => break Err(e),
        }
    };
    let _ = libsys::close(fd);
    result?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The SVG: a lane per process that ran in the window, one per CPU when
/// there are several, then traps and packets; time runs left to right.
pub fn svg(timeline: &Timeline) -> String {
    let from = timeline.now.saturating_sub(WINDOW_US);
    let x = |time: u64| LABEL_WIDTH + (time.max(from) - from) * PLOT_WIDTH / WINDOW_US;
    let mut pids: Vec<u32> = timeline
        .runs
        .iter()
        .filter(|r| r.end >= from)
        .map(|r| r.pid)
        .collect();
    pids.sort_unstable();
    pids.dedup();
    let colour = |pid: u32| {
        let index = pids.iter().position(|&p| p == pid).unwrap_or(0);
        COLOURS[index % COLOURS.len()]
    };
    let cpu_lanes = if timeline.cpus > 1 { timeline.cpus } else { 0 };
    let lanes = pids.len() as u64 + cpu_lanes as u64 + 2;
    let height = lanes * LANE_HEIGHT + 24;
    let width = LABEL_WIDTH + PLOT_WIDTH + 10;
    let mut out = format!(
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{height}\" font-family=\"monospace\" font-size=\"11\">\n"
    );
    let label = |out: &mut String, lane: u64, text: &str| {
        let y = lane * LANE_HEIGHT;
        out.push_str(&format!(
            "<text x=\"2\" y=\"{}\">{}</text><line x1=\"{LABEL_WIDTH}\" x2=\"{}\" y1=\"{}\" \
             y2=\"{}\" stroke=\"#ddd\"/>\n",
            y + 14,
            escape(text),
            LABEL_WIDTH + PLOT_WIDTH,
            y + LANE_HEIGHT - 1,
            y + LANE_HEIGHT - 1
        ));
    };
    for (lane, pid) in pids.iter().enumerate() {
        let name = timeline.names.get(pid).map_or("", String::as_str);
        label(&mut out, lane as u64, &format!("pid {pid} {name}"));
    }
    for cpu in 0..cpu_lanes {
        label(
            &mut out,
            pids.len() as u64 + cpu as u64,
            &format!("CPU {cpu}"),
        );
    }
    let traps_lane = pids.len() as u64 + cpu_lanes as u64;
    label(&mut out, traps_lane, "traps");
    label(&mut out, traps_lane + 1, "packets");
    let bar = |out: &mut String, lane: u64, run: &Run| {
        let (left, right) = (x(run.start), x(run.end.min(timeline.now)));
        out.push_str(&format!(
            "<rect class=\"run\" x=\"{left}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
            lane * LANE_HEIGHT + 4,
            // Each CPU stamps its own events: across CPUs a run may appear
            // to end a moment before it starts. Draw it one pixel wide.
            right.saturating_sub(left).max(1),
            LANE_HEIGHT - 8,
            colour(run.pid)
        ));
    };
    for run in timeline.runs.iter().filter(|r| r.end >= from) {
        let lane = pids.iter().position(|&p| p == run.pid).unwrap_or(0) as u64;
        bar(&mut out, lane, run);
        if cpu_lanes > 0 {
            bar(&mut out, pids.len() as u64 + run.cpu as u64, run);
        }
    }
    let tick = |out: &mut String, lane: u64, time: u64, colour: &str| {
        let y = lane * LANE_HEIGHT;
        out.push_str(&format!(
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"{colour}\"/>\n",
            x(time),
            y + 4,
            y + LANE_HEIGHT - 4
        ));
    };
    for &(time, vector) in timeline.traps.iter().filter(|t| t.0 >= from) {
        let colour = if vector == TIMER_VECTOR {
            "#999"
        } else {
            "#f28e2b"
        };
        tick(&mut out, traps_lane, time, colour);
    }
    for &(time, received) in timeline.packets.iter().filter(|p| p.0 >= from) {
        tick(
            &mut out,
            traps_lane + 1,
            time,
            if received { "#59a14f" } else { "#4e79a7" },
        );
    }
    out.push_str(&format!(
        "<text x=\"{LABEL_WIDTH}\" y=\"{}\">-1 s</text><text x=\"{}\" y=\"{}\" \
         text-anchor=\"end\">now</text>\n</svg>",
        lanes * LANE_HEIGHT + 14,
        LABEL_WIDTH + PLOT_WIDTH,
        lanes * LANE_HEIGHT + 14
    ));
    out
}
