//! `WorkerPool` on its own, from threads: many jobs, panics, dropped results, shutdown,
//! `join`, back-pressure. (Awaiting results from the executor is `tests/tests/pool_executor.rs`.)

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use queue::{JobError, Pending, WorkerPool};

mod gate;
use gate::gated_job;

#[test]
fn pool_and_results_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<WorkerPool>();
    send_sync::<Pending<Vec<u8>>>();
    send_sync::<JobError>(); // so `?` can box it as `dyn Error + Send + Sync`
}

#[test]
fn many_jobs_each_result_reaches_its_own_pending() {
    let pool = WorkerPool::new(4);
    let results: Vec<_> = (0..10_000u64).map(|i| pool.submit(move || i * 3)).collect();
    for (i, pending) in (0..).zip(results) {
        assert_eq!(pending.wait().unwrap(), i * 3);
    }
}

#[test]
fn workers_are_named_by_prefix_and_index() {
    let pool = WorkerPool::builder()
        .threads(3)
        .name_prefix("crunch")
        .build();
    // Three jobs that wait for each other must run on three different workers at once.
    let barrier = Arc::new(Barrier::new(3));
    let names: Vec<_> = (0..3)
        .map(|_| {
            let barrier = barrier.clone();
            pool.submit(move || {
                barrier.wait();
                std::thread::current().name().unwrap().to_owned()
            })
        })
        .collect();
    let mut names: Vec<String> = names.into_iter().map(|p| p.wait().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["crunch-0", "crunch-1", "crunch-2"]);
}

#[test]
fn a_panicking_job_yields_its_payload_and_the_worker_survives() {
    let pool = WorkerPool::new(1); // one worker: if it died, nothing after the panic would run
    let n = 3; // a formatted message (not a literal) makes the payload a `String`
    let crashed = pool.submit(move || -> u32 { panic!("job {n} failed") });
    let after: Vec<_> = (0..100).map(|i| pool.submit(move || i)).collect();
    let err = crashed.wait().unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled());
    assert_eq!(err.to_string(), "job panicked: job 3 failed");
    assert_eq!(
        format!("{err:?}"),
        r#"JobError::Panicked("job panicked: job 3 failed")"#
    );
    assert_eq!(
        *err.into_panic().downcast::<String>().unwrap(),
        "job 3 failed"
    );
    assert_eq!(
        after.into_iter().map(|p| p.wait().unwrap()).sum::<i32>(),
        4950
    );
}

#[test]
fn a_panicking_job_counts_as_finished_for_join() {
    let pool = WorkerPool::new(2);
    let results: Vec<_> = (0..20)
        .map(|i| pool.submit(move || if i % 5 == 0 { panic!("every fifth") } else { i }))
        .collect();
    pool.join(); // would hang if a panicking job were never marked done
    assert!(results.iter().all(Pending::is_ready));
    let failed = results
        .into_iter()
        .map(Pending::wait)
        .filter(Result::is_err);
    assert_eq!(failed.count(), 4);
}

#[test]
fn a_job_whose_pending_was_dropped_still_runs() {
    let pool = WorkerPool::new(2);
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        let ran = ran.clone();
        drop(pool.submit(move || ran.fetch_add(1, SeqCst)));
    }
    pool.join();
    assert_eq!(ran.load(SeqCst), 100);
}

#[test]
fn join_waits_for_every_submitted_job() {
    let pool = WorkerPool::new(2);
    let (first, started, open) = gated_job(&pool);
    let rest: Vec<_> = (0..10).map(|i| pool.submit(move || i)).collect();
    started.recv().unwrap();
    std::thread::scope(|s| {
        let joiner = s.spawn(|| pool.join());
        // Still blocked: the gated job cannot have finished, the gate is closed.
        assert!(!first.is_ready());
        assert!(!joiner.is_finished());
        open.send(()).unwrap();
        joiner.join().unwrap();
    });
    assert!(first.is_ready() && rest.iter().all(Pending::is_ready));
}

#[test]
fn shutdown_finishes_the_queued_jobs() {
    let pool = WorkerPool::builder().threads(1).capacity(64).build();
    let (first, started, open) = gated_job(&pool);
    let queued: Vec<_> = (0..50).map(|i| pool.submit(move || i)).collect();
    started.recv().unwrap();
    // The worker is held by the gate, so all 50 are in the queue now.
    assert!(format!("{pool:?}").contains("queued: 50"), "{pool:?}");
    open.send(()).unwrap();
    pool.shutdown(); // returns once the queue is drained and the worker joined
    assert!(first.is_ready());
    for (i, pending) in (0..).zip(queued) {
        assert!(
            pending.is_ready(),
            "job {i} had not run when shutdown returned"
        );
        assert_eq!(pending.wait().unwrap(), i);
    }
}

#[test]
fn dropping_the_pool_is_shutdown() {
    let ran = Arc::new(AtomicUsize::new(0));
    {
        let pool = WorkerPool::new(2);
        for _ in 0..200 {
            let ran = ran.clone();
            pool.submit(move || ran.fetch_add(1, SeqCst));
        }
    } // dropped: every job runs first
    assert_eq!(ran.load(SeqCst), 200);
}

#[test]
fn shutdown_now_cancels_only_the_queued_jobs() {
    let pool = WorkerPool::new(1);
    let (running, started, open) = gated_job(&pool);
    let queued: Vec<_> = (0..10).map(|i| pool.submit(move || i)).collect();
    started.recv().unwrap();
    std::thread::scope(|s| {
        // The gate opens only after every queued job resolved — which, with the one worker
        // held, only cancellation can do.
        s.spawn(move || {
            for pending in queued {
                assert!(pending.wait().unwrap_err().is_cancelled());
            }
            open.send(()).unwrap();
        });
        assert_eq!(pool.shutdown_now(), 10);
    });
    assert!(running.wait().is_ok(), "the running job was cancelled");
}

#[test]
fn submit_blocks_while_the_queue_is_full() {
    let pool = WorkerPool::builder().threads(1).capacity(2).build();
    let (first, started, open) = gated_job(&pool);
    started.recv().unwrap(); // the worker holds the gated job: the queue is empty
    let queued = [pool.submit(|| 1), pool.submit(|| 2)]; // now it is full
    let log = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let (submitted_tx, submitted) = mpsc::channel();
        let (pool, log) = (&pool, &log);
        let submitter = s.spawn(move || {
            let pending = pool.submit(|| 3);
            log.lock().unwrap().push("third submit returned");
            submitted_tx.send(()).unwrap();
            pending
        });
        // Not an ordering sleep: if `submit` ignored the capacity, it would return at once;
        // blocked, it cannot return however long we wait.
        let waited = submitted.recv_timeout(Duration::from_millis(50));
        assert_eq!(
            waited,
            Err(RecvTimeoutError::Timeout),
            "submit did not block on a full queue"
        );
        log.lock().unwrap().push("gate opened");
        open.send(()).unwrap();
        submitted.recv().unwrap();
        assert_eq!(submitter.join().unwrap().wait().unwrap(), 3);
    });
    assert_eq!(
        *log.lock().unwrap(),
        ["gate opened", "third submit returned"]
    );
    assert!(first.wait().is_ok());
    assert_eq!(queued.map(|p| p.wait().unwrap()), [1, 2]);
}

#[test]
fn join_from_inside_a_job_panics_instead_of_hanging() {
    let pool = Arc::new(WorkerPool::new(1));
    let inner = pool.clone();
    let err = pool.submit(move || inner.join()).wait().unwrap_err();
    assert!(err.to_string().contains("would wait for itself"), "{err}");
}

#[test]
fn the_last_handle_dropped_on_a_worker_does_not_deadlock() {
    let pool = Arc::new(WorkerPool::new(1));
    let (open, gate) = mpsc::channel::<()>();
    let last_owner = pool.clone();
    let result = pool.submit(move || {
        gate.recv().unwrap();
        drop(last_owner); // the only handle left: `Drop` runs on this worker
        "dropped"
    });
    drop(pool);
    open.send(()).unwrap();
    assert_eq!(result.wait().unwrap(), "dropped");
}

#[test]
#[should_panic(expected = "at least one thread")]
fn zero_threads_is_a_documented_panic() {
    let _ = WorkerPool::new(0);
}

#[test]
#[should_panic(expected = "capacity(0): a WorkerPool's queue capacity must be at least 1")]
fn zero_capacity_is_a_documented_panic_at_the_call() {
    let _ = WorkerPool::builder().threads(1).capacity(0);
}

#[test]
#[should_panic(expected = "threads(0): a WorkerPool needs at least one thread")]
fn zero_threads_in_the_builder_is_a_documented_panic_at_the_call() {
    let _ = WorkerPool::builder().threads(0);
}

/// A NUL byte cannot be in an OS thread name: the builder says so where the name is given,
/// not later inside `build` with std's `CString` error.
#[test]
#[should_panic(expected = "name_prefix(\"bad\\0name\"): a thread name cannot contain a NUL byte")]
fn a_name_prefix_with_a_nul_byte_is_a_documented_panic_at_the_call() {
    let _ = WorkerPool::builder().name_prefix("bad\0name");
}
