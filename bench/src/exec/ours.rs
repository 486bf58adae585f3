//! Our `executor::Executor` on the executor workloads, written exactly like the peers.

use super::{
    lateness_ns, pending_task, polled, reset_polled, sleeping_task, timer_run, TaskKind, TimerPlan,
    TimerRun, SLEEPING_TASK_SLEEP, SPAWN_BATCH,
};
use crate::measure::{rss_bytes, thread_cpu_time};
use executor::{spawn, yield_now, Executor};
use std::hint::black_box;
use std::time::{Duration, Instant};

pub(super) fn spawn_await(n: u64) -> Duration {
    let ex = Executor::new();
    let start = Instant::now();
    ex.block_on(async {
        let mut handles = Vec::with_capacity(SPAWN_BATCH as usize);
        let mut done = 0;
        while done < n {
            let batch = SPAWN_BATCH.min(n - done);
            handles.extend((done..done + batch).map(|i| spawn(async move { i })));
            for handle in handles.drain(..) {
                black_box(handle.await.unwrap());
            }
            done += batch;
        }
    });
    start.elapsed()
}

pub(super) fn yield_many(n: u64) -> Duration {
    let ex = Executor::new();
    let start = Instant::now();
    ex.block_on(async {
        let task = spawn(async move {
            for _ in 0..n {
                yield_now().await;
            }
        });
        task.await.unwrap();
    });
    start.elapsed()
}

pub(super) fn timers(plan: TimerPlan) -> TimerRun {
    let ex = Executor::new();
    let (start, cpu_start) = (Instant::now(), thread_cpu_time());
    let (lateness_ns, spawned) = ex.block_on(async {
        let handles: Vec<_> = (0..plan.n)
            .map(|i| {
                spawn(async move {
                    let deadline = plan.deadline(start, i);
                    executor::sleep_until(deadline).await;
                    lateness_ns(deadline)
                })
            })
            .collect();
        let spawned = start.elapsed();
        let mut lateness = Vec::with_capacity(plan.n);
        for handle in handles {
            lateness.push(handle.await.unwrap());
        }
        (lateness, spawned)
    });
    timer_run(start, cpu_start, spawned, lateness_ns)
}

pub(super) fn tasks_rss(kind: TaskKind, n: usize) -> (u64, u64) {
    let ex = Executor::new();
    reset_polled();
    let before = rss_bytes().unwrap_or(0);
    // Measured inside the run: the tasks are certainly alive here.
    let after = ex.block_on(async {
        for _ in 0..n {
            // Dropping the handle detaches the task: it stays pending inside the executor.
            match kind {
                TaskKind::Pending => drop(spawn(pending_task())),
                TaskKind::Sleeping => drop(spawn(sleeping_task(|| {
                    executor::sleep(SLEEPING_TASK_SLEEP)
                }))),
            }
        }
        while polled() < n {
            yield_now().await;
        }
        rss_bytes().unwrap_or(0)
    });
    (before, after)
}
