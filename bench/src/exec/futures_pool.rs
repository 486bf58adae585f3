//! futures' `LocalPool`: the executor that ships with the `futures` crate. Its join handle is a
//! `RemoteHandle` (a oneshot channel), the only way it offers to get a task's output back.

// async-executor and futures ship no `yield_now`; ours is executor-agnostic (wake yourself,
// return `Pending` once — what `futures_lite::future::yield_now` does), so the peers use it too.
use super::{pending_task, polled, reset_polled, SPAWN_BATCH};
use crate::measure::rss_bytes;
use executor::yield_now;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use std::hint::black_box;
use std::time::{Duration, Instant};

pub(super) fn spawn_await(n: u64) -> Duration {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let start = Instant::now();
    pool.run_until(async {
        let mut handles = Vec::with_capacity(SPAWN_BATCH as usize);
        let mut done = 0;
        while done < n {
            let batch = SPAWN_BATCH.min(n - done);
            handles.extend(
                (done..done + batch)
                    .map(|i| spawner.spawn_local_with_handle(async move { i }).unwrap()),
            );
            for handle in handles.drain(..) {
                black_box(handle.await);
            }
            done += batch;
        }
    });
    start.elapsed()
}

pub(super) fn yield_many(n: u64) -> Duration {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let start = Instant::now();
    pool.run_until(async {
        let task = spawner
            .spawn_local_with_handle(async move {
                for _ in 0..n {
                    yield_now().await;
                }
            })
            .unwrap();
        task.await;
    });
    start.elapsed()
}

pub(super) fn pending_rss(n: usize) -> (u64, u64) {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    reset_polled();
    let before = rss_bytes().unwrap_or(0);
    // Measured inside the run: the tasks are certainly alive here.
    let after = pool.run_until(async {
        for _ in 0..n {
            spawner.spawn_local(pending_task()).unwrap();
        }
        while polled() < n {
            yield_now().await;
        }
        rss_bytes().unwrap_or(0)
    });
    (before, after)
}
