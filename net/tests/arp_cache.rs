//! The ARP cache on its own: expiry, retries, the waiting queue, eviction.

use std::net::Ipv4Addr;

use net::iface::arp_cache::{
    ArpCache, ArpState, CACHE_SIZE, CacheFull, Lookup, MAX_WAITING, TimerActions,
};
use net::time::Instant;
use net::wire::ethernet::EthernetAddress;

const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
const MAC: EthernetAddress = EthernetAddress([0x52, 0x54, 0, 0, 0, 3]);

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn host(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 3, i as u8)
}

#[test]
fn unknown_address_is_missing() {
    assert_eq!(ArpCache::new().lookup(IP, at(0)), Lookup::Missing);
}

#[test]
fn learned_address_is_found_until_it_expires() {
    let mut cache = ArpCache::new();
    cache.learn(IP, MAC, at(1_000), true);
    assert_eq!(cache.lookup(IP, at(60_999)), Lookup::Found(MAC));
    assert_eq!(cache.lookup(IP, at(61_000)), Lookup::Missing);
}

#[test]
fn poll_forgets_expired_entries() {
    let mut cache = ArpCache::new();
    cache.learn(IP, MAC, at(0), true);
    assert_eq!(cache.poll(at(59_999)), TimerActions::default());
    assert_eq!(cache.entries().count(), 1);
    cache.poll(at(60_000));
    assert_eq!(cache.entries().count(), 0);
}

#[test]
fn learning_without_create_only_updates_known_addresses() {
    // RFC 826: the merge step updates an entry whatever the packet; only a
    // packet for us may add one.
    let mut cache = ArpCache::new();
    cache.learn(IP, MAC, at(0), false);
    assert_eq!(cache.lookup(IP, at(0)), Lookup::Missing);
    cache.learn(IP, MAC, at(0), true);
    let new_mac = EthernetAddress([0x52, 0x54, 0, 0, 0, 4]);
    cache.learn(IP, new_mac, at(5), false);
    assert_eq!(cache.lookup(IP, at(5)), Lookup::Found(new_mac));
}

#[test]
fn unanswered_request_is_retried_every_second_then_abandoned() {
    let mut cache = ArpCache::new();
    cache.start_resolving(IP, at(0)).unwrap();
    cache.enqueue(IP, vec![1]).unwrap();
    assert_eq!(cache.lookup(IP, at(0)), Lookup::Pending);
    assert_eq!(cache.poll_at(), Some(at(1_000)));
    assert!(cache.poll(at(999)).retry.is_empty());
    assert_eq!(cache.poll(at(1_000)).retry, vec![IP]);
    assert_eq!(cache.poll_at(), Some(at(2_000)));
    assert_eq!(cache.poll(at(2_000)).retry, vec![IP]);
    let gave_up = cache.poll(at(3_000));
    assert!(gave_up.retry.is_empty());
    assert_eq!(gave_up.failed, vec![(IP, 1)]);
    assert_eq!(cache.lookup(IP, at(3_000)), Lookup::Missing);
    assert_eq!(cache.waiting_len(), 0);
    assert_eq!(cache.poll_at(), None);
}

#[test]
fn an_answer_releases_waiting_frames_in_order() {
    let mut cache = ArpCache::new();
    let other = Ipv4Addr::new(10, 0, 2, 4);
    cache.start_resolving(IP, at(0)).unwrap();
    cache.start_resolving(other, at(0)).unwrap();
    cache.enqueue(IP, vec![1]).unwrap();
    cache.enqueue(other, vec![2]).unwrap();
    cache.enqueue(IP, vec![3]).unwrap();
    assert_eq!(cache.learn(IP, MAC, at(10), false), vec![vec![1], vec![3]]);
    assert_eq!(cache.waiting_len(), 1);
    assert!(matches!(
        cache.entries().find(|(ip, _)| *ip == IP),
        Some((_, ArpState::Resolved { mac: MAC, learned_at })) if learned_at == at(10)
    ));
}

#[test]
fn waiting_queue_is_bounded() {
    let mut cache = ArpCache::new();
    cache.start_resolving(IP, at(0)).unwrap();
    for i in 0..MAX_WAITING {
        cache.enqueue(IP, vec![i as u8]).unwrap();
    }
    assert_eq!(cache.enqueue(IP, vec![0xff]), Err(vec![0xff]));
}

#[test]
fn full_cache_evicts_the_oldest_resolved_entry() {
    let mut cache = ArpCache::new();
    for i in 0..CACHE_SIZE {
        cache.learn(host(i), MAC, at(100 + i as u64), true);
    }
    cache.learn(IP, MAC, at(1_000), true);
    assert_eq!(cache.entries().count(), CACHE_SIZE);
    assert_eq!(cache.lookup(host(0), at(1_000)), Lookup::Missing);
    assert_eq!(cache.lookup(host(1), at(1_000)), Lookup::Found(MAC));
    assert_eq!(cache.lookup(IP, at(1_000)), Lookup::Found(MAC));
}

#[test]
fn pending_entries_are_never_evicted() {
    let mut cache = ArpCache::new();
    for i in 0..CACHE_SIZE {
        cache.start_resolving(host(i), at(0)).unwrap();
    }
    assert_eq!(cache.start_resolving(IP, at(0)), Err(CacheFull));
    // A reply for us cannot make room either; it is simply not cached.
    assert!(cache.learn(IP, MAC, at(0), true).is_empty());
    assert_eq!(cache.lookup(IP, at(0)), Lookup::Missing);
}
