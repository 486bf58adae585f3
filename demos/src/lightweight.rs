//! Experiment 1 — the article says asyncio is "very lightweight". Is it, and compared to what?
//!
//! N things wait 50 ms each, all at once (N = 10 … 100 000), three ways:
//!
//! - **executor**: N tasks on our one-threaded executor, each `sleep(50 ms)`;
//! - **threads**: one OS thread per wait, each `thread::sleep(50 ms)` — Python's `Thread` model;
//! - **pool**: 8 threads draining a `Queue` of N "wait 50 ms" jobs — the article's second
//!   example. A fixed pool *cannot* wait N times at once: it takes N/8 × 50 ms.
//!
//! Each contender runs in a fresh child process (this same binary with a hidden `--child`
//! flag): the peak RSS (`VmHWM`) of a process only ever grows, so measuring three contenders in
//! one process would report whichever peaked first, forever.

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use queue::Queue;

use crate::procfs;
use crate::progress::Progress;
use crate::report::{Cell, Table};

/// How long each of the N waits lasts.
pub const WAIT: Duration = Duration::from_millis(50);
/// Threads in the fixed pool.
pub const POOL_THREADS: usize = 8;
/// One OS thread per wait stops being practical here. Each thread costs two memory mappings
/// (stack + guard page) and Linux allows 65 530 per process by default (`vm.max_map_count`),
/// so spawning fails near 32 000 threads; at 10 000, creating them already takes far longer
/// than the 50 ms they wait. (A failed spawn is caught and reported, see `thread_waits`.)
pub const THREAD_CAP: usize = 10_000;
/// The pool is not run when N/8 × 50 ms would exceed this: the answer is known in advance.
const POOL_MAX_WALL: Duration = Duration::from_secs(7);

/// The three ways to wait N times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    Executor,
    Threads,
    Pool,
}

impl Contender {
    pub const ALL: [Contender; 3] = [Contender::Executor, Contender::Threads, Contender::Pool];

    pub fn name(self) -> &'static str {
        match self {
            Contender::Executor => "executor",
            Contender::Threads => "threads",
            Contender::Pool => "pool",
        }
    }

    fn parse(name: &str) -> Option<Contender> {
        Contender::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// What one child process measured.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub wall: Duration,
    pub cpu: Duration,
    /// Peak RSS during the run minus RSS before it.
    pub rss_delta: u64,
}

/// One (contender, N) cell of the experiment; `Err` says why it was not run or failed.
#[derive(Debug)]
pub struct Sample {
    pub contender: Contender,
    pub n: usize,
    pub result: Result<Measured, String>,
}

/// The values of N: powers of ten from 10 up to 100 000 (`full`) or 100 (small), or up to
/// `max_n` when given — `max_n` itself included, so `--max-n 1000000` tries a million tasks.
pub fn sizes(full: bool, max_n: Option<usize>) -> Vec<usize> {
    let max = max_n.unwrap_or(if full { 100_000 } else { 100 });
    let mut ns: Vec<usize> = std::iter::successors(Some(10), |n: &usize| n.checked_mul(10))
        .take_while(|&n| n <= max)
        .collect();
    if ns.last() != Some(&max) {
        ns.push(max);
    }
    ns
}

/// Runs the experiment: every contender at every N, each in a child process.
pub fn lightweight(ns: &[usize]) -> Vec<Sample> {
    let mut progress = Progress::new("lightweight", ns.len() * Contender::ALL.len());
    let mut samples = Vec::new();
    for &n in ns {
        for contender in Contender::ALL {
            progress.start(&format!("{} N={n}", contender.name()));
            let result = match skip_reason(contender, n) {
                Some(reason) => Err(reason),
                None => run_in_child(contender, n),
            };
            samples.push(Sample {
                contender,
                n,
                result,
            });
            progress.step_done();
        }
    }
    progress.finish();
    samples
}

fn skip_reason(contender: Contender, n: usize) -> Option<String> {
    match contender {
        Contender::Threads if n > THREAD_CAP => Some(format!("not run: over {THREAD_CAP} threads")),
        Contender::Pool if WAIT * (n.div_ceil(POOL_THREADS) as u32) > POOL_MAX_WALL => {
            Some(format!(
                "not run: would take {:.1} s",
                (WAIT * (n.div_ceil(POOL_THREADS) as u32)).as_secs_f64()
            ))
        }
        _ => None,
    }
}

/// Runs `demos --child lightweight <contender> <n>` and parses its one-line answer.
fn run_in_child(contender: Contender, n: usize) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let output = Command::new(exe)
        .args(["--child", "lightweight", contender.name(), &n.to_string()])
        .output()
        .map_err(|e| format!("cannot start child: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let parse = |line: &str| -> Option<Measured> {
        let mut nums = line
            .strip_prefix("ok ")?
            .split(' ')
            .map(|f| f.parse::<u64>().ok());
        Some(Measured {
            wall: Duration::from_nanos(nums.next()??),
            cpu: Duration::from_nanos(nums.next()??),
            rss_delta: nums.next()??,
        })
    };
    match (parse(line), line.strip_prefix("error ")) {
        (Some(measured), _) => Ok(measured),
        (None, Some(error)) => Err(error.to_string()),
        (None, None) => Err(format!("child failed ({})", output.status)),
    }
}

/// The child's side: `args` are `<contender> <n>`. Prints `ok <wall ns> <cpu ns> <rss bytes>`
/// or `error <why>` on stdout.
pub fn child_main(args: &[String]) {
    let (Some(contender), Some(n)) = (
        args.first().and_then(|name| Contender::parse(name)),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        println!("error bad child arguments {args:?}");
        return;
    };
    // Lower the high water mark to "now", so the peak read below belongs to the run alone. If
    // the kernel refuses (Linux < 4.0), the peak may include start-up: still an upper bound.
    let _ = procfs::reset_peak_rss();
    let rss_before = procfs::rss_bytes().unwrap_or(0);
    let cpu_before = procfs::cpu_time().unwrap_or_default();
    let start = Instant::now();
    let outcome = match contender {
        Contender::Executor => {
            executor_waits(n);
            Ok(())
        }
        Contender::Threads => thread_waits(n),
        Contender::Pool => {
            pool_waits(n);
            Ok(())
        }
    };
    let wall = start.elapsed();
    let cpu = procfs::cpu_time()
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    let rss_delta = procfs::peak_rss_bytes()
        .unwrap_or(0)
        .saturating_sub(rss_before);
    match outcome {
        Ok(()) => println!("ok {} {} {rss_delta}", wall.as_nanos(), cpu.as_nanos()),
        Err(why) => println!("error {why}"),
    }
}

/// N tasks, each sleeping `WAIT`, all pending at once on one thread. A pending task is a boxed
/// future plus a timer entry: a few hundred bytes, no stack of its own.
pub fn executor_waits(n: usize) {
    executor::run(async move {
        let handles: Vec<_> = (0..n)
            .map(|_| executor::spawn(executor::sleep(WAIT)))
            .collect();
        for handle in handles {
            handle.await.expect("a sleeping task cannot panic");
        }
    });
}

/// One OS thread per wait. Spawning can fail (thread or memory-map limits): that is reported,
/// not a panic, after joining the threads already started.
pub fn thread_waits(n: usize) -> Result<(), String> {
    let mut handles = Vec::with_capacity(n);
    let mut failure = None;
    for i in 0..n {
        match thread::Builder::new().spawn(|| thread::sleep(WAIT)) {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                failure = Some(format!("spawn failed at thread {i}: {e}"));
                break;
            }
        }
    }
    for handle in handles {
        handle.join().expect("a sleeping thread cannot panic");
    }
    failure.map_or(Ok(()), Err)
}

/// `POOL_THREADS` workers draining N jobs from a queue: the article's example 2 shape.
pub fn pool_waits(n: usize) {
    let jobs = Queue::unbounded();
    thread::scope(|s| {
        for _ in 0..POOL_THREADS {
            s.spawn(|| {
                while let Ok(wait) = jobs.get_task() {
                    thread::sleep(*wait);
                }
            });
        }
        for _ in 0..n {
            jobs.put(WAIT).expect("not shut down yet");
        }
        jobs.join();
        jobs.shutdown();
    });
}

/// The results as a table: per contender and N, totals and the cost per wait.
pub fn table(samples: &[Sample]) -> Table {
    let rows = samples
        .iter()
        .map(|s| {
            let n = s.n as f64;
            let mut row = vec![Cell::Text(s.contender.name().into()), Cell::Num(n, 0)];
            match &s.result {
                Ok(m) => row.extend([
                    Cell::Num(m.wall.as_secs_f64() * 1e3, 1),
                    Cell::Num(m.cpu.as_secs_f64() * 1e3, 0),
                    Cell::Num(m.cpu.as_secs_f64() * 1e6 / n, 2),
                    Cell::Num(m.rss_delta as f64 / 1024.0, 0),
                    Cell::Num(m.rss_delta as f64 / n, 0),
                    Cell::Text(String::new()),
                ]),
                Err(why) => {
                    row.extend([
                        Cell::Missing,
                        Cell::Missing,
                        Cell::Missing,
                        Cell::Missing,
                        Cell::Missing,
                    ]);
                    row.push(Cell::Text(why.clone()));
                }
            }
            row
        })
        .collect();
    let mut notes = vec![
        format!(
            "every wait lasts {} ms; ideal wall time is {} ms at any N",
            WAIT.as_millis(),
            WAIT.as_millis()
        ),
        "CPU time comes from /proc/self/stat in 10 ms ticks: small values are coarse".into(),
        "RSS is the peak (VmHWM) minus the RSS before the run, in a fresh child process".into(),
        format!(
            "threads are capped at {THREAD_CAP}: each costs 2 memory mappings of vm.max_map_count"
        ),
    ];
    if let (Some(threads), Some(maps)) = (
        procfs::sys_limit("kernel/threads-max"),
        procfs::sys_limit("vm/max_map_count"),
    ) {
        notes.push(format!(
            "this machine: kernel.threads-max = {threads}, vm.max_map_count = {maps}"
        ));
    }
    Table {
        title: "lightweight: N concurrent 50 ms waits".into(),
        columns: vec![
            "contender",
            "N",
            "wall ms",
            "CPU ms",
            "CPU µs/wait",
            "peak RSS KiB",
            "RSS B/wait",
            "note",
        ],
        rows,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_decades_up_to_the_maximum_included() {
        assert_eq!(sizes(true, None), [10, 100, 1_000, 10_000, 100_000]);
        assert_eq!(sizes(false, None), [10, 100]);
        assert_eq!(sizes(false, Some(5_000)), [10, 100, 1_000, 5_000]);
        assert_eq!(sizes(true, Some(3)), [3]);
    }

    #[test]
    fn pool_and_threads_are_skipped_where_impractical_only() {
        assert_eq!(skip_reason(Contender::Executor, 1_000_000), None);
        assert_eq!(skip_reason(Contender::Threads, THREAD_CAP), None);
        assert!(skip_reason(Contender::Threads, THREAD_CAP + 1).is_some());
        assert_eq!(skip_reason(Contender::Pool, 1_000), None);
        assert!(skip_reason(Contender::Pool, 10_000).is_some());
    }

    #[test]
    fn every_contender_really_waits() {
        for run in [
            || executor_waits(20),
            || thread_waits(20).unwrap(),
            || pool_waits(20),
        ] {
            let start = Instant::now();
            run();
            assert!(start.elapsed() >= WAIT, "a wait ended early");
        }
    }
}
