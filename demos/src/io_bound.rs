//! Experiment 4 — the article says asyncio suits "I/O-bound" work. N concurrent connections
//! doing round trips over loopback, served three ways (`src/bin/echo.rs` has the servers):
//!
//! - **executor**: one task per connection on our one-threaded executor — asyncio's streams;
//! - **threads**: one OS thread per connection — `socketserver.ThreadingTCPServer`;
//! - **pool**: a `WorkerPool` of 8 threads, each serving one connection start to end — the
//!   article's queue + workers. It serves only 8 connections at once.
//!
//! and, when Python is present, **asyncio** (`asyncio.start_server`) and **threads**
//! (`ThreadingTCPServer`) in CPython (`demos/python/io_bound.py`), against the same load.
//!
//! Two loads: **busy** (R round trips of 64 bytes back to back per connection: the CPU cost of
//! serving) and **idle** (one trip, every connection held open, one more: the memory cost of a
//! connection that waits). Each server runs in a fresh child process (the peak RSS only grows),
//! and the load generator in a child of that one (`--child io_load`): the clients' sockets are
//! not the server's. CPU time and peak RSS are the server process's, the wall time the load
//! generator's, from its first connect to its last close.

use std::process::Command;
use std::time::Duration;

use crate::budget::Budget;
use crate::child;
use crate::cli::Sizes;
use crate::echo::{self, Load, Server};
use crate::procfs;
use crate::progress::Progress;
use crate::python::{self, Python};
use crate::report::Language;

// The table, the crossover and the verdict, from the samples: a file of their own.
mod results;
pub use results::{table, verdict};

/// The longest one (contender, load, N) run may take, within what is left of the budget.
const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// Who serves: three Rust servers, two Python ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// A Rust server of `echo.rs`.
    Rust(Server),
    /// Python: `asyncio.start_server`, one task per connection.
    PyAsyncio,
    /// Python: `socketserver.ThreadingTCPServer`, one thread per connection.
    PyThreads,
}

impl Contender {
    /// Every contender, in the order the tables and plots show them.
    pub const ALL: [Contender; 5] = [
        Contender::Rust(Server::Executor),
        Contender::Rust(Server::Threads),
        Contender::Rust(Server::Pool),
        Contender::PyAsyncio,
        Contender::PyThreads,
    ];

    /// The name in the table (and on the script's command line).
    pub fn name(self) -> &'static str {
        match self {
            Contender::Rust(server) => server.name(),
            Contender::PyAsyncio => "asyncio",
            Contender::PyThreads => "threads",
        }
    }

    /// Which language runs it.
    pub fn language(self) -> Language {
        match self {
            Contender::Rust(_) => Language::Rust,
            _ => Language::Python,
        }
    }
}

/// What one run measured.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// The load generator's wall time, first connect to last close.
    pub wall: Duration,
    /// CPU time of the server process (all its threads) over the run.
    pub cpu: Duration,
    /// The server's peak RSS during the run minus its RSS before it.
    pub rss_delta: u64,
}

/// One (contender, load, N) cell; `Err` says why it was not run or failed.
#[derive(Debug)]
pub struct Sample {
    /// Who served.
    pub contender: Contender,
    /// The load, its connection count included.
    pub load: Load,
    /// The measurement, or why there is none.
    pub result: Result<Measured, String>,
}

/// The loads of a run, both languages: for each N, busy with the returned number of round trips,
/// then idle. N goes to 1 000 in the tour (100 at `small`, 10 000 at `full`); a busy connection
/// does 20 round trips in the tour (5 at `small`, 100 at `full`), which keeps CPython's busy
/// runs at N = 1 000 to a few seconds.
pub fn loads(sizes: Sizes) -> (Vec<Load>, usize) {
    let (ns, rounds): (&[usize], usize) = match sizes {
        Sizes::Small => (&[10, 100], 5),
        Sizes::Normal => (&[10, 100, 1_000], 20),
        Sizes::Full => (&[10, 100, 1_000, 10_000], 100),
    };
    let loads = ns
        .iter()
        .flat_map(|&connections| {
            [false, true].map(|idle| Load {
                connections,
                rounds,
                idle,
            })
        })
        .collect();
    (loads, rounds)
}

/// Runs the experiment: every Rust server (and, with `python`, every Python one) under every
/// load, each in a child process, within `budget`.
pub fn io_bound(loads: &[Load], python: Option<&Python>, budget: Budget) -> Vec<Sample> {
    let contenders: Vec<Contender> = Contender::ALL
        .into_iter()
        .filter(|c| python.is_some() || c.language() == Language::Rust)
        .collect();
    let cells: Vec<(Contender, Load)> = contenders
        .iter()
        .flat_map(|&c| loads.iter().map(move |&l| (c, l)))
        .collect();
    let mut progress = Progress::new("io", cells.len());
    let mut samples = Vec::new();
    for (contender, load) in cells {
        progress.start(&format!(
            "{} {} {} N={}",
            contender.language().name(),
            contender.name(),
            load.name(),
            load.connections
        ));
        let refused = match contender {
            Contender::Rust(server) => load.refused_by(server),
            _ => None,
        };
        let result = match (refused, python, contender) {
            (Some(why), _, _) => Err(why),
            _ if budget.spent() => Err("not run: the experiment's time budget is spent".into()),
            (None, _, Contender::Rust(server)) => run_in_child(server, load, budget),
            (None, Some(py), _) => run_python(py, contender, load, budget),
            (None, None, _) => Err("no Python".into()),
        };
        samples.push(Sample {
            contender,
            load,
            result,
        });
        progress.step_done();
    }
    progress.finish();
    samples
}

/// The command that starts this binary as the load generator (`<addr> <load…>` follow).
fn load_generator() -> Result<Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let mut command = Command::new(exe);
    command.args(["--child", "io_load"]);
    Ok(command)
}

/// Runs `demos --child io_bound <server> <load…>` within what is left of the budget.
fn run_in_child(server: Server, load: Load, budget: Budget) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let mut command = Command::new(exe);
    command
        .args(["--child", "io_bound", server.name()])
        .args(load.args());
    let limit = budget.left(CHILD_LIMIT);
    let m = child::run_measuring(&mut command, limit)?;
    Ok(Measured {
        wall: m.wall,
        cpu: m.cpu,
        rss_delta: m.rss_delta,
    })
}

/// Runs `io_bound.py <contender> <load…> <load generator…>` in a fresh Python process.
fn run_python(
    py: &Python,
    contender: Contender,
    load: Load,
    budget: Budget,
) -> Result<Measured, String> {
    let limit = budget.left(CHILD_LIMIT);
    let generator = load_generator()?;
    let mut args = vec![contender.name().to_string()];
    args.extend(load.args());
    args.push(generator.get_program().to_string_lossy().into_owned());
    args.extend(
        generator
            .get_args()
            .map(|a| a.to_string_lossy().into_owned()),
    );
    let value = py.measure("io_bound.py", &args, limit)?;
    let nanos = |field| python::number(&value, field).map(|v| Duration::from_nanos(v as u64));
    Ok(Measured {
        wall: nanos("wall_ns")?,
        cpu: nanos("cpu_ns")?,
        rss_delta: python::number(&value, "rss_delta")? as u64,
    })
}

/// The server's side: `args` are `<server> <load…>`. Serves the load generator it starts and
/// prints `ok <wall ns> <cpu ns> <rss bytes>` or `error <why>` on stdout.
pub fn child_main(args: &[String]) {
    match measure(args) {
        Ok(m) => println!(
            "ok {} {} {}",
            m.wall.as_nanos(),
            m.cpu.as_nanos(),
            m.rss_delta
        ),
        Err(why) => println!("error {why}"),
    }
}

fn measure(args: &[String]) -> Result<Measured, String> {
    let (server, load) = args
        .split_first()
        .and_then(|(name, rest)| Some((Server::parse(name)?, Load::parse(rest)?)))
        .ok_or_else(|| format!("bad child arguments {args:?}"))?;
    if let Some(why) = load.refused_by(server) {
        return Err(why);
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // As in the lightweight children: the peak read below belongs to the run alone.
    let _ = procfs::reset_peak_rss();
    let rss_before = procfs::rss_bytes().unwrap_or(0);
    let cpu_before = procfs::cpu_time().unwrap_or_default();
    let clients = echo::spawn_load(load_generator()?, addr, load, CHILD_LIMIT);
    // A failed load generator leaves the server waiting for connections that never come: the
    // watcher reports it and ends the process (the tour reads the line, not the exit code).
    let watcher = std::thread::spawn(move || {
        let outcome = clients.join().unwrap_or_else(|_| Err("panicked".into()));
        if let Err(why) = &outcome {
            println!("error {why}");
            std::process::exit(0);
        }
        outcome
    });
    echo::serve(server, listener, load.connections)?;
    let wall = watcher.join().map_err(|_| "the watcher panicked")??;
    Ok(Measured {
        wall,
        cpu: procfs::cpu_time()
            .unwrap_or_default()
            .saturating_sub(cpu_before),
        rss_delta: procfs::peak_rss_bytes()
            .unwrap_or(0)
            .saturating_sub(rss_before),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_are_busy_then_idle_per_n() {
        let (small, rounds) = loads(Sizes::Small);
        assert_eq!(rounds, 5);
        let shown: Vec<(usize, &str)> = small.iter().map(|l| (l.connections, l.name())).collect();
        assert_eq!(
            shown,
            [(10, "busy"), (10, "idle"), (100, "busy"), (100, "idle")]
        );
        assert_eq!(loads(Sizes::Full).0.last().unwrap().connections, 10_000);
    }

    #[test]
    fn load_arguments_round_trip_and_bad_ones_are_refused() {
        let load = Load {
            connections: 7,
            rounds: 3,
            idle: true,
        };
        assert_eq!(Load::parse(&load.args()), Some(load));
        for bad in [["idle", "0", "3"], ["busy", "7", "x"], ["lazy", "7", "3"]] {
            assert_eq!(Load::parse(&bad.map(String::from)), None, "{bad:?}");
        }
        assert!(
            load.refused_by(Server::Pool).is_none(),
            "7 fit in 8 threads"
        );
        let many = Load {
            connections: 9,
            ..load
        };
        assert!(many.refused_by(Server::Pool).is_some());
        assert!(many.refused_by(Server::Threads).is_none());
    }

    #[test]
    fn every_server_echoes_both_loads() {
        for server in Server::ALL {
            for idle in [false, true] {
                let load = Load {
                    connections: 8,
                    rounds: 3,
                    idle,
                };
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                let clients =
                    std::thread::spawn(move || echo::load_generator::generate(addr, load));
                echo::serve(server, listener, load.connections).unwrap();
                let wall = clients.join().unwrap().unwrap();
                assert!(wall > Duration::ZERO, "{server:?} {idle}");
            }
        }
    }
}
