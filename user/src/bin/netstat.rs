//! netstat: the system's TCP connections, one per line (from `tcpinfo`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use libsys::abi::{SocketAddr, TcpSocketInfo};
use libsys::{Args, eprintln, println};

fn address(a: &SocketAddr) -> String {
    let [b0, b1, b2, b3] = a.addr;
    alloc::format!("{b0}.{b1}.{b2}.{b3}:{}", a.port)
}

#[unsafe(no_mangle)]
fn main(_args: Args) -> i32 {
    let mut sockets = [TcpSocketInfo::default(); 128];
    let n = match libsys::tcpinfo(&mut sockets) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("netstat: {}", e);
            return 1;
        }
    };
    println!(
        "{:<22} {:<22} {:<12} {:>7} {:>7} {:>6}",
        "local", "remote", "state", "send-q", "recv-q", "rto"
    );
    for s in &sockets[..n] {
        let state = s.state_name();
        println!(
            "{:<22} {:<22} {:<12} {:>7} {:>7} {:>6}",
            address(&s.local),
            address(&s.remote),
            state,
            s.send_queue,
            s.receive_queue,
            s.rto_ms
        );
    }
    println!("{} TCP sockets", n);
    0
}
