//! `Pending::wait` called from inside a job of the same pool: the waiting worker helps (runs
//! queued jobs) instead of blocking the thread that would run the awaited job, and a wait that
//! could never end — for a job running further up the same thread — panics instead of hanging.
//! Each body runs under a watchdog, so a deadlock fails the test instead of hanging it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use queue::{Pending, WorkerPool};

mod watchdog;
use watchdog::within_deadline;

#[test]
fn a_job_waiting_for_a_job_queued_behind_it_in_a_one_thread_pool_runs_it() {
    within_deadline("wait on a job queued behind", || {
        let pool = WorkerPool::new(1);
        let (send_inner, inner) = mpsc::channel::<Pending<u32>>();
        let outer = pool.submit(move || inner.recv().unwrap().wait().unwrap() + 1);
        // Queued behind `outer`, and also behind a job that panics: helping runs both, and
        // the panic stays that job's own.
        let crash = pool.submit(|| -> u32 { panic!("a helped job panicked") });
        send_inner.send(pool.submit(|| 41)).unwrap();
        assert_eq!(outer.wait().unwrap(), 42);
        assert!(crash.wait().unwrap_err().is_panic());
        pool.join(); // every helped job was counted done
    });
}

#[test]
fn jobs_waiting_in_a_chain_on_one_worker_all_finish() {
    within_deadline("a chain of waits", || {
        let pool = WorkerPool::builder().threads(1).capacity(64).build();
        // Job i waits for job i + 1, submitted after it: each helper runs the next.
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..10).map(|_| mpsc::channel::<Pending<u32>>()).unzip();
        let mut jobs = Vec::new();
        for (i, next) in receivers.into_iter().enumerate() {
            jobs.push(pool.submit(move || {
                if i == 9 {
                    return 0;
                }
                next.recv().unwrap().wait().unwrap() + 1
            }));
        }
        let mut jobs = jobs.into_iter();
        let first = jobs.next().unwrap();
        for (sender, job) in senders.into_iter().zip(jobs) {
            sender.send(job).unwrap();
        }
        assert_eq!(first.wait().unwrap(), 9);
    });
}

#[test]
fn a_job_waiting_for_itself_gets_a_clear_panic() {
    let message = within_deadline("a job waiting for itself", || {
        let pool = WorkerPool::new(1);
        let (send_self, me) = mpsc::channel::<Pending<()>>();
        let (send_message, message) = mpsc::channel();
        let job = pool.submit(move || {
            let waited = catch_unwind(AssertUnwindSafe(|| me.recv().unwrap().wait()));
            let payload = waited.expect_err("waiting for itself must panic");
            send_message
                .send(payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap();
        });
        send_self.send(job).unwrap();
        message.recv().unwrap()
    });
    let message = message.expect("a panic with a message");
    assert!(
        message.contains("running further up this same thread"),
        "{message}"
    );
}

/// The one-thread case the helping creates: job A helps by running B, and B waits for A.
#[test]
fn a_helped_job_waiting_for_the_job_that_helps_gets_a_clear_panic() {
    let outcome = within_deadline("a helped job waiting for its helper", || {
        let pool = WorkerPool::new(1);
        let (send_a, a_for_b) = mpsc::channel::<Pending<()>>();
        let (send_b, b_for_a) = mpsc::channel::<Pending<()>>();
        let (send_outcome, outcome) = mpsc::channel();
        let a = pool.submit(move || {
            let b = b_for_a.recv().unwrap();
            send_outcome
                .send(b.wait().map_err(|e| e.to_string()))
                .unwrap();
        });
        let b = pool.submit(move || a_for_b.recv().unwrap().wait().unwrap());
        send_b.send(b).unwrap();
        send_a.send(a).unwrap(); // A's own result goes to B; A reports through the channel
        let outcome = outcome.recv().unwrap();
        pool.join();
        outcome
    });
    let message = outcome.expect_err("B cannot wait for A, which runs below it");
    assert!(
        message.contains("running further up this same thread"),
        "{message}"
    );
}
