//! async-executor's `LocalExecutor` (the smol family's single-threaded executor), driven by
//! `futures::executor::block_on` since async-executor brings no `block_on` of its own — except
//! where it sleeps: then async-io's `Timer` under `async_io::block_on`, which drives async-io's
//! reactor on the calling thread, as smol runs it.

// async-executor and futures ship no `yield_now`; ours is executor-agnostic (wake yourself,
// return `Pending` once — what `futures_lite::future::yield_now` does), so the peers use it too.
use super::{
    lateness_ns, pending_task, polled, reset_polled, sleeping_task, timer_run, TaskKind, TimerPlan,
    TimerRun, SLEEPING_TASK_SLEEP, SPAWN_BATCH,
};
use crate::measure::{rss_bytes, thread_cpu_time};
use async_executor::LocalExecutor;
use async_io::Timer;
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

pub(super) fn timers(plan: TimerPlan) -> TimerRun {
    let ex = LocalExecutor::new();
    let (start, cpu_start) = (Instant::now(), thread_cpu_time());
    let (lateness_ns, spawned) = async_io::block_on(ex.run(async {
        let handles: Vec<_> = (0..plan.n)
            .map(|i| {
                ex.spawn(async move {
                    let deadline = plan.deadline(start, i);
                    Timer::at(deadline).await;
                    lateness_ns(deadline)
                })
            })
            .collect();
        let spawned = start.elapsed();
        let mut lateness = Vec::with_capacity(plan.n);
        for handle in handles {
            lateness.push(handle.await);
        }
        (lateness, spawned)
    }));
    timer_run(start, cpu_start, spawned, lateness_ns)
}

pub(super) fn tasks_rss(kind: TaskKind, n: usize) -> (u64, u64) {
    let ex = LocalExecutor::new();
    reset_polled();
    let before = rss_bytes().unwrap_or(0);
    // Measured inside the run: the tasks are certainly alive here.
    let after = async_io::block_on(ex.run(async {
        for _ in 0..n {
            // Dropping an async-executor `Task` cancels it; `detach` keeps it running.
            match kind {
                TaskKind::Pending => ex.spawn(pending_task()).detach(),
                TaskKind::Sleeping => ex
                    .spawn(sleeping_task(|| Timer::after(SLEEPING_TASK_SLEEP)))
                    .detach(),
            }
        }
        while polled() < n {
            yield_now().await;
        }
        rss_bytes().unwrap_or(0)
    }));
    (before, after)
}
