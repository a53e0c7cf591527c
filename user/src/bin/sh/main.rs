//! sh: the shell.
//!
//! A loop: print a prompt, read a line, cut it into pipelines (`parse.rs`),
//! start each pipeline's processes (`run.rs`), and wait for them unless the
//! pipeline ends with `&` (`jobs.rs`).
//!
//! ```text
//! $ cat /etc/motd | grep o | wc -l > count; cat count
//! $ sleep 5 &
//! $ cd /tmp; echo "status was $?"
//! ```
//!
//! Usage: `sh` (interactive, on the console), `sh FILE` (run the lines of
//! FILE), `sh -c LINE`.
//!
//! Only `cd` and `exit` are built in: they must change the shell itself,
//! so a child process could not do them. They work as a whole line item
//! (`cd /tmp; ls`), not inside a pipeline, and ignore redirections.
#![no_std]
#![no_main]

extern crate alloc;

mod jobs;
mod parse;
mod run;

use jobs::Jobs;
use libsys::abi::{FileKind, O_RDONLY};
use libsys::io::{LineReader, write_all};
use libsys::{Args, eprintln, print, println};
use parse::Pipeline;

/// The console's foreground group while the shell itself reads it: none.
/// The shell cannot ignore Ctrl-C (there are no signals to ignore), so if
/// its own group were in the foreground, Ctrl-C at the prompt would kill
/// it. With none, Ctrl-C at the prompt just throws the typed line away.
const NO_JOB: u32 = 0;

struct Shell {
    /// The last pipeline's exit status: `$?`.
    status: i32,
    jobs: Jobs,
    /// Reading the console: print prompts, and give each pipeline the
    /// console (job control). A shell reading a file does neither.
    interactive: bool,
}

impl Shell {
    /// Runs one line; returns `Some(status)` if the shell should exit.
    fn run_line(&mut self, line: &str) -> Option<i32> {
        let pipelines = match parse::tokenize(line).and_then(parse::parse) {
            Ok(pipelines) => pipelines,
            Err(message) => {
                eprintln!("sh: {message}");
                self.status = 2;
                return None;
            }
        };
        for mut pipeline in pipelines {
            parse::expand_status(&mut pipeline, self.status);
            if let Some(exit) = self.run_pipeline(&pipeline) {
                return Some(exit);
            }
        }
        None
    }

    // ANCHOR: run_pipeline
    fn run_pipeline(&mut self, pipeline: &Pipeline) -> Option<i32> {
        if let [command] = &pipeline.commands[..]
            && !pipeline.background
        {
            let argv = &command.argv;
            match argv[0].as_str() {
                "exit" => return Some(argv.get(1).map_or(self.status, |n| parse_status(n))),
                "cd" => {
                    self.status = change_directory(argv.get(1).map_or("/", |dir| dir.as_str()));
                    return None;
                }
                _ => {}
            }
        }
        let started = run::start(pipeline, self.interactive);
        if pipeline.background {
            self.jobs.add(started);
            self.status = 0;
            return None;
        }
        if self.interactive && started.pgid != 0 {
            // Ctrl-C now kills the pipeline's processes, not the shell.
            let _ = libsys::set_foreground(started.pgid);
        }
        self.status = self.jobs.wait_for(&started);
        if self.interactive {
            let _ = libsys::set_foreground(NO_JOB);
        }
        None
    }
    // ANCHOR_END: run_pipeline
}

fn parse_status(text: &str) -> i32 {
    text.parse().unwrap_or_else(|_| {
        eprintln!("sh: exit: {text}: not a number");
        2
    })
}

fn change_directory(dir: &str) -> i32 {
    match libsys::chdir(dir) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sh: cd: {dir}: {e}");
            1
        }
    }
}

/// Prints /etc/motd, the message of the day, if there is one.
fn print_motd() {
    let Ok(fd) = libsys::open("/etc/motd", O_RDONLY) else {
        return;
    };
    let mut buffer = [0u8; 512];
    while let Ok(n @ 1..) = libsys::read(fd, &mut buffer) {
        if write_all(1, &buffer[..n]).is_err() {
            break;
        }
    }
    let _ = libsys::close(fd);
}

/// Reads and runs lines from `fd` until end of file or `exit`.
fn run_lines(shell: &mut Shell, fd: usize) -> i32 {
    let mut reader = LineReader::new(fd);
    loop {
        shell.jobs.reap();
        if shell.interactive {
            print!("$ ");
        }
        let line = match reader.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                eprintln!("sh: read: {e}");
                break;
            }
        };
        let Ok(line) = core::str::from_utf8(line) else {
            eprintln!("sh: line is not UTF-8");
            continue;
        };
        if let Some(status) = shell.run_line(line) {
            return status;
        }
    }
    if shell.interactive {
        println!(); // Ctrl-D is not echoed: end the prompt's line
    }
    shell.status
}

#[unsafe(no_mangle)]
fn main(args: Args) -> i32 {
    let mut shell = Shell {
        status: 0,
        jobs: Jobs::default(),
        interactive: false,
    };
    match (args.get(1), args.get(2)) {
        (Some("-c"), Some(line)) => shell.run_line(line).unwrap_or(shell.status),
        (Some("-c"), None) => {
            eprintln!("sh: -c: missing command");
            2
        }
        (Some(path), _) => match libsys::open(path, O_RDONLY) {
            Ok(fd) => run_lines(&mut shell, fd),
            Err(e) => {
                eprintln!("sh: cannot open {path}: {e}");
                127
            }
        },
        (None, _) => {
            // If fstat fails, assume the console: it is what init gives us.
            shell.interactive = libsys::fstat(0).map_or(true, |stat| {
                FileKind::from_u8(stat.kind) == Some(FileKind::Console)
            });
            if shell.interactive {
                let _ = libsys::set_foreground(NO_JOB);
                print_motd();
            }
            run_lines(&mut shell, 0)
        }
    }
}
