//! Experiment 2 — the article says queues (threads) "enable more parallelism". How much?
//!
//! A CPU-bound job set — count the primes below a limit, cut into 32 ranges — run by:
//!
//! - **executor**: 32 tasks on the one-threaded executor. Concurrency without parallelism:
//!   the tasks never await, so they simply run one after another on one core;
//! - **pool k**: a `WorkerPool` of k threads (k = 1 … 4) — worker threads fed by a `Queue`,
//!   the article's second example packaged — each job submitted and its `Pending` result
//!   waited for.
//!
//! Speed-up is measured against the 1-thread pool. It cannot exceed the number of cores, which
//! the table prints next to the numbers: on a 2-core machine, 3 and 4 threads only add
//! switching.
//!
//! Python adds a limit the article does not mention: the GIL lets only one thread run Python
//! code at a time. With Python present, `demos/python/parallelism.py` measures it on the same
//! job set (a smaller limit in the tour: pure-Python trial division is far slower): one thread, k
//! threads fed by a `queue.Queue`, and a `multiprocessing.Pool` of k processes. In each
//! language the speed-up is relative to the one-worker queue-fed run.

use std::ops::Range;
use std::time::{Duration, Instant};

use queue::WorkerPool;

use crate::budget::Budget;
use crate::procfs;
use crate::progress::Progress;
use crate::python::{self, Python};
use crate::report::{Cell, Language, Table};
use crate::verdict::Judged;

/// Jobs in the set: enough that 4 threads stay busy to the end even though later ranges (larger
/// numbers) cost more than early ones.
const JOBS: u64 = 32;
/// The largest pool tried.
pub const MAX_THREADS: usize = 4;

/// One measured configuration.
#[derive(Clone, Debug)]
pub struct Row {
    /// The language the job set ran in.
    pub language: Language,
    /// `executor` or `pool` (Rust); `one thread`, `threads` or `processes` (Python).
    pub contender: &'static str,
    /// Workers: threads, or processes for `processes` (the table's `workers` column).
    pub threads: usize,
    /// The fastest of the repetitions: the least disturbed by the other programs on the machine.
    pub wall: Duration,
    /// CPU time of that run, all threads: `cpu / wall` is how many cores it really kept busy.
    pub cpu: Duration,
    /// Time of the 1-thread pool divided by this one's.
    pub speedup: f64,
}

/// Counts the primes in `range` by trial division — deliberately naive: a CPU-bound job with
/// no memory traffic to speak of, so threads compete only for cores.
pub fn count_primes(range: Range<u64>) -> u64 {
    let is_prime = |n: u64| {
        if n < 2 {
            return false;
        }
        if n % 2 == 0 {
            return n == 2;
        }
        let mut d = 3;
        while d * d <= n {
            if n % d == 0 {
                return false;
            }
            d += 2;
        }
        true
    };
    range.filter(|&n| is_prime(n)).count() as u64
}

/// The job set: `[0, limit)` cut into `JOBS` equal ranges.
fn jobs(limit: u64) -> impl Iterator<Item = Range<u64>> {
    let step = limit.div_ceil(JOBS);
    (0..JOBS).map(move |i| i * step..((i + 1) * step).min(limit))
}

/// All jobs as tasks on the executor (one thread).
pub fn on_executor(limit: u64) -> u64 {
    executor::run(async move {
        let handles = jobs(limit).map(|range| executor::spawn(async move { count_primes(range) }));
        let counts = executor::gather(handles.collect::<Vec<_>>()).await;
        counts
            .into_iter()
            .map(|c| c.expect("counting cannot panic"))
            .sum()
    })
}

/// All jobs on a `WorkerPool` of `threads` workers: submit each job, then wait for every
/// `Pending` result in order. The pool is created and shut down inside the timed part: starting
/// and joining 4 threads costs about 100 µs, noise next to the work.
pub fn on_pool(threads: usize, limit: u64) -> u64 {
    let pool = WorkerPool::new(threads);
    let pending: Vec<_> = jobs(limit)
        .map(|range| pool.submit(move || count_primes(range)))
        .collect();
    let total = pending
        .into_iter()
        .map(|p| p.wait().expect("counting cannot panic"))
        .sum();
    pool.shutdown();
    total
}

/// Runs one contender once: wall time and CPU time (all threads). Every run must find
/// `expected` primes.
fn timed(run: impl FnOnce() -> u64, expected: u64) -> (Duration, Duration) {
    let (start, cpu_before) = (Instant::now(), procfs::cpu_time().unwrap_or_default());
    let answer = run();
    let wall = start.elapsed();
    let cpu = procfs::cpu_time()
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    assert_eq!(
        answer, expected,
        "every contender must find the same number of primes"
    );
    (wall, cpu)
}

/// Runs the experiment. `limit` sets the size of the job set, `reps` how often each runs.
///
/// The repetitions are taken in rounds — every contender once, then again — and each keeps its
/// fastest run: on a shared machine the load comes and goes, and rounds expose every contender
/// to the same quiet and busy moments instead of giving one of them all the busy ones.
pub fn parallelism(limit: u64, reps: usize) -> (Vec<Row>, u64) {
    // The answer every contender must reproduce, computed the plain way.
    let primes = jobs(limit).map(count_primes).sum();
    let mut rows: Vec<Row> = std::iter::once(("executor", 1))
        .chain((1..=MAX_THREADS).map(|k| ("pool", k)))
        .map(|(contender, threads)| Row {
            language: Language::Rust,
            contender,
            threads,
            wall: Duration::MAX,
            cpu: Duration::ZERO,
            speedup: 0.0,
        })
        .collect();
    let mut progress = Progress::new("parallelism", reps * rows.len());
    for round in 1..=reps {
        for row in &mut rows {
            progress.start(&format!(
                "round {round}/{reps}: Rust {} with {} thread(s)",
                row.contender, row.threads
            ));
            let (wall, cpu) = match row.contender {
                "executor" => timed(|| on_executor(limit), primes),
                _ => timed(|| on_pool(row.threads, limit), primes),
            };
            if wall < row.wall {
                (row.wall, row.cpu) = (wall, cpu);
            }
            progress.step_done();
        }
    }
    progress.finish();
    set_speedups(&mut rows, "pool");
    (rows, primes)
}

/// Speed-up against the one-worker row of the queue-fed contender `fed`.
fn set_speedups(rows: &mut [Row], fed: &str) {
    let baseline = rows
        .iter()
        .find(|r| r.contender == fed && r.threads == 1)
        .map_or(f64::NAN, |r| r.wall.as_secs_f64());
    for row in rows {
        row.speedup = baseline / row.wall.as_secs_f64().max(1e-9);
    }
}

/// The Python rows: `parallelism.py` in a fresh process, within `budget`. Every row must have
/// found the primes Rust counts below the same limit.
pub fn in_python(py: &Python, limit: u64, reps: usize, budget: Budget) -> Result<Vec<Row>, String> {
    let mut progress = Progress::new("parallelism", 1);
    progress.start(&format!(
        "Python: one thread, threads + queue.Queue, multiprocessing, primes below {limit}"
    ));
    let args = [limit, reps as u64, MAX_THREADS as u64].map(|a| a.to_string());
    let value = py.measure("parallelism.py", &args, budget.left(Duration::MAX));
    progress.step_done();
    progress.finish();
    let value = value?;
    let expected = jobs(limit).map(count_primes).sum::<u64>() as f64;
    let primes = python::number(&value, "primes")?;
    if primes != expected {
        return Err(format!(
            "Python found {primes} primes below {limit}, Rust {expected}"
        ));
    }
    let nanos = |row, field| python::number(row, field).map(|v| Duration::from_nanos(v as u64));
    let mut rows = value
        .get("rows")
        .and_then(|r| r.as_array())
        .ok_or("parallelism.py printed no rows")?
        .iter()
        .map(|row| {
            let contender = match python::text(row, "contender")? {
                "one thread" => "one thread",
                "threads" => "threads",
                "processes" => "processes",
                other => return Err(format!("unknown Python contender {other:?}")),
            };
            Ok(Row {
                language: Language::Python,
                contender,
                threads: python::number(row, "workers")? as usize,
                wall: nanos(row, "wall_ns")?,
                cpu: nanos(row, "cpu_ns")?,
                speedup: 0.0,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    set_speedups(&mut rows, "threads");
    Ok(rows)
}

/// `1 thread`, `2 threads`, `1 process`, `2 processes`.
fn plural(n: usize, word: &str) -> String {
    match (n, word.ends_with('s')) {
        (1, _) => format!("1 {word}"),
        (_, true) => format!("{n} {word}es"),
        _ => format!("{n} {word}s"),
    }
}

/// The smallest speed-up that counts as "more parallelism": well clear of run-to-run noise.
const PARALLEL: f64 = 1.3;

/// The claim judged in `language`: do threads fed by a queue beat one of them on CPU work?
/// `None` if the language has no such rows, or the machine has one core (nothing to show).
pub fn judge(rows: &[Row], language: Language) -> Judged {
    let fed = if language == Language::Rust {
        "pool"
    } else {
        "threads"
    };
    // Among two or more workers: one worker is the baseline itself.
    let best = rows
        .iter()
        .filter(|r| r.language == language && r.contender == fed && r.threads >= 2)
        .max_by(|a, b| a.speedup.total_cmp(&b.speedup))?;
    if cores() < 2 {
        return None;
    }
    // The threshold goes into the line: a reader seeing 1.2× and "false" must see why.
    let mut why = format!(
        "best {fed} speed-up {:.2}× (at {}, {} cores; the claim needs {PARALLEL:.1}×)",
        best.speedup,
        plural(best.threads, "thread"),
        cores()
    );
    let processes = rows
        .iter()
        .filter(|r| r.language == language && r.contender == "processes")
        .max_by(|a, b| a.speedup.total_cmp(&b.speedup));
    if let Some(p) = processes {
        let processes = plural(p.threads, "process");
        why += &format!(", multiprocessing {:.2}× (at {processes})", p.speedup);
    }
    Some((best.speedup >= PARALLEL, why))
}

/// The number of cores Rust sees (`available_parallelism`; 1 if unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The results as a table.
pub fn table(rows: &[Row], limit: u64, primes: u64) -> Table {
    let cores = cores();
    Table {
        title: format!("parallelism: count primes below {limit} in {JOBS} jobs — {cores} cores"),
        columns: vec![
            "language",
            "contender",
            "workers",
            "wall ms",
            "speed-up",
            "ideal",
            "cores busy",
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.language.name().into()),
                    Cell::Text(r.contender.into()),
                    Cell::Num(r.threads as f64, 0),
                    Cell::Num(r.wall.as_secs_f64() * 1e3, 1),
                    Cell::Num(r.speedup, 2),
                    Cell::Num(r.threads.min(cores) as f64, 0),
                    Cell::Num(r.cpu.as_secs_f64() / r.wall.as_secs_f64().max(1e-9), 2),
                ]
            })
            .collect(),
        verdict: None,
        notes: vec![
            format!("{primes} primes found by every Rust contender (checked)"),
            format!(
                "speed-up is relative to the 1-thread pool (Python: 1 queue-fed thread); ideal = min(workers, {cores} cores)"
            ),
            "wall time is the best of the repetitions (the machine is shared)".into(),
            "cores busy = CPU time / wall time: below the thread count, other programs had the cores"
                .into(),
            format!("load average when the experiment ended: {}", procfs::load_average()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(language: Language, contender: &'static str, threads: usize, speedup: f64) -> Row {
        Row {
            language,
            contender,
            threads,
            wall: Duration::from_millis(100),
            cpu: Duration::from_millis(100),
            speedup,
        }
    }

    #[test]
    fn the_verdict_follows_the_numbers() {
        let rows = [
            row(Language::Rust, "pool", 1, 1.0),
            row(Language::Rust, "pool", 2, 1.9),
            row(Language::Python, "threads", 1, 1.0),
            row(Language::Python, "threads", 2, 0.97),
            row(Language::Python, "processes", 2, 1.8),
        ];
        if cores() < 2 {
            assert_eq!(judge(&rows, Language::Rust), None, "one core shows nothing");
            return;
        }
        let (rust, why) = judge(&rows, Language::Rust).unwrap();
        assert!(rust, "{why}");
        assert!(
            why.contains("1.90× (at 2 threads, ") && why.contains("needs 1.3×"),
            "{why}"
        );
        let (python, why) = judge(&rows, Language::Python).unwrap();
        assert!(!python, "processes do not make threads parallel: {why}");
        assert!(
            why.contains("multiprocessing 1.80× (at 2 processes)"),
            "{why}"
        );
        assert_eq!(judge(&rows[..2], Language::Python), None, "not measured");
    }

    #[test]
    fn primes_are_counted_right_and_jobs_cover_the_range() {
        assert_eq!(count_primes(0..100), 25);
        assert_eq!(jobs(1000).map(count_primes).sum::<u64>(), 168);
        assert_eq!(jobs(1000).map(|r| r.end - r.start).sum::<u64>(), 1000);
    }
}
