//! Shared helpers for the TCP tests: a `TcpTable` under test (the "host",
//! 10.0.0.1) and a scripted peer (10.0.0.2) whose segments the test writes
//! by hand with [`Seg`], with a fake clock.
#![allow(dead_code)] // each test file uses a different part

use core::net::{Ipv4Addr, SocketAddrV4};
use net::tcp::{SocketHandle, State, TcpConfig, TcpTable};
use net::time::{Duration, Instant};
use net::wire::tcp::{Flags, SackBlocks, TcpPacket, TcpRepr};

pub const HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
pub const HOST_PORT: u16 = 80;
pub const PEER_PORT: u16 = 40000;
pub const SECRET: [u8; 16] = *b"not-so-secret-16";

/// A segment from the peer, built field by field.
#[derive(Clone, Debug)]
pub struct Seg {
    pub repr: TcpRepr,
    pub payload: Vec<u8>,
}

impl Seg {
    pub fn new(flags: Flags, seq: u32) -> Seg {
        Seg {
            repr: TcpRepr {
                src_port: PEER_PORT,
                dst_port: HOST_PORT,
                seq_number: seq,
                ack_number: 0,
                flags,
                window: 65535,
                urgent_pointer: 0,
                max_seg_size: None,
                window_scale: None,
                sack_permitted: false,
                sack: SackBlocks::NONE,
            },
            payload: Vec::new(),
        }
    }
    pub fn syn(seq: u32) -> Seg {
        Seg::new(Flags::SYN, seq).mss(1460)
    }
    /// An ACK with sequence number `seq` acknowledging `ack`.
    pub fn ack(seq: u32, ack: u32) -> Seg {
        Seg::new(Flags::ACK, seq).acking(ack)
    }
    pub fn rst(seq: u32) -> Seg {
        Seg::new(Flags::RST, seq)
    }
    pub fn acking(mut self, ack: u32) -> Seg {
        self.repr.flags = self.repr.flags | Flags::ACK;
        self.repr.ack_number = ack;
        self
    }
    pub fn flags(mut self, flags: Flags) -> Seg {
        self.repr.flags = self.repr.flags | flags;
        self
    }
    pub fn data(mut self, data: &[u8]) -> Seg {
        self.payload = data.to_vec();
        self
    }
    pub fn window(mut self, window: u16) -> Seg {
        self.repr.window = window;
        self
    }
    pub fn mss(mut self, mss: u16) -> Seg {
        self.repr.max_seg_size = Some(mss);
        self
    }
    pub fn no_mss(mut self) -> Seg {
        self.repr.max_seg_size = None;
        self
    }
    pub fn wscale(mut self, shift: u8) -> Seg {
        self.repr.window_scale = Some(shift);
        self
    }
    /// The peer offers selective acknowledgments (only in a SYN).
    pub fn sack_permitted(mut self) -> Seg {
        self.repr.sack_permitted = true;
        self
    }
    pub fn ports(mut self, src: u16, dst: u16) -> Seg {
        self.repr.src_port = src;
        self.repr.dst_port = dst;
        self
    }
}

/// A segment the host emitted, parsed back.
#[derive(Clone, Debug)]
pub struct Out {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub repr: TcpRepr,
    pub payload: Vec<u8>,
}

impl Out {
    pub fn seq(&self) -> u32 {
        self.repr.seq_number
    }
    pub fn ack(&self) -> u32 {
        assert!(self.has(Flags::ACK), "no ACK bit in {self:?}");
        self.repr.ack_number
    }
    pub fn has(&self, flags: Flags) -> bool {
        self.repr.flags.contains(flags)
    }
    /// The flags other than PSH, which the tests do not care about.
    pub fn ctl(&self) -> Flags {
        Flags::from_bits(self.repr.flags.bits() & !Flags::PSH.bits())
    }
    pub fn window(&self) -> u16 {
        self.repr.window
    }
    /// The SACK blocks, as `(left, right)` sequence numbers.
    pub fn sack(&self) -> Vec<(u32, u32)> {
        self.repr.sack.as_slice().to_vec()
    }
}

/// The host under test and its clock.
pub struct Harness {
    pub table: TcpTable,
    pub now: Instant,
}

/// A connection between the host and the scripted peer, with the next
/// sequence number each side will use.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub handle: SocketHandle,
    /// Next sequence number the peer sends.
    pub peer_nxt: u32,
    /// Next sequence number the host sends (what the peer acknowledges).
    pub host_nxt: u32,
    pub host_port: u16,
}

impl Harness {
    pub fn new(config: TcpConfig) -> Harness {
        Harness {
            table: TcpTable::new(config, SECRET),
            now: Instant::ZERO,
        }
    }

    /// Default settings without delayed ACKs, so every ACK is immediate.
    pub fn quick() -> Harness {
        Harness::new(TcpConfig {
            ack_delay: None,
            ..TcpConfig::default()
        })
    }

    pub fn advance(&mut self, ms: u64) {
        self.now = self.now + Duration::from_millis(ms);
    }

    pub fn deliver(&mut self, seg: &Seg) {
        let mut bytes = Vec::new();
        seg.repr.emit(PEER, HOST, &seg.payload, &mut bytes);
        self.table.input(self.now, PEER, HOST, &bytes);
    }

    /// Everything the host sends at `now`, checked and parsed.
    pub fn poll(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        self.table.poll_output(self.now, &mut |src, dst, bytes| {
            let packet = TcpPacket::new_checked(bytes).expect("host emitted a malformed segment");
            assert!(packet.verify_checksum(src, dst), "bad checksum from host");
            out.push(Out {
                src,
                dst,
                repr: TcpRepr::parse(&packet),
                payload: packet.payload().to_vec(),
            });
            true
        });
        out
    }

    /// Exactly one segment must come out.
    pub fn poll_one(&mut self) -> Out {
        let mut out = self.poll();
        assert_eq!(out.len(), 1, "expected one segment, got {out:#?}");
        out.remove(0)
    }

    pub fn assert_silent(&mut self) {
        let out = self.poll();
        assert!(out.is_empty(), "expected silence, got {out:#?}");
    }

    pub fn listen(&mut self) -> SocketHandle {
        self.table
            .listen(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT), 8)
            .unwrap()
    }

    /// Passive open: listen, handshake with peer ISN `peer_isn`, accept,
    /// close the listener.
    pub fn accept_from(&mut self, peer_isn: u32, syn: Seg) -> Link {
        let listener = self.listen();
        self.deliver(&syn);
        let syn_ack = self.poll_one();
        assert_eq!(syn_ack.ctl(), Flags::SYN | Flags::ACK);
        assert_eq!(syn_ack.ack(), peer_isn.wrapping_add(1));
        let host_nxt = syn_ack.seq().wrapping_add(1);
        // The peer's ACK offers the same window as its SYN.
        let window = syn.repr.window;
        self.deliver(&Seg::ack(peer_isn.wrapping_add(1), host_nxt).window(window));
        let handle = self
            .table
            .accept(listener)
            .expect("handshake should complete");
        assert_eq!(self.table.state(handle), State::Established);
        // Only the connection stays, so tests can count sockets.
        self.table.close(listener, self.now).unwrap();
        Link {
            handle,
            peer_nxt: peer_isn.wrapping_add(1),
            host_nxt,
            host_port: HOST_PORT,
        }
    }

    pub fn established(&mut self) -> Link {
        self.accept_from(1000, Seg::syn(1000))
    }

    /// Active open from the host to the peer, which answers with ISN
    /// `peer_isn` and `syn_ack` options (MSS 1460 by default).
    pub fn connect_to(&mut self, peer_isn: u32) -> Link {
        let handle = self.connect();
        let syn = self.poll_one();
        assert_eq!(syn.ctl(), Flags::SYN);
        let host_port = syn.repr.src_port;
        let host_nxt = syn.seq().wrapping_add(1);
        self.deliver(
            &Seg::syn(peer_isn)
                .acking(host_nxt)
                .ports(PEER_PORT, host_port),
        );
        let ack = self.poll_one();
        assert_eq!(ack.ctl(), Flags::ACK);
        assert_eq!(self.table.state(handle), State::Established);
        Link {
            handle,
            peer_nxt: peer_isn.wrapping_add(1),
            host_nxt,
            host_port,
        }
    }

    pub fn connect(&mut self) -> SocketHandle {
        self.connect_from(0)
    }

    /// Active open from a chosen local port (0: ephemeral).
    pub fn connect_from(&mut self, port: u16) -> SocketHandle {
        self.table
            .connect(
                self.now,
                SocketAddrV4::new(HOST, port),
                SocketAddrV4::new(PEER, PEER_PORT),
            )
            .unwrap()
    }

    /// After the host closed (or shut down) its side of `link`: its FIN
    /// goes out, the peer acknowledges it with a FIN of its own, and the
    /// host's ACK of that leaves the connection in TIME-WAIT.
    pub fn finish_active_close(&mut self, link: &mut Link) {
        self.poll_one();
        link.host_nxt = link.host_nxt.wrapping_add(1);
        self.deliver(&link.seg(Flags::FIN));
        self.poll_one();
    }

    pub fn recv_all(&mut self, h: SocketHandle) -> Vec<u8> {
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = self.table.recv(h, &mut buf) {
            data.extend_from_slice(&buf[..n]);
        }
        data
    }
}

impl Link {
    /// A segment from the peer on this connection: current sequence
    /// number, acknowledging everything the host sent.
    pub fn seg(&self, flags: Flags) -> Seg {
        Seg::new(flags | Flags::ACK, self.peer_nxt)
            .acking(self.host_nxt)
            .ports(PEER_PORT, self.host_port)
    }
}
