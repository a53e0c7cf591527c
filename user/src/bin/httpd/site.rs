//! What the live pages can see of the server itself.

use crate::pages::sched::Sampler;

/// The server's own counters, shown on /net.
#[derive(Default)]
pub struct Stats {
    /// Connections accepted, refused with 503, and open now.
    pub accepted: u64,
    pub refused: u64,
    pub open: usize,
    /// How many connections we serve at once (more get 503).
    pub capacity: usize,
    /// Responses sent, and how many of them answered malformed requests.
    pub responses: u64,
    pub rejected: u64,
    pub bytes_sent: u64,
}

#[derive(Default)]
pub struct Site {
    pub stats: Stats,
    pub sched: Sampler,
    /// Entity tags of the files served so far, by path (see `files.rs`).
    pub etags: alloc::collections::BTreeMap<alloc::string::String, alloc::string::String>,
}
