//! The two halves together: `queue::WorkerPool` results awaited by `executor` tasks — our
//! `asyncio.to_thread` / tokio `spawn_blocking`. The crates know nothing of each other; a
//! `Pending` is a plain `Future` that wakes the task's `Waker` from the worker thread.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::time::Duration;

use executor::Executor;
use queue::WorkerPool;

// Shared with the pool's own tests; a path, because `queue`'s test helpers are no crate.
#[path = "../../queue/tests/gate/mod.rs"]
mod gate;
use gate::gated_job;

#[test]
fn ten_thousand_pool_results_awaited_by_executor_tasks() {
    // Capacity for all of them: the executor thread never blocks in `submit`, so every task
    // really is suspended on its `Pending` while the workers run.
    let pool = Rc::new(WorkerPool::builder().threads(2).capacity(10_000).build());
    let results = executor::run(async {
        let tasks: Vec<_> = (0..10_000u64)
            .map(|i| {
                let pool = pool.clone();
                executor::spawn(async move { pool.submit(move || i * i).await })
            })
            .collect();
        // asyncio.gather: each wake polls only the handle that was woken.
        executor::gather(tasks).await
    });
    let results: Vec<u64> = results.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert_eq!(results, (0..10_000u64).map(|i| i * i).collect::<Vec<_>>());
}

#[test]
fn a_panicking_job_is_a_job_error_in_async_code() {
    let pool = WorkerPool::new(1);
    let (err, after) = executor::run(async {
        let err = pool
            .submit(|| -> u8 { panic!("cpu job failed") })
            .await
            .unwrap_err();
        (err, pool.submit(|| 8).await) // the worker survived
    });
    assert!(err.is_panic());
    assert_eq!(err.to_string(), "job panicked: cpu job failed");
    assert_eq!(
        err.into_panic().downcast_ref::<&str>(),
        Some(&"cpu job failed")
    );
    assert_eq!(after.unwrap(), 8);
}

#[test]
fn a_dropped_pending_still_runs_and_its_late_wake_is_harmless() {
    let pool = WorkerPool::new(1);
    let (pending, started, open) = gated_job(&pool);
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = ran.clone();
    let dropped = pool.submit(move || counted.fetch_add(1, SeqCst));
    started.recv().unwrap();
    let expired = executor::run(async move {
        // The worker is held by the gate, so the job cannot finish: `timeout` polls the
        // `Pending` once (registering this task's waker), then drops it on expiry.
        executor::timeout(Duration::ZERO, dropped).await
    });
    assert!(expired.is_err());
    // The executor is gone; the job runs anyway and wakes a waker nobody listens to.
    open.send(()).unwrap();
    pool.join();
    assert_eq!(ran.load(SeqCst), 1);
    assert!(pending.wait().is_ok());
}

#[test]
fn shutdown_with_jobs_queued_finishes_them_all() {
    let pool = WorkerPool::new(1);
    let (first, started, open) = gated_job(&pool);
    let queued: Vec<_> = (0..20u32).map(|i| pool.submit(move || i)).collect();
    started.recv().unwrap();
    open.send(()).unwrap();
    pool.shutdown();
    let results = executor::run(executor::gather(queued));
    let results: Vec<u32> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(results, (0..20).collect::<Vec<_>>());
    assert!(first.wait().is_ok());
}

#[test]
fn shutdown_now_wakes_the_awaiting_executor_with_cancelled_results() {
    let pool = WorkerPool::new(1);
    let (running, started, open) = gated_job(&pool);
    let queued: Vec<_> = (0..20u32).map(|i| pool.submit(move || i)).collect();
    started.recv().unwrap();
    std::thread::scope(|s| {
        // An executor awaits the queued jobs. Only cancellation can resolve them (the one
        // worker is held by the gate), and it happens on the main thread: a cross-thread wake.
        let awaiting = s.spawn(move || {
            let results = executor::run(executor::gather(queued));
            open.send(()).unwrap();
            results
        });
        assert_eq!(pool.shutdown_now(), 20);
        let results = awaiting.join().unwrap();
        assert!(results
            .iter()
            .all(|r| r.as_ref().unwrap_err().is_cancelled()));
    });
    assert!(running.wait().is_ok());
}

/// Counts how often the executor polls the wrapped future, and reports the first poll once
/// it has returned `Pending` — so the inner future's waker is registered by then, whatever the
/// schedule.
struct CountPolls<F> {
    inner: F,
    polls: Rc<Cell<usize>>,
    first_poll: Option<mpsc::Sender<()>>,
}

impl<F: Future + Unpin> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        let poll = Pin::new(&mut self.inner).poll(cx);
        if poll.is_pending() {
            if let Some(tx) = self.first_poll.take() {
                tx.send(()).unwrap();
            }
        }
        poll
    }
}

#[test]
fn block_on_sleeps_until_the_worker_wakes_it() {
    let pool = WorkerPool::new(1);
    let (first_poll_tx, first_poll) = mpsc::channel();
    let job = pool.submit(move || {
        // Runs only after the executor saw `Pending`. The job then takes a while, during which
        // an executor that busy-waited would poll thousands of times; ours must be asleep.
        first_poll.recv().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        "computed"
    });
    let polls = Rc::new(Cell::new(0));
    let counted = CountPolls {
        inner: job,
        polls: polls.clone(),
        first_poll: Some(first_poll_tx),
    };
    let out = Executor::new().block_on(counted);
    assert_eq!(out.unwrap(), "computed");
    // One poll that registered the waker, one after the worker's wake. Nothing in between.
    assert_eq!(polls.get(), 2);
}

#[test]
fn pool_results_and_timers_interleave_on_the_virtual_clock() {
    // A task awaiting the pool does not stop timers of other tasks; on the virtual clock the
    // sleeping task still wakes at exactly its deadline.
    let pool = Rc::new(WorkerPool::new(1));
    let ex = Executor::with_virtual_clock();
    let (slept, sum) = ex.block_on(async {
        let t0 = executor::now();
        let sleeper = executor::spawn(async move {
            executor::sleep(Duration::from_secs(5)).await;
            executor::now() - t0
        });
        let pool = pool.clone();
        let summer =
            executor::spawn(async move { pool.submit(|| (1..=1000u64).sum::<u64>()).await });
        (sleeper.await.unwrap(), summer.await.unwrap().unwrap())
    });
    assert_eq!(slept, Duration::from_secs(5));
    assert_eq!(sum, 500_500);
}
