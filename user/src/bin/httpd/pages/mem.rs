//! `/mem`: physical frames and the kernel heap, from `meminfo` (the same
//! figures `free` prints).

use super::{Format, html_page, table, unavailable};
use crate::site::Site;
use alloc::string::{String, ToString};
use alloc::vec;
use http::json::Json;

pub fn render(_site: &mut Site, format: Format) -> String {
    let info = match libsys::meminfo() {
        Ok(info) => info,
        Err(error) => return unavailable("mem", "meminfo", error, format),
    };
    let frames_used = info.frames_total.saturating_sub(info.frames_free);
    let heap_used = info.heap_used.min(info.heap_total);
    match format {
        Format::Json => {
            let mut json = Json::new();
            json.begin_object();
            json.key("page_size").uint(info.page_size);
            json.key("frames_total_bytes").uint(info.frames_total);
            json.key("frames_free_bytes").uint(info.frames_free);
            json.key("heap_total_bytes").uint(info.heap_total);
            json.key("heap_used_bytes").uint(heap_used);
            json.end_object();
            json.finish()
        }
        Format::Html => {
            let kib = |bytes: u64| (bytes / 1024).to_string();
            let percent =
                |part: u64, whole: u64| (part * 100).checked_div(whole).unwrap_or(0).to_string();
            let rows = [
                ("frames", info.frames_total, frames_used),
                ("kernel heap", info.heap_total, heap_used),
            ]
            .into_iter()
            .map(|(pool, total, used)| {
                vec![
                    pool.to_string(),
                    kib(total),
                    kib(used),
                    kib(total - used),
                    percent(used, total) + " %",
                ]
            });
            let body = table(&["pool", "total KiB", "used KiB", "free KiB", "used"], rows)
                + "\n<p>Frames are physical pages of 4 KiB: process memory, page tables, \
                   kernel stacks. The kernel heap holds the kernel's own Box and Vec \
                   (process table entries, pipes, socket buffers).</p>";
            html_page("mem", &body)
        }
    }
}
