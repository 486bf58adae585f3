//! `WorkerPool::submit_async`: a task awaits room in a full pool instead of blocking the
//! executor's thread, so the executor's other tasks keep running meanwhile.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use executor::{spawn, Executor};
use queue::WorkerPool;

#[test]
fn submit_async_on_a_full_pool_lets_other_tasks_run() {
    let pool = Arc::new(WorkerPool::builder().threads(1).capacity(1).build());
    let (release_tx, release_rx) = mpsc::channel::<()>();
    // The one worker is busy until released, and one job fills the queue: the pool is full.
    let busy = pool.submit(move || release_rx.recv().unwrap());
    let queued = pool.submit(|| 1);
    let rescue = release_tx.clone();
    let (done_tx, done_rx) = mpsc::channel();
    let runner = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            let out = Executor::new().block_on(async move {
                let submitter = {
                    let pool = pool.clone();
                    spawn(async move { pool.submit_async(|| 2).await.await.unwrap() })
                };
                // Runs only if the submitter did not block the thread: it frees the worker.
                let releaser = spawn(async move { release_tx.send(()).unwrap() });
                releaser.await.unwrap();
                submitter.await.unwrap()
            });
            done_tx.send(out).unwrap();
        })
    };
    // A guard against a hang (the failure this test exists for), not an ordering device.
    let got = done_rx.recv_timeout(Duration::from_secs(60));
    if got.is_err() {
        rescue.send(()).unwrap(); // frees the worker, so the failure ends rather than hangs
    }
    assert_eq!(
        got,
        Ok(2),
        "a submit from a task blocked the executor's thread"
    );
    runner.join().unwrap();
    busy.wait().unwrap();
    assert_eq!(queued.wait().unwrap(), 1);
}
