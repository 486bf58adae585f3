//! tokio's current-thread runtime with a `LocalSet`: how tokio runs `!Send` tasks on one thread.

use super::{
    lateness_ns, pending_task, polled, reset_polled, sleeping_task, timer_run, TaskKind, TimerPlan,
    TimerRun, SLEEPING_TASK_SLEEP, SPAWN_BATCH,
};
use crate::measure::{rss_bytes, thread_cpu_time};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Runtime};
use tokio::task::{spawn_local, yield_now, LocalSet};

fn runtime() -> Runtime {
    // The timer is enabled in every workload, as in any real program that sleeps somewhere.
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

pub(super) fn spawn_await(n: u64) -> Duration {
    let (rt, local) = (runtime(), LocalSet::new());
    let start = Instant::now();
    local.block_on(&rt, async {
        let mut handles = Vec::with_capacity(SPAWN_BATCH as usize);
        let mut done = 0;
        while done < n {
            let batch = SPAWN_BATCH.min(n - done);
            handles.extend((done..done + batch).map(|i| spawn_local(async move { i })));
            for handle in handles.drain(..) {
                black_box(handle.await.unwrap());
            }
            done += batch;
        }
    });
    start.elapsed()
}

pub(super) fn yield_many(n: u64) -> Duration {
    let (rt, local) = (runtime(), LocalSet::new());
    let start = Instant::now();
    local.block_on(&rt, async {
        let task = spawn_local(async move {
            for _ in 0..n {
                yield_now().await;
            }
        });
        task.await.unwrap();
    });
    start.elapsed()
}

pub(super) fn timers(plan: TimerPlan) -> TimerRun {
    let (rt, local) = (runtime(), LocalSet::new());
    let (start, cpu_start) = (Instant::now(), thread_cpu_time());
    let (lateness_ns, spawned) = local.block_on(&rt, async {
        let handles: Vec<_> = (0..plan.n)
            .map(|i| {
                spawn_local(async move {
                    let deadline = plan.deadline(start, i);
                    tokio::time::sleep_until(deadline.into()).await;
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
    let (rt, local) = (runtime(), LocalSet::new());
    reset_polled();
    let before = rss_bytes().unwrap_or(0);
    // Measured inside the run: the tasks are certainly alive here.
    let after = local.block_on(&rt, async {
        for _ in 0..n {
            match kind {
                TaskKind::Pending => drop(spawn_local(pending_task())),
                TaskKind::Sleeping => drop(spawn_local(sleeping_task(|| {
                    tokio::time::sleep(SLEEPING_TASK_SLEEP)
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
