//! `/proc`: the process table, from `procinfo` (what `ps` shows).

use super::{Format, html_page, table, unavailable};
use crate::site::Site;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use http::json::Json;
use libsys::abi::{ProcInfo, ProcState};

/// More than the kernel's process table holds, so nobody is missed.
const MAX_PROCS: usize = 80;

pub fn render(_site: &mut Site, format: Format) -> String {
    let mut buffer = [ProcInfo::default(); MAX_PROCS];
    let procs = match libsys::procinfo(&mut buffer) {
        Ok(count) => &buffer[..count],
        Err(error) => return unavailable("proc", "procinfo", error, format),
    };
    let state = |p: &ProcInfo| ProcState::from_u8(p.state).map_or("?", ProcState::name);
    match format {
        Format::Json => {
            let mut json = Json::new();
            json.begin_array();
            for p in procs {
                json.begin_object();
                json.key("pid").uint(p.pid.into());
                json.key("ppid").uint(p.parent_pid.into());
                json.key("state").string(state(p));
                json.key("cpu_ticks").uint(p.cpu_ticks);
                json.key("memory_bytes").uint(p.memory_bytes);
                json.key("kernel_thread").bool(p.kernel_thread != 0);
                json.key("name").string(p.name());
                json.end_object();
            }
            json.end_array();
            json.finish()
        }
        Format::Html => {
            let rows = procs.iter().map(|p| {
                let name = if p.kernel_thread != 0 {
                    format!("[{}]", p.name())
                } else {
                    p.name().to_string()
                };
                vec![
                    p.pid.to_string(),
                    p.parent_pid.to_string(),
                    state(p).to_string(),
                    p.cpu_ticks.to_string(),
                    // As `ps`: a kernel thread has no user memory at all.
                    if p.kernel_thread != 0 {
                        "-".to_string()
                    } else {
                        (p.memory_bytes / 1024).to_string()
                    },
                    name,
                ]
            });
            let body = table(
                &["pid", "ppid", "state", "CPU ticks", "memory KiB", "name"],
                rows,
            ) + "\n<p>One tick is 10 ms of CPU time. Names in brackets are kernel \
                   threads. httpd itself is always <em>running</em> here: it is the \
                   process asking.</p>";
            html_page("proc", &body)
        }
    }
}
