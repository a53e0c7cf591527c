//! udpecho [PORT] [COUNT]: sends every UDP datagram back to whoever sent
//! it (port 7, the old "echo" service, by default). With COUNT, exits after
//! that many datagrams (the tests use this).
#![no_std]
#![no_main]

use libsys::abi::{SOCK_DGRAM, SocketAddr};
use libsys::{Args, eprintln, println};

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(7);
    let count: Option<u64> = args.get(2).and_then(|c| c.parse().ok());
    let fd = match libsys::socket(SOCK_DGRAM, 0) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("udpecho: socket: {}", e);
            return 1;
        }
    };
    if let Err(e) = libsys::bind(fd, &SocketAddr::new([0, 0, 0, 0], port)) {
        eprintln!("udpecho: bind to port {}: {}", port, e);
        return 1;
    }
    println!("udpecho: listening on UDP port {}", port);
    let mut buffer = [0u8; 2048];
    let mut echoed = 0;
    while count.is_none_or(|c| echoed < c) {
        match libsys::recvfrom(fd, &mut buffer) {
            Ok((n, from)) => {
                if let Err(e) = libsys::sendto(fd, &buffer[..n], Some(&from)) {
                    eprintln!("udpecho: sendto: {}", e);
                }
                echoed += 1;
            }
            Err(e) => {
                eprintln!("udpecho: recvfrom: {}", e);
                return 1;
            }
        }
    }
    println!("udpecho: echoed {} datagrams", echoed);
    0
}
