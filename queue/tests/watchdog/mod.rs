//! A watchdog for tests whose failure would be a deadlock: the body runs on a thread of its
//! own, and a test that gets no answer in time fails with a message instead of hanging. Shared
//! by `reentrant_callbacks.rs` and `pool_wait_in_job.rs`.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `body` on a thread of its own and fails (rather than hangs) if it does not finish
/// within 20 s; a panic in `body` is the test's panic.
pub fn within_deadline<R: Send + 'static>(
    what: &str,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(body)));
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(Ok(out)) => out,
        Ok(Err(panic)) => resume_unwind(panic),
        Err(_) => panic!("{what}: deadlocked (no answer within 20 s)"),
    }
}
