//! Experiment 1 — the article says asyncio is "very lightweight". Is it, and compared to what?
//!
//! N things wait 50 ms each, all at once (N = 10 … 100 000), three ways:
//!
//! - **executor**: N tasks on our one-threaded executor, each `sleep(50 ms)`;
//! - **threads**: one OS thread per wait, each `thread::sleep(50 ms)` — Python's `Thread` model;
//! - **pool**: 8 threads draining a `Queue` of N "wait 50 ms" jobs — the article's second
//!   example. A fixed pool *cannot* wait N times at once: it takes N/8 × 50 ms.
//!
//! and, when Python is present, the same waits in CPython (`demos/python/lightweight.py`):
//! **asyncio** (N tasks, each `await asyncio.sleep(0.05)`) and **threads** (one
//! `threading.Thread` each, `time.sleep(0.05)`) — up to a smaller N unless `--sizes full`.
//!
//! Each contender runs in a fresh child process (this same binary with a hidden `--child`
//! flag): the peak RSS (`VmHWM`) of a process only ever grows, so measuring three contenders in
//! one process would report whichever peaked first, forever.

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use queue::Queue;

use crate::budget::Budget;
use crate::child;
use crate::cli::Sizes;
use crate::procfs;
use crate::progress::Progress;
use crate::python::{self, Python};
use crate::report::Language;

// The table and the verdict, from the samples: a file of their own.
mod results;
pub use results::{table, verdict};

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
/// The longest one (contender, N) run may take, within what is left of the budget.
const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// The ways to wait N times: three in Rust, two in Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// Rust: N tasks on our executor, each `sleep(WAIT)`.
    Executor,
    /// Rust: one OS thread per wait.
    Threads,
    /// Rust: `POOL_THREADS` threads draining a queue of N waits.
    Pool,
    /// Python: N asyncio tasks, each `await asyncio.sleep(0.05)`.
    PyAsyncio,
    /// Python: one `threading.Thread` per wait, each `time.sleep(0.05)`.
    PyThreads,
}

impl Contender {
    /// Every contender, in the order the tables and plots show them.
    pub const ALL: [Contender; 5] = [
        Contender::Executor,
        Contender::Threads,
        Contender::Pool,
        Contender::PyAsyncio,
        Contender::PyThreads,
    ];
    const RUST: [Contender; 3] = [Contender::Executor, Contender::Threads, Contender::Pool];
    const PYTHON: [Contender; 2] = [Contender::PyAsyncio, Contender::PyThreads];

    /// The name in the table (and on the child's / script's command line).
    pub fn name(self) -> &'static str {
        match self {
            Contender::Executor => "executor",
            Contender::Threads | Contender::PyThreads => "threads",
            Contender::Pool => "pool",
            Contender::PyAsyncio => "asyncio",
        }
    }

    /// Which language runs it.
    pub fn language(self) -> Language {
        match self {
            Contender::PyAsyncio | Contender::PyThreads => Language::Python,
            _ => Language::Rust,
        }
    }

    fn parse(name: &str) -> Option<Contender> {
        Contender::RUST.into_iter().find(|c| c.name() == name)
    }
}

/// What one child process measured.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Wall time from before the first wait is started to after the last one is joined.
    pub wall: Duration,
    /// CPU time of the whole process over that span (all threads; Python: with its children).
    pub cpu: Duration,
    /// Peak RSS during the run minus RSS before it.
    pub rss_delta: u64,
}

/// One (contender, N) cell of the experiment; `Err` says why it was not run or failed.
#[derive(Debug)]
pub struct Sample {
    /// Who waited.
    pub contender: Contender,
    /// How many waits at once.
    pub n: usize,
    /// The measurement, or why there is none.
    pub result: Result<Measured, String>,
}

/// The values of N for the Rust and the Python rows: powers of ten from 10 up to a maximum,
/// the maximum itself included (`--max-n 1000000` tries a million tasks). Rust goes to 100 000
/// (100 at `small`); CPython, far slower at making a task or a thread, goes to 10 000 in
/// the tour and as far as Rust at `full`, never beyond `max_n`.
pub fn sizes(sizes: Sizes, max_n: Option<usize>) -> (Vec<usize>, Vec<usize>) {
    let rust = max_n.unwrap_or(if sizes == Sizes::Small { 100 } else { 100_000 });
    let python = match sizes {
        Sizes::Small => rust.min(100),
        Sizes::Normal => rust.min(10_000),
        Sizes::Full => rust,
    };
    (decades(rust), decades(python))
}

fn decades(max: usize) -> Vec<usize> {
    let mut ns: Vec<usize> = std::iter::successors(Some(10), |n: &usize| n.checked_mul(10))
        .take_while(|&n| n <= max)
        .collect();
    if ns.last() != Some(&max) {
        ns.push(max);
    }
    ns
}

/// Runs the experiment: every Rust contender at every N of `ns`, every Python one (with
/// `python`) at every N of `py_ns`, each in a child process, within `budget`.
pub fn lightweight(
    ns: &[usize],
    py_ns: &[usize],
    python: Option<&Python>,
    budget: Budget,
) -> Vec<Sample> {
    let mut cells: Vec<(Contender, usize)> = Vec::new();
    for &n in ns {
        cells.extend(Contender::RUST.map(|c| (c, n)));
    }
    if python.is_some() {
        for &n in py_ns {
            cells.extend(Contender::PYTHON.map(|c| (c, n)));
        }
    }
    let mut progress = Progress::new("lightweight", cells.len());
    let mut samples = Vec::new();
    for (contender, n) in cells {
        {
            let language = contender.language().name();
            progress.start(&format!("{language} {} N={n}", contender.name()));
            let result = match (skip_reason(contender, n), python) {
                (Some(reason), _) => Err(reason),
                _ if budget.spent() => Err("not run: the experiment's time budget is spent".into()),
                (None, Some(py)) if contender.language() == Language::Python => {
                    run_python(py, contender, n, budget)
                }
                (None, _) => run_in_child(contender, n, budget.left(CHILD_LIMIT)),
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
        Contender::Threads | Contender::PyThreads if n > THREAD_CAP => {
            Some(format!("not run: over {THREAD_CAP} threads"))
        }
        Contender::Pool if WAIT * (n.div_ceil(POOL_THREADS) as u32) > POOL_MAX_WALL => {
            Some(format!(
                "not run: would take {:.1} s",
                (WAIT * (n.div_ceil(POOL_THREADS) as u32)).as_secs_f64()
            ))
        }
        _ => None,
    }
}

/// Runs `lightweight.py <contender> <n>` in a fresh Python process.
fn run_python(
    py: &Python,
    contender: Contender,
    n: usize,
    budget: Budget,
) -> Result<Measured, String> {
    let limit = budget.left(CHILD_LIMIT);
    let args = [contender.name().to_string(), n.to_string()];
    let value = py.measure("lightweight.py", &args, limit)?;
    let nanos = |field| python::number(&value, field).map(|v| Duration::from_nanos(v as u64));
    Ok(Measured {
        wall: nanos("wall_ns")?,
        cpu: nanos("cpu_ns")?,
        rss_delta: python::number(&value, "rss_delta")? as u64,
    })
}

/// Runs `demos --child lightweight <contender> <n>` within `limit` and parses its one-line
/// answer. The limit is what keeps `--max-n` honest: a huge N costs the budget, not a hang.
fn run_in_child(contender: Contender, n: usize, limit: Duration) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let mut command = Command::new(exe);
    command.args(["--child", "lightweight", contender.name(), &n.to_string()]);
    let m = child::run_measuring(&mut command, limit)?;
    Ok(Measured {
        wall: m.wall,
        cpu: m.cpu,
        rss_delta: m.rss_delta,
    })
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
        Contender::PyAsyncio | Contender::PyThreads => Err("a Python contender".into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_decades_up_to_the_maximum_included() {
        let (rust, python) = sizes(Sizes::Normal, None);
        assert_eq!(rust, [10, 100, 1_000, 10_000, 100_000]);
        assert_eq!(python, [10, 100, 1_000, 10_000]);
        assert_eq!(sizes(Sizes::Full, None).1, rust);
        assert_eq!(sizes(Sizes::Small, None), (vec![10, 100], vec![10, 100]));
        assert_eq!(sizes(Sizes::Small, Some(5_000)).0, [10, 100, 1_000, 5_000]);
        assert_eq!(sizes(Sizes::Full, Some(3)), (vec![3], vec![3]));
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
