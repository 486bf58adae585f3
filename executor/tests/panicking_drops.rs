//! A panic in a `Drop` the executor runs on a task's behalf — a detached task's output or panic
//! payload, a future dropped on completion, on `abort` or at teardown — never unwinds out of
//! `block_on`, `run` or `abort`, and a payload whose own `Drop` panics does not abort the
//! process either.

mod common;

use std::future::Future;
use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};
use std::rc::Rc;

use common::{probe, Act};
use executor::{run, spawn, yield_now, Executor};

/// Panics when dropped (its payload is a plain `&str`).
struct Boom;
impl Drop for Boom {
    fn drop(&mut self) {
        panic!("output dropped");
    }
}

/// Panics when dropped, with another `Forever` as the payload: dropping the payload panics
/// again, and so on — whoever catches it must stop dropping at some point.
struct Forever;
impl Drop for Forever {
    fn drop(&mut self) {
        panic_any(Forever);
    }
}

/// A pending future holding a value that panics when dropped.
async fn pending_holding<T: 'static>(value: T) {
    let _value = value;
    std::future::pending::<()>().await
}

#[test]
fn a_detached_tasks_output_that_panics_when_dropped_stays_inside() {
    let ex = Executor::new();
    let main = ex.block_on(async {
        drop(spawn(async { Boom }));
        yield_now().await;
        yield_now().await;
        "main"
    });
    assert_eq!(main, "main");
    assert_eq!(
        run(async {
            drop(spawn(async { Boom }));
            yield_now().await;
            "run"
        }),
        "run"
    );
}

#[test]
fn an_output_dropped_with_its_handle_after_it_finished_stays_inside() {
    run(async {
        let handle = spawn(async { Boom });
        yield_now().await;
        assert!(handle.is_finished());
        drop(handle); // the last reference: the unread output is dropped here
    });
}

#[test]
fn a_detached_tasks_panic_payload_that_panics_when_dropped_stays_inside() {
    run(async {
        drop(spawn(async { panic_any(Boom) }));
        drop(spawn(async { panic_any(Forever) }));
        yield_now().await;
        yield_now().await;
    });
}

#[test]
fn a_future_that_panics_when_dropped_on_completion_stays_inside() {
    /// Ready on its first poll; dropped (and panicking) right after.
    struct ReadyThenBoom<T> {
        _held: T,
    }
    impl<T: Unpin> std::future::Future for ReadyThenBoom<T> {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            std::task::Poll::Ready(())
        }
    }
    let out = run(async {
        let a = spawn(ReadyThenBoom { _held: Boom });
        let b = spawn(ReadyThenBoom { _held: Forever });
        (a.await.is_ok(), b.await.is_ok())
    });
    assert_eq!(out, (true, true), "finished: the output stands");
}

#[test]
fn abort_of_a_future_whose_drop_panics_is_a_cancellation() {
    let results = run(async {
        let boom = spawn(pending_holding(Boom));
        let forever = spawn(pending_holding(Forever));
        yield_now().await;
        boom.abort(); // neither call panics
        forever.abort();
        (boom.await, forever.await)
    });
    assert!(results.0.unwrap_err().is_cancelled());
    assert!(results.1.unwrap_err().is_cancelled());
}

#[test]
fn teardown_of_futures_whose_drop_panics_stays_inside_and_drops_the_rest() {
    let (survivor, counts) = probe(Act::Pending);
    let ex = Executor::new();
    drop(ex.spawn(pending_holding(Boom)));
    drop(ex.spawn(pending_holding(Forever)));
    drop(ex.spawn(survivor));
    ex.block_on(yield_now());
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(ex)));
    assert!(dropped.is_ok(), "dropping the executor did not panic");
    assert_eq!(counts.drops(), 1, "the other tasks were dropped too");

    let (survivor, counts) = probe(Act::Pending);
    let counts_inside = Rc::clone(&counts);
    run(async move {
        drop(spawn(pending_holding(Forever)));
        drop(spawn(survivor));
        yield_now().await;
        assert_eq!(counts_inside.drops(), 0);
    });
    assert_eq!(counts.drops(), 1);
}

#[test]
fn teardown_of_a_timer_whose_foreign_waker_panics_when_dropped_stays_inside() {
    /// Panics when its last reference goes.
    struct PanicsWhenDropped;
    impl std::task::Wake for PanicsWhenDropped {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    impl Drop for PanicsWhenDropped {
        fn drop(&mut self) {
            panic!("waker dropped");
        }
    }
    let ex = Executor::with_virtual_clock();
    let mut sleep = Box::pin(executor::sleep(std::time::Duration::from_secs(3600)));
    ex.block_on(async {
        let waker = std::task::Waker::from(std::sync::Arc::new(PanicsWhenDropped));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        // Our `waker` goes here; the timer's clone is the last one.
    });
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(ex)));
    assert!(dropped.is_ok(), "dropping the executor did not panic");
    drop(sleep); // its executor is gone: nothing left to remove
}
