//! Feeds arbitrary bytes to `Interface::poll` as received frames.
//!
//! The input is read as a sequence of frames, each preceded by a 2-byte
//! big-endian length, so that the fuzzer can build up state across frames
//! (learn a neighbour with one, then hit the queued-packet path with the
//! next). The clock moves 400 ms per frame, so ARP retries and give-ups run
//! too. The only property checked is the crate's contract: no input panics.
#![no_main]

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use net::iface::{Config, Device, Interface};
use net::time::Instant;
use net::wire::ethernet::EthernetAddress;

const MAC: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 0x01]);

struct FuzzDevice {
    rx: VecDeque<Vec<u8>>,
}

impl Device for FuzzDevice {
    fn receive(&mut self, buf: &mut [u8]) -> Option<usize> {
        let frame = self.rx.pop_front()?;
        let n = frame.len().min(buf.len());
        buf[..n].copy_from_slice(&frame[..n]);
        Some(frame.len())
    }

    fn transmit(&mut self, _frame: &[u8], _offload: Option<&net::offload::TxOffload>) -> bool {
        true
    }

    fn mac(&self) -> EthernetAddress {
        MAC
    }
}

fuzz_target!(|data: &[u8]| {
    let mut iface = Interface::new(Config {
        mac: MAC,
        addr: Ipv4Addr::new(10, 0, 2, 15),
        prefix_len: 24,
        gateway: Some(Ipv4Addr::new(10, 0, 2, 2)),
    });
    let socket = iface.udp_bind(7).ok();
    let mut dev = FuzzDevice {
        rx: VecDeque::new(),
    };
    let mut rest = data;
    let mut now = 0;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (frame, tail) = tail.split_at(len);
        rest = tail;
        dev.rx.push_back(frame.to_vec());
        iface.poll(Instant::from_millis(now), &mut dev);
        if let Some(socket) = socket {
            // Answer whatever arrived, to exercise the send path as well.
            if let Some((from, payload)) = iface.udp_recv_from(socket) {
                let _ = iface.udp_send_to(socket, from, &payload, Instant::from_millis(now));
            }
        }
        now += 400;
    }
});
