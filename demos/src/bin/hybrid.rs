//! `hybrid`: I/O-bound work on the executor, CPU-bound work on a `WorkerPool` — the article's
//! "when to use each", both at once (asyncio's `to_thread`, tokio's `spawn_blocking`).
//!
//! Many tasks simulate I/O: each sleeps 1 ms at a time and records how late it woke
//! (`executor::now()` minus the deadline). Meanwhile a batch of CPU-bound jobs (counting primes)
//! runs twice:
//! - **inline**: computed by a task on the executor's own thread. While a job runs, no other
//!   task can run: every timer due meanwhile fires late, by a whole job or more.
//! - **offloaded**: submitted to a `WorkerPool` and awaited. The executor's thread stays free,
//!   so the timers keep firing on time while the jobs run on another core.
//!
//! What lateness remains when offloaded is the OS, not the pool: on a 2-core machine the woken
//! executor thread sometimes waits for a scheduler slice on the core a busy worker occupies (a
//! plain spinning `std::thread` beside the executor causes the same few milliseconds).
//!
//! Run: `cargo run --release -p demos --bin hybrid` (about a second).

use std::rc::Rc;
use std::time::{Duration, Instant};

use queue::WorkerPool;

/// Tasks that simulate I/O.
const IO_TASKS: usize = 200;
/// How many 1 ms sleeps each I/O task does.
const TICKS: usize = 250;
const TICK: Duration = Duration::from_millis(1);
/// CPU-bound jobs, each counting the primes below `PRIME_LIMIT` (~20–50 ms each in release).
const CPU_JOBS: usize = 12;
const PRIME_LIMIT: u64 = 300_000;

/// The CPU-bound job: counts the primes below `n` by trial division — deliberately naive, so
/// that it keeps a core busy for tens of milliseconds without touching memory much.
fn count_primes_below(n: u64) -> usize {
    let is_prime = |k: u64| k >= 2 && (2..).take_while(|d| d * d <= k).all(|d| k % d != 0);
    (0..n).filter(|&k| is_prime(k)).count()
}

/// Lateness statistics of one run's timers.
struct Lateness {
    p50: Duration,
    p99: Duration,
    worst: Duration,
}

/// Sorts the samples and reads off the percentiles (nearest-rank).
fn lateness_stats(mut samples: Vec<Duration>) -> Lateness {
    assert!(!samples.is_empty(), "no timer fired");
    samples.sort_unstable();
    let rank = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    Lateness {
        p50: rank(0.50),
        p99: rank(0.99),
        worst: samples[samples.len() - 1],
    }
}

/// One simulated I/O task: sleep 1 ms, `TICKS` times, and return how late each wake was.
async fn io_task() -> Vec<Duration> {
    let mut late = Vec::with_capacity(TICKS);
    for _ in 0..TICKS {
        let deadline = executor::now() + TICK;
        executor::sleep_until(deadline).await;
        late.push(executor::now() - deadline);
    }
    late
}

/// Where the CPU-bound jobs run.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// On the executor's thread, one job per turn of the task (yielding in between).
    Inline,
    /// On a `WorkerPool`, awaited.
    Offloaded,
}

/// The CPU-bound half of a run: the job results, in job order.
async fn cpu_work(mode: Mode, pool: Rc<WorkerPool>) -> Vec<usize> {
    match mode {
        Mode::Inline => {
            let mut counts = Vec::with_capacity(CPU_JOBS);
            for _ in 0..CPU_JOBS {
                counts.push(count_primes_below(PRIME_LIMIT));
                // Let the other tasks run between jobs: the best an inline design can do.
                executor::yield_now().await;
            }
            counts
        }
        Mode::Offloaded => {
            let jobs: Vec<_> = (0..CPU_JOBS)
                .map(|_| pool.submit(|| count_primes_below(PRIME_LIMIT)))
                .collect();
            let counts = executor::gather(jobs).await;
            counts
                .into_iter()
                .map(|c| c.expect("a prime-counting job panicked"))
                .collect()
        }
    }
}

/// Runs the I/O tasks and the CPU jobs together on a fresh executor; returns the wall time,
/// the timers' lateness and the job results.
fn run(mode: Mode, pool: &Rc<WorkerPool>) -> (Duration, Lateness, Vec<usize>) {
    let start = Instant::now();
    let pool = pool.clone();
    let (late, counts) = executor::run(async move {
        let io: Vec<_> = (0..IO_TASKS).map(|_| executor::spawn(io_task())).collect();
        let counts = executor::spawn(cpu_work(mode, pool));
        let mut late = Vec::with_capacity(IO_TASKS * TICKS);
        for task in io {
            late.extend(task.await.expect("an I/O task panicked"));
        }
        (late, counts.await.expect("the CPU task panicked"))
    });
    (start.elapsed(), lateness_stats(late), counts)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Lateness is printed in microseconds: an idle executor wakes within a few of them.
fn us(d: Duration) -> String {
    format!("{} µs", d.as_micros())
}

fn main() {
    // Leave one core to the executor's thread: a worker competing with it for the only other
    // core would make the timers late for a reason that has nothing to do with the design.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.saturating_sub(1).max(1);
    let pool = Rc::new(
        WorkerPool::builder()
            .threads(workers)
            .name_prefix("primes")
            .build(),
    );

    let one_job = Instant::now();
    let expected = count_primes_below(PRIME_LIMIT);
    let one_job = one_job.elapsed();
    println!(
        "{IO_TASKS} I/O tasks × {TICKS} sleeps of {} ms, plus {CPU_JOBS} CPU jobs \
         (primes below {PRIME_LIMIT}: {expected}, {} each)",
        TICK.as_millis(),
        ms(one_job)
    );
    println!("{cores} cores; the pool has {workers} worker thread(s)\n");

    println!(
        "{:<10} {:>10} {:>12} {:>12} {:>12}",
        "mode", "wall", "late p50", "late p99", "worst"
    );
    let mut rows = Vec::new();
    for mode in [Mode::Inline, Mode::Offloaded] {
        let (wall, late, counts) = run(mode, &pool);
        assert!(
            counts.iter().all(|&c| c == expected),
            "{mode:?}: wrong prime count"
        );
        let name = format!("{mode:?}").to_lowercase();
        println!(
            "{name:<10} {:>10} {:>12} {:>12} {:>12}",
            ms(wall),
            us(late.p50),
            us(late.p99),
            us(late.worst)
        );
        rows.push((wall, late));
    }
    let [(inline_wall, inline), (off_wall, off)] = &rows[..] else {
        unreachable!()
    };
    println!(
        "\nconclusion: offloading the CPU work to the pool cut the p99 timer lateness from {} to {} \
         (worst {} to {}) and the wall time from {} to {}: CPU work stalls an event loop, so give \
         it a thread.",
        ms(inline.p99),
        ms(off.p99),
        ms(inline.worst),
        ms(off.worst),
        ms(*inline_wall),
        ms(*off_wall)
    );
}
