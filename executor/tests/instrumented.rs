//! Instrumented futures, in the style of async-task's tests: every future here counts how often
//! it is polled and dropped (`common::Probe`), so each test can say exactly what the executor
//! did to it.
//!
//! This file: polls, wakes, aborts, `JoinHandle`s and panics of single tasks. Teardown is in
//! `instrumented_teardown.rs`; wakes from outside (other threads, other executors, dead
//! executors, finished tasks) in `instrumented_remote_wakes.rs`.
//!
//! Ordering without sleeping: the tests use the virtual clock and `settle()` (a 1 ms virtual
//! sleep). The clock only moves once no task is ready, so when `settle()` returns every task
//! has been polled as far as it can go; `drive` turns a lost wake-up into a failure.

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use common::{drive, message, probe, settle, Act, CountingWaker};
use executor::{spawn, Executor};

#[test]
fn spawn_is_lazy_and_running_polls_once() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    assert_eq!(
        counts.polls(),
        0,
        "spawn must not poll: asyncio's create_task only schedules"
    );
    assert_eq!(drive(&ex, handle).expect("the task completes"), 1);
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
}

#[test]
fn many_wakes_before_a_poll_schedule_one_poll() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let _handle = ex.spawn(future);
    drive(&ex, async {
        settle().await;
        assert_eq!(counts.polls(), 1);
        let waker = counts.waker();
        let by_value = waker.clone(); // the consuming `wake` path, too
        for _ in 0..10 {
            waker.wake_by_ref();
        }
        by_value.wake();
        settle().await;
        assert_eq!(
            counts.polls(),
            2,
            "11 wakes before the task ran: exactly one more poll"
        );
        settle().await;
        assert_eq!(counts.polls(), 2, "no wake, no poll");
    });
}

#[test]
fn wake_during_own_poll_polls_again_once() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::WakeSelfOnce);
    let _handle = ex.spawn(future);
    drive(&ex, settle());
    assert_eq!(
        counts.polls(),
        2,
        "woken during its first poll: polled once more, then idle"
    );
}

#[test]
fn abort_before_first_poll_drops_without_polling() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    handle.abort();
    handle.abort(); // idempotent
    let err = drive(&ex, handle).expect_err("an aborted task yields an error");
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!((counts.polls(), counts.drops()), (0, 1));
}

#[test]
fn abort_of_pending_task_drops_it_and_it_is_never_polled_again() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let handle = ex.spawn(future);
    drive(&ex, async {
        settle().await;
        assert_eq!(counts.polls(), 1);
        let waker = counts.waker();
        waker.wake_by_ref(); // queued, then aborted before it runs
        handle.abort();
        handle.abort();
        let err = handle.await.expect_err("aborted");
        assert!(err.is_cancelled());
        assert_eq!(
            counts.drops(),
            1,
            "a cancelled handle means the future is gone"
        );
        waker.wake(); // a wake of an aborted task is harmless
        settle().await;
    });
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
}

#[test]
fn abort_from_inside_the_task_cancels_it_after_the_poll() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let own_handle: Rc<RefCell<Option<executor::JoinHandle<usize>>>> = Rc::default();
    let slot = Rc::clone(&own_handle);
    // The task aborts itself through its own handle in its first poll, then stays pending.
    let handle = ex.spawn(async move {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            let poll = future.as_mut().poll(cx);
            if let Some(me) = slot.borrow().as_ref() {
                me.abort();
            }
            poll
        })
        .await
    });
    *own_handle.borrow_mut() = Some(handle);
    drive(&ex, async {
        settle().await;
        counts.waker().wake(); // would poll it again, had it survived
        settle().await;
    });
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
    let handle = own_handle.borrow_mut().take().expect("still there");
    assert!(handle.is_finished());
    assert!(drive(&ex, handle).expect_err("aborted").is_cancelled());
}

#[test]
fn abort_after_completion_still_yields_ok() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    assert!(!handle.is_finished());
    drive(&ex, settle());
    assert!(handle.is_finished());
    handle.abort();
    handle.abort();
    assert_eq!(drive(&ex, handle).expect("finished before the abort"), 1);
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
}

#[test]
fn dropped_join_handle_detaches_the_task() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(2));
    drop(ex.spawn(future));
    drive(&ex, async {
        settle().await;
        counts.waker().wake();
        settle().await;
    });
    assert_eq!(
        counts.polls(),
        2,
        "the detached task kept running to completion"
    );
    assert_eq!(counts.drops(), 1, "and was dropped once when it completed");
}

#[test]
fn join_handle_wakes_its_awaiter_once_on_completion() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(2));
    let mut handle = ex.spawn(future);
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&wakes));
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut handle).poll(&mut cx).is_pending());
    drive(&ex, settle());
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        0,
        "the task is not done yet"
    );
    drive(&ex, async {
        counts.waker().wake();
        settle().await;
    });
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "completion wakes the awaiter once"
    );
    match Pin::new(&mut handle).poll(&mut cx) {
        Poll::Ready(Ok(2)) => {}
        other => panic!("expected Ready(Ok(2)), got ready = {}", other.is_ready()),
    }
}

#[test]
fn panicking_task_is_isolated_and_its_payload_is_kept() {
    let ex = Executor::with_virtual_clock();
    let (bad, bad_counts) = probe(Act::Panic("task exploded"));
    let (good, good_counts) = probe(Act::ReadyOn(2));
    let bad = ex.spawn(bad);
    let good = ex.spawn(good);
    let (bad, good) = drive(&ex, async {
        settle().await;
        good_counts.waker().wake(); // the other task still runs after the panic
        (bad.await, good.await)
    });
    assert_eq!(good.expect("the other task is unaffected"), 2);
    let err = bad.expect_err("a panic is an error");
    assert!(err.is_panic() && !err.is_cancelled());
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task exploded"));
    assert_eq!((bad_counts.polls(), bad_counts.drops()), (1, 1));
    // The executor survived: it still runs new work.
    assert_eq!(drive(&ex, ex.spawn(async { 7 })).expect("runs"), 7);
}

#[test]
fn formatted_panic_payload_is_a_string() {
    let ex = Executor::with_virtual_clock();
    let err = drive(
        &ex,
        ex.spawn(async {
            // A runtime argument: the compiler cannot fold the message into a `&'static str`.
            let code = std::hint::black_box(42);
            panic!("code {code}")
        }),
    )
    .expect_err("panicked");
    let payload = err.into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("code 42")
    );
}

#[test]
fn panic_in_block_on_future_propagates_and_the_thread_recovers() {
    let ex = Executor::with_virtual_clock();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        ex.block_on(async { panic!("root boom") })
    }))
    .expect_err("a panic in the block_on future reaches the caller");
    assert_eq!(message(&*caught), "root boom");
    // The thread is no longer "inside" an executor...
    assert!(catch_unwind(|| spawn(async {})).is_err());
    // ...and the executor, and a new one, still work.
    assert_eq!(ex.block_on(async { 1 }), 1);
    assert_eq!(Executor::new().block_on(async { 2 }), 2);
}
