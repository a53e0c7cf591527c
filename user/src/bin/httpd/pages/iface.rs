//! The interface half of `/net`: address, link and counters of the e1000,
//! from `netinfo` (what `ifconfig` shows).
//!
//! The counters have no fixed list: the kernel names each one, so a
//! counter added to the driver or the stack appears here unchanged. Only
//! those that are not zero are shown on the HTML page; the JSON has all.

use super::table;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use core::net::Ipv4Addr;
use http::json::Json;
use libsys::SysResult;
use libsys::abi::{NetCounter, NetInfo};

pub fn read() -> SysResult<Box<NetInfo>> {
    let mut info = Box::new(NetInfo::default()); // about 5 KiB
    libsys::netinfo(&mut info)?;
    Ok(info)
}

fn mac(info: &NetInfo) -> String {
    let b = info.mac;
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[0], b[1], b[2], b[3], b[4], b[5]
    )
}

fn address(info: &NetInfo) -> String {
    format!("{}/{}", Ipv4Addr::from_bits(info.addr), info.prefix_len)
}

/// Writes the `"interface"` member of the `/api/net` object.
pub fn json(json: &mut Json, info: &NetInfo) {
    json.key("interface").begin_object();
    json.key("address").string(&address(info));
    json.key("gateway")
        .string(&Ipv4Addr::from_bits(info.gateway).to_string());
    json.key("mac").string(&mac(info));
    json.key("link_up").bool(info.link_up != 0);
    json.key("polls").uint(info.polls);
    json.key("counters").begin_object();
    for counter in info.iface_counters().iter().chain(info.driver_counters()) {
        json.key(counter.name()).uint(counter.value);
    }
    json.end_object();
    json.end_object();
}

pub fn html(info: &NetInfo) -> String {
    let link = if info.link_up != 0 { "up" } else { "down" };
    let summary = table(
        &["address", "gateway", "MAC", "link"],
        [vec![
            address(info),
            Ipv4Addr::from_bits(info.gateway).to_string(),
            mac(info),
            link.to_string(),
        ]]
        .into_iter(),
    );
    let rows = |counters: &[NetCounter]| {
        counters
            .iter()
            .filter(|c| c.value != 0)
            .map(|c| vec![c.name().to_string(), c.value.to_string()])
            .collect::<alloc::vec::Vec<_>>()
            .into_iter()
    };
    format!(
        "<h2>Interface eth0 (e1000)</h2>\n{summary}\n<h3>Interface counters</h3>\n{}\n\
         <h3>Driver counters</h3>\n{}",
        table(&["counter", "value"], rows(info.iface_counters())),
        table(&["counter", "value"], rows(info.driver_counters())),
    )
}
