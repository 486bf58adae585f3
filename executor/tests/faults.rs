//! Faults and misuse the executor must survive with a clear outcome: a `block_on` that ends in
//! its first tick still fires due timers and runs wakes from other threads; a combinator polled
//! after it completed panics saying so; a foreign waker that panics when its timer fires
//! propagates out of `block_on` and leaves the executor usable; a `Drop` may run another
//! executor while this one tears down; misuse panics say what was done and what to do instead.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use common::{message, ms, probe, Act, CountingWaker};
use executor::{gather, join, now, run, sleep, spawn, yield_now, Executor};

fn panic_text<T>(f: impl FnOnce() -> T) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => message(&*payload),
    }
}

#[test]
fn a_block_on_that_ends_in_its_first_tick_runs_tasks_woken_from_other_threads() {
    let ex = Executor::new();
    let (future, counts) = probe(Act::ReadyOn(2));
    let handle = ex.spawn(future);
    ex.block_on(yield_now()); // one turn: the task is polled once and hands its waker out
    assert_eq!(counts.polls(), 1);
    let waker = counts.waker();
    std::thread::spawn(move || waker.wake()).join().unwrap();
    // The wake is in the injector before this call starts: its first tick must drain it, so
    // main's `yield_now` lets the woken task run once, as it promises.
    ex.block_on(yield_now());
    assert_eq!(counts.polls(), 2);
    assert!(handle.is_finished());
}

#[test]
fn a_block_on_that_ends_in_its_first_tick_fires_due_timers() {
    let ex = Executor::new();
    // The timer is set in the task's first poll, `ms(50)` after that poll (so never already
    // due), and that `block_on` returns right after the poll — main is woken by it — with no
    // timer check in between: the timer is set and has not fired, however slow the thread.
    let main_waker: Rc<Cell<Option<Waker>>> = Rc::default();
    let registered = Rc::new(Cell::new(false));
    let handle = ex.spawn({
        let (main_waker, registered) = (main_waker.clone(), registered.clone());
        async move {
            let mut timer = pin!(sleep(ms(50)));
            std::future::poll_fn(|cx| {
                let poll = timer.as_mut().poll(cx);
                registered.set(true);
                if let Some(main) = main_waker.take() {
                    main.wake();
                }
                poll
            })
            .await
        }
    });
    ex.block_on(std::future::poll_fn(|cx| {
        if registered.get() {
            return Poll::Ready(());
        }
        main_waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }));
    // The deadline was set before this instant, so it is at most 50 ms after it.
    let past_the_deadline = Instant::now() + ms(50);
    assert!(!handle.is_finished(), "the timer is set, not due yet");
    // Let real time pass the deadline (no ordering depends on how long this takes).
    while Instant::now() < past_the_deadline {
        std::thread::yield_now();
    }
    // Due before this call starts: asyncio's `_run_once` moves due timers onto the ready
    // queue before it runs that queue, so the task runs within main's one turn.
    ex.block_on(yield_now());
    assert!(handle.is_finished());
}

#[test]
fn join_polled_after_it_completed_panics_like_gather() {
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    let mut cx = Context::from_waker(&waker);
    let mut both = join(async { 1 }, async { 2 });
    assert_eq!(Pin::new(&mut both).poll(&mut cx), Poll::Ready((1, 2)));
    let m = panic_text(|| Pin::new(&mut both).poll(&mut cx));
    assert!(m.contains("`Join` polled after it completed"), "{m:?}");

    let mut all = gather([1, 2].map(std::future::ready));
    assert_eq!(Pin::new(&mut all).poll(&mut cx), Poll::Ready(vec![1, 2]));
    let m = panic_text(|| Pin::new(&mut all).poll(&mut cx));
    assert!(m.contains("`Gather` polled after it completed"), "{m:?}");

    // Also with no children at all: there is no child left to notice.
    let mut none = gather(Vec::<std::future::Ready<u8>>::new());
    assert_eq!(Pin::new(&mut none).poll(&mut cx), Poll::Ready(vec![]));
    let m = panic_text(|| Pin::new(&mut none).poll(&mut cx));
    assert!(m.contains("`Gather` polled after it completed"), "{m:?}");
}

struct PanickingWaker;
impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this foreign waker panics");
    }
}

#[test]
fn a_foreign_waker_panicking_in_a_timer_propagates_and_the_executor_goes_on() {
    let ex = Executor::with_virtual_clock();
    let t0 = ex.block_on(async { now() });
    let other = ex.spawn(async {
        sleep(ms(20)).await;
        now()
    });
    let m = panic_text(|| {
        ex.block_on(async {
            let foreign = Waker::from(Arc::new(PanickingWaker));
            let mut early = pin!(sleep(ms(10)));
            let polled = early.as_mut().poll(&mut Context::from_waker(&foreign));
            assert!(
                polled.is_pending(),
                "its timer is set, with the foreign waker"
            );
            sleep(ms(15)).await; // the 10 ms timer fires first and calls the foreign wake
            unreachable!("the foreign wake panicked at 10 ms")
        })
    });
    assert_eq!(m, "this foreign waker panics");
    // The timer entry was removed before the wake; the other task goes on as if nothing
    // happened, and so does a fresh `block_on`.
    let done_at = ex.block_on(other).unwrap();
    assert_eq!(done_at - t0, ms(20));
    assert_eq!(
        ex.block_on(async {
            sleep(ms(5)).await;
            now() - t0
        }),
        ms(25)
    );
}

/// Runs a cleanup on an executor of its own when dropped, and records what happened.
struct CleanupOnDrop {
    outcome: Rc<Cell<Option<Result<u32, String>>>>,
}

impl Drop for CleanupOnDrop {
    fn drop(&mut self) {
        let cleanup = catch_unwind(|| run(async { spawn(async { 40 }).await.unwrap() + 2 }));
        self.outcome
            .set(Some(cleanup.map_err(|payload| message(&*payload))));
    }
}

#[test]
fn a_drop_may_run_another_executor_while_this_one_tears_down() {
    let outcome = Rc::new(Cell::new(None));
    let ex = Executor::new();
    let guard = CleanupOnDrop {
        outcome: outcome.clone(),
    };
    drop(ex.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    }));
    ex.block_on(yield_now()); // the task runs once and waits forever
    drop(ex); // tearing down: not running, and never again
    assert_eq!(outcome.take(), Some(Ok(42)), "the cleanup ran");

    // The same from `run`'s teardown.
    let guard = CleanupOnDrop {
        outcome: outcome.clone(),
    };
    run(async move {
        drop(spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
        yield_now().await;
    });
    assert_eq!(outcome.take(), Some(Ok(42)), "the cleanup ran");
}

#[test]
fn a_drop_may_not_run_an_executor_while_another_one_is_running() {
    // An executor torn down *inside a task* of a running one: the running one is still on the
    // stack, so a nested `run` would stall it — that still panics.
    let outcome = Rc::new(Cell::new(None));
    let inner = Executor::new();
    let guard = CleanupOnDrop {
        outcome: outcome.clone(),
    };
    drop(inner.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    }));
    inner.block_on(yield_now());
    run(async move { spawn(async move { drop(inner) }).await.unwrap() });
    match outcome.take() {
        Some(Err(m)) => assert!(m.contains("already running"), "{m:?}"),
        other => panic!("expected the nested run to panic, got {other:?}"),
    }
}

#[test]
fn misuse_panics_say_what_was_done_and_what_to_do() {
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    let m = panic_text(|| {
        let mut sleep = pin!(sleep(ms(1)));
        let _ = sleep.as_mut().poll(&mut Context::from_waker(&waker));
    });
    assert!(
        m.starts_with("a `Sleep` was polled outside an executor") && m.contains("instead"),
        "{m:?}"
    );
    let m = panic_text(|| drop(spawn(async {})));
    assert!(
        m.starts_with("`executor::spawn` was called outside an executor") && m.contains("instead"),
        "{m:?}"
    );
    let m = panic_text(now);
    assert!(
        m.starts_with("`executor::now` was called outside an executor") && m.contains("instead"),
        "{m:?}"
    );
    let m = panic_text(|| Executor::new().block_on(async { run(async {}) }));
    assert!(m.contains("instead"), "{m:?}");
}

/// A gather re-polled with another waker replaces the parent waker it stored; the old one's
/// `Drop` is user code and may wake a child of the same gather, which takes the gather's lock:
/// so the old waker must be dropped after the lock is released (dropped under it, this
/// deadlocks — the watchdog turns that into a failure).
#[test]
fn a_gathers_replaced_parent_waker_is_dropped_outside_its_lock() {
    type Slot = Arc<std::sync::Mutex<Option<Waker>>>;
    struct WakesOnDrop(Slot);
    impl Wake for WakesOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for WakesOnDrop {
        fn drop(&mut self) {
            let child = self.0.lock().unwrap().take();
            child.expect("the child stored its waker").wake();
        }
    }
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let slot = Slot::default();
        let child = {
            let slot = slot.clone();
            std::future::poll_fn(move |cx| {
                *slot.lock().unwrap() = Some(cx.waker().clone());
                Poll::<()>::Pending
            })
        };
        let mut gathered = pin!(gather([child]));
        let first = Waker::from(Arc::new(WakesOnDrop(slot)));
        assert!(gathered
            .as_mut()
            .poll(&mut Context::from_waker(&first))
            .is_pending());
        drop(first); // the gather holds the last clone now
        let second = Waker::from(Arc::new(Noop));
        assert!(gathered
            .as_mut()
            .poll(&mut Context::from_waker(&second))
            .is_pending());
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("dropping the replaced parent waker deadlocked on the gather's lock");
}
