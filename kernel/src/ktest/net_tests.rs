//! Tests of PCI, the e1000 and the network glue. The test harness boots
//! them with `-netdev user -device e1000` (QEMU's user network: the gateway
//! 10.0.2.2 answers ARP and ping); without a card the e1000 tests fail,
//! saying so.
//!
//! In test mode no process runs, so there is no network thread: these tests
//! drive the card and the interface themselves, under the `NET` lock, and
//! wait for interrupts with `hlt` with the lock released.

use super::TestResult;
use crate::check;
use crate::dev::e1000::rings::{BUFFER_SIZE, RX_RING_LEN, RxRing, TX_RING_LEN, TxRing};
use crate::dev::e1000::{self, DEVICE_82540EM, VENDOR_INTEL};
use crate::dev::pci::{self, Bar};
use crate::netstack::{self, NetStack, config};
use ::net::Device;
use ::net::wire::ethernet::MAX_FRAME_LEN;
use alloc::string::String;
use core::net::Ipv4Addr;

const GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
/// QEMU holds received frames for one second after the driver writes RCTL
/// (its e1000 model's `flush_queue_timer`), so allow well over that.
const WAIT_NS: u64 = 3_000_000_000;

const NO_CARD: &str = "no e1000 (boot QEMU with -netdev user,id=n0 -device e1000,netdev=n0)";

fn with_card<R>(f: impl FnOnce(&mut NetStack) -> R) -> Result<R, String> {
    netstack::with_stack(f).map_err(|_| String::from(NO_CARD))
}

/// Calls `step` under the lock until it returns `Some`, sleeping on `hlt`
/// (lock released, so the card's interrupt can come) between tries.
fn poll_until<R>(mut step: impl FnMut(&mut NetStack) -> Option<R>) -> Result<Option<R>, String> {
    let deadline = crate::time::nanoseconds() + WAIT_NS;
    while crate::time::nanoseconds() < deadline {
        if let Some(result) = with_card(&mut step)? {
            return Ok(Some(result));
        }
        x86_64::instructions::hlt();
    }
    Ok(None)
}

pub fn pci_finds_host_bridge() -> TestResult {
    let devices = pci::devices();
    let host = devices
        .iter()
        .find(|d| d.address.bus == 0 && d.address.device == 0 && d.address.function == 0);
    check!(
        host.is_some(),
        "nothing at 00:00.0 among {} functions",
        devices.len()
    );
    let host = host.unwrap();
    check!(
        (host.class, host.subclass) == (0x06, 0x00),
        "00:00.0 is class {:02x}{:02x}, not a host bridge",
        host.class,
        host.subclass
    );
    Ok(())
}

pub fn pci_found_and_enabled_e1000() -> TestResult {
    let devices = pci::devices();
    let card = devices
        .iter()
        .find(|d| d.vendor == VENDOR_INTEL && d.device == DEVICE_82540EM)
        .ok_or(NO_CARD)?;
    check!(card.driver == Some("e1000"), "claimed by {:?}", card.driver);
    check!(
        card.class == 0x02 && card.subclass == 0x00,
        "not an Ethernet controller"
    );
    let command = pci::command(card);
    check!(
        command & pci::MEMORY_SPACE != 0 && command & pci::BUS_MASTER != 0,
        "command register {command:#06x}: memory space or bus mastering off"
    );
    match pci::bar(card, 0) {
        Some(Bar::Memory { base, size }) => {
            check!(size == 128 * 1024, "BAR 0 is {size:#x} bytes, not 128 KiB");
            check!(
                base != 0 && base % size == 0,
                "BAR 0 at {base:#x}: not aligned"
            );
        }
        other => return Err(alloc::format!("BAR 0 is {other:?}")),
    }
    // Sizing a BAR must put it back where it was.
    check!(pci::bar(card, 0) == pci::bar(card, 0));
    Ok(())
}

pub fn e1000_mac_is_set() -> TestResult {
    let (card_mac, iface_mac) = with_card(|s| (s.card.mac(), s.iface.config().mac))?;
    check!(card_mac.0 != [0; 6], "MAC is all zeros");
    check!(card_mac.is_unicast(), "MAC {card_mac} is a group address");
    check!(
        iface_mac == card_mac,
        "interface uses {iface_mac}, card has {card_mac}"
    );
    Ok(())
}

pub fn e1000_rings_are_sane() -> TestResult {
    let (registers, (rx_phys, tx_phys, rx_next)) =
        with_card(|s| (s.card.ring_registers(), s.card.ring_layout()))?;
    let [
        (rx_base, rx_len, rx_head, rx_tail),
        (tx_base, tx_len, tx_head, tx_tail),
    ] = registers;
    check!(
        rx_base == rx_phys && tx_base == tx_phys,
        "ring base registers"
    );
    check!(rx_base % 4096 == 0 && tx_base % 4096 == 0 && rx_base != tx_base);
    check!(rx_len as usize == RX_RING_LEN * 16 && tx_len as usize == TX_RING_LEN * 16);
    check!((rx_head as usize) < RX_RING_LEN && (rx_tail as usize) < RX_RING_LEN);
    // The descriptor before `next` is the gap the driver keeps.
    check!(
        rx_tail as usize == (rx_next + RX_RING_LEN - 1) % RX_RING_LEN,
        "RDT {rx_tail} but the driver looks at {rx_next} next"
    );
    check!(rx_head != rx_tail, "the card has no receive descriptors");
    check!((tx_head as usize) < TX_RING_LEN && (tx_tail as usize) < TX_RING_LEN);
    Ok(())
}

/// An ARP request for the gateway, built by hand, through the driver alone.
fn arp_request(mac: [u8; 6], ip: Ipv4Addr, target: Ipv4Addr) -> [u8; 60] {
    let mut f = [0u8; 60]; // padded to the minimum frame size
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    f[14..22].copy_from_slice(&[0, 1, 0x08, 0, 6, 4, 0, 1]);
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&ip.octets());
    f[38..42].copy_from_slice(&target.octets());
    f
}

pub fn e1000_sends_and_receives_with_interrupts() -> TestResult {
    let (interrupts_before, tx_before) = with_card(|s| {
        let (c, _) = s.card.counters();
        let request = arp_request(s.card.mac().0, s.iface.config().addr, GATEWAY);
        (
            c.interrupts,
            s.card.transmit(&request, None).then_some(c.tx_packets),
        )
    })?;
    let tx_before = tx_before.ok_or("transmit refused with an empty ring")?;
    // Wait for the gateway's ARP reply: an ARP frame whose sender is it.
    let reply = poll_until(|s| {
        let mut buf = [0u8; MAX_FRAME_LEN];
        while let Some(len) = s.card.receive(&mut buf) {
            let f = &buf[..len];
            let is_reply = len >= 42 && f[12..14] == [0x08, 0x06] && f[20..22] == [0, 2];
            if is_reply && f[28..32] == GATEWAY.octets() {
                return Some(len);
            }
        }
        None
    })?;
    check!(reply.is_some(), "no ARP reply from {GATEWAY} within 3 s");
    let (counters, hardware) = with_card(|s| s.card.counters())?;
    check!(counters.tx_packets == tx_before + 1);
    // The card's own statistics saw the same traffic.
    check!(
        hardware.good_tx >= 1 && hardware.good_rx >= 1,
        "card statistics: {hardware:?}"
    );
    check!(counters.rx_packets >= 1 && counters.rx_bytes >= 42);
    check!(
        counters.interrupts > interrupts_before,
        "the reply came without an interrupt (IRQ routing?)"
    );
    Ok(())
}

pub fn interface_pings_gateway_through_the_card() -> TestResult {
    const IDENT: u16 = 0x7e57;
    with_card(|s| {
        s.iface
            .ping_send(GATEWAY, IDENT, 1, b"ktest", netstack::now())
    })?
    .map_err(|e| alloc::format!("ping_send: {e:?}"))?;
    let reply = poll_until(|s| {
        s.card.service_interrupts();
        s.iface.poll(netstack::now(), &mut s.card);
        s.iface.ping_recv(IDENT)
    })?;
    let reply = reply.ok_or("no echo reply from the gateway within 3 s")?;
    check!(reply.src == GATEWAY && reply.seq_no == 1 && reply.payload_len == 5);
    let arp_known = with_card(|s| s.iface.arp_cache_entries().any(|(ip, _)| ip == GATEWAY))?;
    check!(arp_known, "the gateway is not in the ARP cache");
    Ok(())
}

pub fn config_parses_command_line() -> TestResult {
    check!(config::parse(None, None) == config::DEFAULT);
    let a = config::parse(Some("192.168.7.9/16"), Some("192.168.0.1"));
    check!(a.addr == Ipv4Addr::new(192, 168, 7, 9) && a.prefix_len == 16);
    check!(a.gateway == Some(Ipv4Addr::new(192, 168, 0, 1)));
    check!(config::parse(None, Some("none")).gateway.is_none());
    check!(config::parse(Some("10.1.2.3"), None).prefix_len == 24);
    // Nonsense falls back to the default rather than to no network.
    for bad in ["10.0.2", "10.0.2.15/33", "0.0.0.0/8", "224.0.0.1/4"] {
        check!(
            config::parse(Some(bad), None) == config::DEFAULT,
            "ip={bad} was accepted"
        );
    }
    check!(config::parse(None, Some("gateway")) == config::DEFAULT);
    Ok(())
}

/// The network thread and the card's interrupt vector agree with the card.
pub fn e1000_interrupt_vector_matches_line() -> TestResult {
    let irq = with_card(|s| s.card.irq())?.ok_or("the card has no interrupt line")?;
    check!(
        e1000::irq_vector() == Some(crate::arch::trap::IRQ_BASE + irq),
        "vector {:?} for IRQ {irq}",
        e1000::irq_vector()
    );
    let line = with_card(|s| pci::interrupt_line(s.card.pci()))?;
    check!(line == Some(irq), "PCI says line {line:?}");
    Ok(())
}

/// A ring the card never sees: fill it, and check the driver's own
/// bookkeeping (one descriptor always free, nothing reclaimed that the
/// card did not mark done, memory returned when dropped).
pub fn rings_bookkeeping_without_a_card() -> TestResult {
    let free_before = crate::mem::frame::free_count();
    {
        let mut tx = TxRing::new().ok_or("out of frames")?;
        let frame = [0xAB; 60];
        let mut accepted = 0;
        while tx.push(&frame).is_some() {
            accepted += 1;
            check!(accepted < TX_RING_LEN, "the ring took {accepted} frames");
        }
        check!(
            accepted == TX_RING_LEN - 1,
            "took {accepted}, not all but one"
        );
        check!(tx.is_full() && tx.in_flight() == TX_RING_LEN - 1);
        check!(tx.reclaim().frames == 0, "reclaimed what no card sent");
        check!(tx.push(&frame).is_none());

        let mut rx = RxRing::new().ok_or("out of frames")?;
        let mut buf = [0u8; BUFFER_SIZE];
        check!(!rx.has_frame() && rx.take(&mut buf).is_none());
        check!(rx.next() == 0 && rx.initial_tail() as usize == RX_RING_LEN - 1);
    }
    check!(
        crate::mem::frame::free_count() == free_before,
        "rings leaked {} frames",
        free_before - crate::mem::frame::free_count()
    );
    Ok(())
}
