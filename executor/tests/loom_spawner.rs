//! loom models of the `Spawner`'s hand-over (run as `tests/loom_executor.rs` says).
//!
//! The inbox, the handle's slot and condvar, the thread id `wait` checks, and the wake that
//! reaches the parked executor all go through the crate's `sync` shim, so these models check
//! the code that runs: a hand-over must reach a parked executor (else loom reports a
//! deadlock), and a spawn racing teardown must be refused or told — a `wait` never hangs.
#![cfg(loom)]

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use executor::Executor;
use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::thread;

/// Another thread spawns onto an executor parked in `block_on` (nothing ready, no timer) and
/// `wait`s for the result, then wakes main. The hand-over must unpark the executor and the
/// task's result must release the waiting thread.
#[test]
fn a_hand_over_reaches_a_parked_executor_and_releases_the_waiting_thread() {
    loom::model(|| {
        let executor = Executor::new();
        let spawner = executor.spawner();
        let done = Arc::new(AtomicBool::new(false));
        let main_waker: Arc<Mutex<Option<Waker>>> = Arc::default();
        let mut remote = None;
        executor.block_on(poll_fn(|cx| {
            if done.load(SeqCst) {
                return Poll::Ready(());
            }
            if remote.is_none() {
                *main_waker.lock().unwrap() = Some(cx.waker().clone());
                let (spawner, done, main_waker) =
                    (spawner.clone(), done.clone(), main_waker.clone());
                remote = Some(thread::spawn(move || {
                    let handle = spawner.spawn(async { 5 }).unwrap();
                    assert_eq!(handle.wait().unwrap(), 5);
                    done.store(true, SeqCst);
                    let waker = main_waker.lock().unwrap().take();
                    waker.unwrap().wake();
                }));
            }
            Poll::Pending
        }));
        remote.unwrap().join().unwrap();
    });
}

/// A spawn races the executor running once and being dropped: it is refused (the future comes
/// back), or its handle yields the output or "cancelled" — never a `wait` that hangs.
#[test]
fn a_spawn_racing_teardown_is_refused_or_told() {
    loom::model(|| {
        let executor = Executor::new();
        let spawner = executor.spawner();
        let remote = thread::spawn(move || match spawner.spawn(async { 3 }) {
            Ok(handle) => match handle.wait() {
                Ok(out) => assert_eq!(out, 3),
                Err(err) => assert!(err.is_cancelled()),
            },
            Err(refused) => drop(refused.into_inner()),
        });
        executor.run_until_stalled();
        drop(executor);
        remote.join().unwrap();
    });
}
