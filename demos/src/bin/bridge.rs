//! `bridge`: threads and tasks on one queue, both ways — the README's "both in one program".
//!
//! Two producer threads (say, a sensor reader and a file watcher: blocking code) put readings
//! into `inbox` with the blocking `put`. Three tasks on the executor take them with
//! `get_task_async` — the executor's thread never blocks — and hand each reading's CPU work to
//! a `WorkerPool` with `submit_async` (awaiting room when the pool is full), await the result,
//! and put it into `results` with `put_async`. A printer thread takes the results with the
//! blocking `get_task`. The main thread waits with the blocking `join` for work that tasks
//! mark done, and the tasks' own `TaskGuard`s mark `inbox`'s tasks done: `task_done` and
//! `join` cross from tasks to threads and back. In Python this needs a third-party queue
//! (janus, culsans): `queue.Queue` blocks the event loop, `asyncio.Queue` is not thread-safe.
//!
//! Run: `cargo run --release -p demos --bin bridge` (well under a second).

use std::sync::Arc;
use std::thread;

use executor::{spawn, Executor};
use queue::{Queue, WorkerPool};

const PRODUCERS: u64 = 2;
const READINGS: u64 = 20;
const TASKS: usize = 3;

/// The CPU work for one reading: the number of primes below it, by trial division.
fn count_primes_below(n: u64) -> u64 {
    let is_prime = |k: u64| k >= 2 && (2..).take_while(|d| d * d <= k).all(|d| k % d != 0);
    (0..n).filter(|&k| is_prime(k)).count() as u64
}

fn main() {
    let inbox: Arc<Queue<u64>> = Arc::new(Queue::bounded(4));
    let results: Arc<Queue<(u64, u64)>> = Arc::new(Queue::bounded(4));
    let pool = Arc::new(WorkerPool::builder().threads(2).capacity(2).build());

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let inbox = inbox.clone();
            thread::spawn(move || {
                for i in 0..READINGS {
                    inbox.put(10_000 + 1_000 * (p * READINGS + i)).unwrap(); // blocks when full
                }
            })
        })
        .collect();

    let printer = {
        let results = results.clone();
        thread::spawn(move || {
            let (mut count, mut total) = (0, 0);
            while let Ok(task) = results.get_task() {
                let (reading, primes) = *task;
                if reading % 10_000 == 0 {
                    println!("thread: primes below {reading}: {primes}");
                }
                count += 1;
                total += primes;
            } // each result's guard: task_done, joined by the main thread
            (count, total)
        })
    };

    let executor_thread = {
        let (inbox, results, pool) = (inbox.clone(), results.clone(), pool.clone());
        thread::spawn(move || {
            Executor::new().block_on(async move {
                let workers: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (inbox, results, pool) = (inbox.clone(), results.clone(), pool.clone());
                        spawn(async move {
                            while let Ok(reading) = inbox.get_task_async().await {
                                let n = *reading;
                                let job = pool.submit_async(move || count_primes_below(n)).await;
                                let primes = job.await.unwrap();
                                results.put_async((n, primes)).await.unwrap();
                            } // `reading` dropped: inbox's task_done, joined by a thread
                        })
                    })
                    .collect();
                for worker in workers {
                    worker.await.unwrap();
                }
            })
        })
    };

    producers.into_iter().for_each(|p| p.join().unwrap());
    inbox.join(); // a thread waits for the tasks' task_done
    results.join(); // and for the printer thread's
    println!("main: every reading processed by a task and printed by a thread");
    inbox.shutdown();
    executor_thread.join().unwrap();
    results.shutdown();
    let (count, total) = printer.join().unwrap();
    let expected: u64 = (0..PRODUCERS * READINGS)
        .map(|k| count_primes_below(10_000 + 1_000 * k))
        .sum();
    assert_eq!((count, total), (PRODUCERS * READINGS, expected));
    println!("main: {count} results, {total} primes in all — each reading once");
}
