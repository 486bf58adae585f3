//! futures' `LocalPool`: the executor that ships with the `futures` crate. Its join handle is a
//! `RemoteHandle` (a oneshot channel), the only way it offers to get a task's output back. Its
//! timer is futures-timer's `Delay` (the futures project's companion crate; a helper thread
//! fires the timers).

// async-executor and futures ship no `yield_now`; ours is executor-agnostic (wake yourself,
// return `Pending` once — what `futures_lite::future::yield_now` does), so the peers use it too.
use super::{
    lateness_ns, pending_task, polled, reset_polled, sleeping_task, timer_run, TaskKind, TimerPlan,
    TimerRun, SLEEPING_TASK_SLEEP, SPAWN_BATCH,
};
use crate::measure::{rss_bytes, thread_cpu_time};
use executor::yield_now;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use futures_timer::Delay;
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

pub(super) fn timers(plan: TimerPlan) -> TimerRun {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let (start, cpu_start) = (Instant::now(), thread_cpu_time());
    let (lateness_ns, spawned) = pool.run_until(async {
        let handles: Vec<_> = (0..plan.n)
            .map(|i| {
                spawner
                    .spawn_local_with_handle(async move {
                        let deadline = plan.deadline(start, i);
                        // futures-timer has no "sleep until": `Delay::new` counts from its own
                        // `now`, taken after this one, so it never ends before `deadline`.
                        Delay::new(deadline.saturating_duration_since(Instant::now())).await;
                        lateness_ns(deadline)
                    })
                    .unwrap()
            })
            .collect();
        let spawned = start.elapsed();
        let mut lateness = Vec::with_capacity(plan.n);
        for handle in handles {
            lateness.push(handle.await);
        }
        (lateness, spawned)
    });
    timer_run(start, cpu_start, spawned, lateness_ns)
}

pub(super) fn tasks_rss(kind: TaskKind, n: usize) -> (u64, u64) {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    reset_polled();
    let before = rss_bytes().unwrap_or(0);
    // Measured inside the run: the tasks are certainly alive here.
    let after = pool.run_until(async {
        for _ in 0..n {
            match kind {
                TaskKind::Pending => spawner.spawn_local(pending_task()).unwrap(),
                TaskKind::Sleeping => spawner
                    .spawn_local(sleeping_task(|| Delay::new(SLEEPING_TASK_SLEEP)))
                    .unwrap(),
            }
        }
        while polled() < n {
            yield_now().await;
        }
        rss_bytes().unwrap_or(0)
    });
    (before, after)
}
