//! `/net`: the TCP sockets, from `tcpinfo` (what `netstat` shows), the
//! interface and its counters, from `netinfo` (`iface.rs`), and httpd's own
//! counters.

use super::{Format, html_page, iface, table, unavailable};
use crate::site::Site;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use http::json::Json;
use libsys::abi::{SocketAddr, TcpSocketInfo};

/// More sockets than the server could ever hold open, plus TIME-WAIT.
const MAX_SOCKETS: usize = 256;

fn address(a: &SocketAddr) -> String {
    format!(
        "{}.{}.{}.{}:{}",
        a.addr[0], a.addr[1], a.addr[2], a.addr[3], a.port
    )
}

fn state(info: &TcpSocketInfo) -> &str {
    info.state_name()
}

pub fn render(site: &mut Site, format: Format) -> String {
    let mut buffer = vec![TcpSocketInfo::default(); MAX_SOCKETS];
    let sockets = match libsys::tcpinfo(&mut buffer) {
        Ok(count) => &buffer[..count.min(MAX_SOCKETS)],
        Err(error) => return unavailable("net", "tcpinfo", error, format),
    };
    // How many sockets are in each state, in order of first appearance.
    let mut states: Vec<(&str, u64)> = Vec::new();
    for socket in sockets {
        match states.iter_mut().find(|(name, _)| *name == state(socket)) {
            Some((_, count)) => *count += 1,
            None => states.push((state(socket), 1)),
        }
    }
    // A machine without a network card has no interface to show (and no
    // client to show it to, but the page should still not fail).
    let interface = iface::read().ok();
    let stats = &site.stats;
    match format {
        Format::Json => {
            let mut json = Json::new();
            json.begin_object();
            json.key("tcp_sockets").uint(sockets.len() as u64);
            json.key("by_state").begin_object();
            for (name, count) in &states {
                json.key(name).uint(*count);
            }
            json.end_object();
            json.key("tcp").begin_array();
            for s in sockets {
                json.begin_object();
                json.key("local").string(&address(&s.local));
                json.key("remote").string(&address(&s.remote));
                json.key("state").string(state(s));
                json.key("send_queue").uint(s.send_queue.into());
                json.key("receive_queue").uint(s.receive_queue.into());
                json.key("rto_ms").uint(s.rto_ms.into());
                json.key("srtt_ms").uint(s.srtt_ms.into());
                json.key("cwnd").uint(s.cwnd.into());
                json.end_object();
            }
            json.end_array();
            if let Some(info) = &interface {
                iface::json(&mut json, info);
            }
            json.key("httpd").begin_object();
            json.key("open_connections").uint(stats.open as u64);
            json.key("capacity").uint(stats.capacity as u64);
            json.key("accepted").uint(stats.accepted);
            json.key("refused_503").uint(stats.refused);
            json.key("responses").uint(stats.responses);
            json.key("malformed").uint(stats.rejected);
            json.key("bytes_sent").uint(stats.bytes_sent);
            json.end_object();
            json.end_object();
            json.finish()
        }
        Format::Html => {
            let rows = sockets.iter().map(|s| {
                vec![
                    address(&s.local),
                    address(&s.remote),
                    state(s).to_string(),
                    s.send_queue.to_string(),
                    s.receive_queue.to_string(),
                    s.rto_ms.to_string(),
                    s.srtt_ms.to_string(),
                    s.cwnd.to_string(),
                ]
            });
            let columns = [
                "local", "remote", "state", "send-Q", "recv-Q", "RTO ms", "SRTT ms", "cwnd",
            ];
            let httpd = table(
                &[
                    "open",
                    "capacity",
                    "accepted",
                    "refused (503)",
                    "responses",
                    "malformed",
                    "bytes sent",
                ],
                [vec![
                    stats.open.to_string(),
                    stats.capacity.to_string(),
                    stats.accepted.to_string(),
                    stats.refused.to_string(),
                    stats.responses.to_string(),
                    stats.rejected.to_string(),
                    stats.bytes_sent.to_string(),
                ]]
                .into_iter(),
            );
            let body = format!(
                "<h2>TCP sockets ({})</h2>\n{}\n\
                 <p>One of the ESTABLISHED sockets is the connection this page came \
                 through.</p>\n<h2>httpd</h2>\n{httpd}\n{}",
                sockets.len(),
                table(&columns, rows),
                interface.as_deref().map_or(String::new(), iface::html),
            );
            html_page("net", &body)
        }
    }
}
