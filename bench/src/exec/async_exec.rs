//! async-executor's `LocalExecutor` (the smol family's single-threaded executor), driven by
//! `futures::executor::block_on` since async-executor brings no `block_on` of its own.

// async-executor and futures ship no `yield_now`; ours is executor-agnostic (wake yourself,
// return `Pending` once — what `futures_lite::future::yield_now` does), so the peers use it too.
use super::{pending_task, polled, reset_polled, SPAWN_BATCH};
use crate::measure::rss_bytes;
use async_executor::LocalExecutor;
use executor::yield_now;
use futures::executor::block_on;
use std::hint::black_box;
use std::time::{Duration, Instant};

pub(super) fn spawn_await(n: u64) -> Duration {
    let ex = LocalExecutor::new();
    let start = Instant::now();
    block_on(ex.run(async {
        let mut handles = Vec::with_capacity(SPAWN_BATCH as usize);
        let mut done = 0;
        while done < n {
            let batch = SPAWN_BATCH.min(n - done);
            handles.extend((done..done + batch).map(|i| ex.spawn(async move { i })));
            for handle in handles.drain(..) {
                black_box(handle.await);
            }
            done += batch;
        }
    }));
    start.elapsed()
}

pub(super) fn yield_many(n: u64) -> Duration {
    let ex = LocalExecutor::new();
    let start = Instant::now();
    block_on(ex.run(async {
        let task = ex.spawn(async move {
            for _ in 0..n {
                yield_now().await;
            }
        });
        task.await;
    }));
    start.elapsed()
}

pub(super) fn pending_rss(n: usize) -> (u64, u64) {
    let ex = LocalExecutor::new();
    reset_polled();
    let before = rss_bytes().unwrap_or(0);
    // Measured inside the run: the tasks are certainly alive here.
    let after = block_on(ex.run(async {
        for _ in 0..n {
            // Dropping an async-executor `Task` cancels it; `detach` keeps it running.
            ex.spawn(pending_task()).detach();
        }
        while polled() < n {
            yield_now().await;
        }
        rss_bytes().unwrap_or(0)
    }));
    (before, after)
}
