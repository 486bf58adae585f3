//! The virtual clock and a `WorkerPool`: `off_thread(pool.submit(job))` keeps virtual time from
//! jumping while the job runs, so `timeout(1 h, ...)` waits for the job instead of expiring at
//! once — the composition `executor::off_thread`'s docs promise.

use std::time::Duration;

use executor::{now, off_thread, sleep, spawn, timeout, Executor};
use queue::WorkerPool;

// Shared with the pool's own tests; a path, because `queue`'s test helpers are no crate.
#[path = "../../queue/tests/gate/mod.rs"]
mod gate;
use gate::gated_job;

#[test]
fn timeout_of_an_off_thread_pool_job_waits_for_the_job_not_for_the_hour() {
    let pool = WorkerPool::new(1);
    let (job, started, open) = gated_job(&pool);
    // Opens the gate once the job runs: the executor is waiting for it by then, with a timer
    // pending, which is when the virtual clock used to jump.
    let opener = std::thread::spawn(move || {
        started.recv().unwrap();
        open.send(()).unwrap();
    });
    let ex = Executor::with_virtual_clock();
    let (out, took) = ex.block_on(async {
        let t0 = now();
        let _other = spawn(sleep(Duration::from_secs(60)));
        let out = timeout(Duration::from_secs(3600), off_thread(job)).await;
        (out, now() - t0)
    });
    opener.join().unwrap();
    assert!(matches!(out, Ok(Ok(()))), "the job finished in time");
    assert_eq!(took, Duration::ZERO, "virtual time did not jump");
}
