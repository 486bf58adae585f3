//! A `WorkerPool` job the test controls, shared by the pool's own tests (`queue/tests/pool.rs`)
//! and the executor-side ones (`tests/tests/pool_executor.rs`, which include this file by path).

use std::sync::mpsc;

use queue::{Pending, WorkerPool};

/// A job that blocks its worker until the test opens the gate, and says when it started.
pub fn gated_job(pool: &WorkerPool) -> (Pending<()>, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (started_tx, started) = mpsc::channel();
    let (open, gate) = mpsc::channel();
    let pending = pool.submit(move || {
        started_tx.send(()).unwrap();
        gate.recv().unwrap();
    });
    (pending, started, open)
}
