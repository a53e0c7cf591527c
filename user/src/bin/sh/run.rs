//! Starting a pipeline: one child process per command, joined by pipes.
//!
//! For `a | b | c` the shell makes two pipes and three children:
//!
//! ```text
//!   a --pipe1--> b --pipe2--> c
//! ```
//!
//! Each child moves its ends of the pipes onto descriptors 0 and 1 with
//! `dup2`, closes every other pipe descriptor, applies its `<` and `>`,
//! and `exec`s its program. The shell closes its copies of the pipes as it
//! goes: a reader sees end of file only once *every* write end is closed,
//! so one forgotten descriptor would leave `b` waiting forever.

use crate::parse::{Command, Pipeline};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use libsys::abi::{O_APPEND, O_CREATE, O_RDONLY, O_TRUNC, O_WRONLY};
use libsys::{Errno, eprintln};

/// Exit status of a command that could not be found (as in other shells).
pub const STATUS_NOT_FOUND: i32 = 127;
/// Exit status of a command that was found but could not be run.
pub const STATUS_CANNOT_RUN: i32 = 126;

/// A started pipeline: its processes, in order, and their process group.
pub struct Started {
    pub pids: Vec<u32>,
    pub pgid: u32,
}

// ANCHOR: start
/// Starts every command of `pipeline`. With `job_control`, the children
/// form a new process group named after the first one, so that Ctrl-C can
/// be aimed at them and not at the shell.
pub fn start(pipeline: &Pipeline, job_control: bool) -> Started {
    let mut started = Started {
        pids: Vec::new(),
        pgid: 0,
    };
    // The read end of the pipe from the previous command, if any.
    let mut previous: Option<usize> = None;
    let count = pipeline.commands.len();
    for (i, command) in pipeline.commands.iter().enumerate() {
        // Every command but the last writes into a new pipe.
        let pipe = if i + 1 < count {
            match libsys::pipe() {
                Ok(pipe) => Some(pipe),
                Err(e) => {
                    eprintln!("sh: pipe: {e}");
                    break;
                }
            }
        } else {
            None
        };
        match libsys::fork() {
            Ok(0) => {
                if job_control {
                    // Both parent and child set the group: whichever runs
                    // first, it is set before the program starts and before
                    // the shell makes it the foreground group.
                    let _ = libsys::setpgid(0, started.pgid);
                }
                child(command, previous, pipe)
            }
            Ok(pid) => {
                if started.pgid == 0 {
                    started.pgid = pid;
                }
                if job_control {
                    let _ = libsys::setpgid(pid, started.pgid);
                }
                started.pids.push(pid);
            }
            Err(e) => eprintln!("sh: fork: {e}"),
        }
        // The child has its own copies now; the shell keeps only the read
        // end of the new pipe, for the next command.
        if let Some(fd) = previous.take() {
            let _ = libsys::close(fd);
        }
        if let Some((read_end, write_end)) = pipe {
            let _ = libsys::close(write_end);
            previous = Some(read_end);
        }
    }
    if let Some(fd) = previous {
        let _ = libsys::close(fd);
    }
    started
}
// ANCHOR_END: start

// ANCHOR: child
/// In the child: connects standard input and output, then becomes the
/// command's program. Never returns.
fn child(command: &Command, input: Option<usize>, pipe: Option<(usize, usize)>) -> ! {
    if let Some(fd) = input {
        move_fd(fd, 0);
    }
    if let Some((read_end, write_end)) = pipe {
        let _ = libsys::close(read_end); // the next command reads it, not us
        move_fd(write_end, 1);
    }
    // Redirections come after the pipes, so `a > f | b` writes to f.
    if let Some(path) = &command.input {
        redirect(path, O_RDONLY, 0);
    }
    if let Some(output) = &command.output {
        let mode = if output.append { O_APPEND } else { O_TRUNC };
        redirect(&output.path, O_WRONLY | O_CREATE | mode, 1);
    }
    let argv: Vec<&str> = command.argv.iter().map(String::as_str).collect();
    let name = argv[0];
    // Names with a `/` are paths; anything else is a program in /bin.
    let path = if name.contains('/') {
        String::from(name)
    } else {
        format!("/bin/{name}")
    };
    let error = libsys::exec(&path, &argv);
    if error == Errno::ENOENT {
        eprintln!("sh: {name}: command not found");
        libsys::exit(STATUS_NOT_FOUND);
    }
    eprintln!("sh: {name}: {error}");
    libsys::exit(STATUS_CANNOT_RUN)
}
// ANCHOR_END: child

// ANCHOR: redirect
/// Makes `to` refer to what `from` does, and closes `from`.
fn move_fd(from: usize, to: usize) {
    if from != to {
        if let Err(e) = libsys::dup2(from, to) {
            eprintln!("sh: dup2: {e}");
            libsys::exit(1);
        }
        let _ = libsys::close(from);
    }
}

/// Opens `path` with `flags` as descriptor `fd`, or ends the child.
fn redirect(path: &str, flags: u32, fd: usize) {
    match libsys::open(path, flags) {
        Ok(opened) => move_fd(opened, fd),
        Err(e) => {
            eprintln!("sh: cannot open {path}: {e}");
            libsys::exit(1);
        }
    }
}
// ANCHOR_END: redirect
