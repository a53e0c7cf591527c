//! Waiting for pipelines, in the foreground and in the background.
//!
//! `wait` returns whichever child exits first, not one we name. So while
//! the shell waits for a foreground pipeline, a background job may finish
//! instead; the shell notes its status and reports it at the next prompt.
//!
//! This kernel's `wait` always blocks (there is no `WNOHANG`), so to reap
//! finished background jobs *without* blocking, the shell first asks
//! `procinfo` how many of its children are zombies, and calls `wait` only
//! that many times: each call then returns at once.

use crate::run::Started;
use alloc::vec::Vec;
use libsys::abi::{ProcInfo, ProcState};
use libsys::println;

/// A background pipeline that has not been reported finished yet.
struct Job {
    /// Processes still running (or zombies not yet waited for).
    running: Vec<u32>,
    /// The pipeline's last process: its number names the job.
    last: u32,
    /// The last process's status, once it has exited.
    status: Option<i32>,
}

#[derive(Default)]
pub struct Jobs {
    background: Vec<Job>,
}

impl Jobs {
    /// Remembers a background pipeline and prints its number, `[pid]`.
    pub fn add(&mut self, started: Started) {
        let Some(&last) = started.pids.last() else {
            return; // nothing started (fork failed)
        };
        println!("[{last}]");
        self.background.push(Job {
            running: started.pids,
            last,
            status: None,
        });
    }

    // ANCHOR: wait_for
    /// Waits until every process of a foreground pipeline has exited;
    /// returns the last one's status (the pipeline's status).
    pub fn wait_for(&mut self, started: &Started) -> i32 {
        let mut running = started.pids.clone();
        let mut status = 0;
        while !running.is_empty() {
            match libsys::wait() {
                Ok((pid, code)) => {
                    if Some(&pid) == started.pids.last() {
                        status = code;
                    }
                    if running.contains(&pid) {
                        running.retain(|&p| p != pid);
                    } else {
                        self.exited(pid, code);
                    }
                }
                // ECHILD: nothing left to wait for; EINTR: the shell itself
                // was killed. Either way, waiting longer cannot help.
                Err(_) => break,
            }
        }
        status
    }
    // ANCHOR_END: wait_for

    /// Reaps the background processes that have exited, without waiting,
    /// and prints `[pid] done status N` for each job now finished.
    pub fn reap(&mut self) {
        if self.background.is_empty() {
            return;
        }
        for _ in 0..zombie_children() {
            match libsys::wait() {
                Ok((pid, code)) => self.exited(pid, code),
                Err(_) => break,
            }
        }
        self.background.retain(|job| {
            if !job.running.is_empty() {
                return true;
            }
            println!("[{}] done status {}", job.last, job.status.unwrap_or(0));
            false
        });
    }

    /// Notes that background process `pid` exited with `code`.
    fn exited(&mut self, pid: u32, code: i32) {
        for job in &mut self.background {
            if job.running.contains(&pid) {
                job.running.retain(|&p| p != pid);
                if pid == job.last {
                    job.status = Some(code);
                }
            }
        }
    }
}

/// How many of the shell's children have exited but not been waited for.
fn zombie_children() -> usize {
    let me = libsys::getpid();
    // More slots than the kernel has processes (64), so none are missed.
    let mut table = [ProcInfo::default(); 80];
    let count = libsys::procinfo(&mut table).unwrap_or(0);
    table[..count]
        .iter()
        .filter(|p| p.parent_pid == me && ProcState::from_u8(p.state) == Some(ProcState::Zombie))
        .count()
}
