//! Misusing the executor gives a clear panic, never a hang: `spawn`, `now` or a `Sleep` outside
//! an executor, and `block_on` (or `run`) nested inside one.

mod common;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Wake, Waker};

use common::{message, ms, within, REAL_LIMIT};
use executor::{now, run, sleep, spawn, Executor};

fn panic_message<T>(f: impl FnOnce() -> T) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => message(&*payload),
    }
}

fn says_executor(message: &str) -> bool {
    message.to_lowercase().contains("executor")
}

#[test]
fn spawn_and_now_outside_an_executor_panic_with_a_message() {
    let m = panic_message(|| drop(spawn(async {})));
    assert!(says_executor(&m), "spawn outside an executor: {m:?}");
    let m = panic_message(now);
    assert!(says_executor(&m), "now outside an executor: {m:?}");
    // Also after an executor ran on this thread and returned.
    Executor::new().block_on(async {});
    let m = panic_message(|| drop(spawn(async {})));
    assert!(says_executor(&m), "spawn after block_on returned: {m:?}");
}

struct NoopWaker;
impl Wake for NoopWaker {
    fn wake(self: std::sync::Arc<Self>) {}
}

#[test]
fn polling_a_sleep_outside_an_executor_panics_with_a_message() {
    let m = panic_message(|| {
        let waker = Waker::from(std::sync::Arc::new(NoopWaker));
        let mut sleep = Box::pin(sleep(ms(1)));
        let _ = sleep.as_mut().poll(&mut Context::from_waker(&waker));
    });
    assert!(
        says_executor(&m),
        "polling a Sleep outside an executor: {m:?}"
    );
}

#[test]
fn block_on_inside_a_task_panics_instead_of_deadlocking() {
    let ex = Executor::new();
    let nested = ex.spawn(async { Executor::new().block_on(async { 1 }) });
    let err = ex
        .block_on(within(REAL_LIMIT, nested))
        .expect_err("nested block_on must panic");
    assert!(err.is_panic());
    let m = message(&*err.into_panic());
    assert!(
        m.contains("block_on") || says_executor(&m),
        "unclear message: {m:?}"
    );
    // `run` is block_on too; and inside the block_on future itself as well.
    let nested_run = ex.spawn(async { run(async { 2 }) });
    assert!(ex
        .block_on(within(REAL_LIMIT, nested_run))
        .expect_err("nested run must panic")
        .is_panic());
    let m = panic_message(|| ex.block_on(async { Executor::new().block_on(async { 3 }) }));
    assert!(
        m.contains("block_on") || says_executor(&m),
        "unclear message: {m:?}"
    );
    // The executor is still usable afterwards.
    assert_eq!(ex.block_on(async { 4 }), 4);
}
