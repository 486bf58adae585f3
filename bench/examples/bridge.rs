//! Threads and tasks on one `Queue`: ns per item for thread → thread (the reference), thread →
//! task, task → thread and task → task, at capacity 1024 and 1. Every task runs on our
//! executor (`Executor::new`, the real clock); threads use the blocking calls, tasks the
//! awaitable ones (`put_async`, `get_async`).
//!
//! The peers the target names (flume's and tokio's mpsc sync/async APIs, async-channel) are
//! not here yet: the workspace builds tokio without `sync` and flume without `async`, and
//! async-channel is not a dependency of this crate (see `docs/decisions.md`, async block).
//!
//! `cargo run --release -p bench --example bridge [items]` (default 1 000 000).

use std::sync::Arc;
use std::time::{Duration, Instant};

use executor::{spawn, Executor};
use queue::Queue;

fn thread_to_thread(q: Arc<Queue<u64>>, n: u64) -> Duration {
    let start = Instant::now();
    let producer = {
        let q = q.clone();
        std::thread::spawn(move || (0..n).for_each(|i| q.put(i).unwrap()))
    };
    let sum: u64 = (0..n).map(|_| q.get().unwrap()).sum();
    producer.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    start.elapsed()
}

fn thread_to_task(q: Arc<Queue<u64>>, n: u64) -> Duration {
    let start = Instant::now();
    let producer = {
        let q = q.clone();
        std::thread::spawn(move || (0..n).for_each(|i| q.put(i).unwrap()))
    };
    let sum = Executor::new().block_on(async move {
        let mut sum = 0;
        for _ in 0..n {
            sum += q.get_async().await.unwrap();
        }
        sum
    });
    producer.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    start.elapsed()
}

fn task_to_thread(q: Arc<Queue<u64>>, n: u64) -> Duration {
    let start = Instant::now();
    let producer = {
        let q = q.clone();
        std::thread::spawn(move || {
            Executor::new().block_on(async move {
                for i in 0..n {
                    q.put_async(i).await.unwrap();
                }
            })
        })
    };
    let sum: u64 = (0..n).map(|_| q.get().unwrap()).sum();
    producer.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    start.elapsed()
}

fn task_to_task(q: Arc<Queue<u64>>, n: u64) -> Duration {
    let start = Instant::now();
    let sum = Executor::new().block_on(async move {
        let producer = {
            let q = q.clone();
            spawn(async move {
                for i in 0..n {
                    q.put_async(i).await.unwrap();
                }
            })
        };
        let mut sum = 0;
        for _ in 0..n {
            sum += q.get_async().await.unwrap();
        }
        producer.await.unwrap();
        sum
    });
    assert_eq!(sum, n * (n - 1) / 2);
    start.elapsed()
}

type Path = fn(Arc<Queue<u64>>, u64) -> Duration;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().expect("items: a number"));
    let paths: [(&str, Path); 4] = [
        ("thread -> thread", thread_to_thread),
        ("thread -> task", thread_to_task),
        ("task -> thread", task_to_thread),
        ("task -> task", task_to_task),
    ];
    for cap in [1024, 1] {
        println!("capacity {cap}, {n} items (best of 3, ns per item; ratio to thread -> thread):");
        let mut reference = None;
        for (name, path) in paths {
            let best = (0..3)
                .map(|_| path(Arc::new(Queue::bounded(cap)), n))
                .min()
                .expect("3 runs");
            let ns = best.as_nanos() as f64 / n as f64;
            let base = *reference.get_or_insert(ns);
            println!("  {name:<17} {ns:>9.1}  {:>5.2}x", ns / base);
        }
    }
}
