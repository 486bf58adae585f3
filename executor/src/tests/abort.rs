//! `JoinHandle::abort`, detaching, and panicking tasks.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::{DropCount, Probe};
use crate::{run, spawn, yield_now, Executor, JoinHandle};

#[test]
fn abort_drops_a_pending_future_at_once_and_yields_cancelled() {
    let probe = Probe::default();
    let ex = Executor::new();
    let err = ex.block_on(async {
        let handle = spawn(probe.future());
        yield_now().await; // the task runs once and parks
        assert_eq!(probe.polls.get(), 1);
        handle.abort();
        assert_eq!(probe.drops.get(), 1, "dropped inside abort, not later");
        assert!(handle.is_finished());
        handle.abort(); // idempotent
        handle.await.unwrap_err()
    });
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!(probe.polls.get(), 1, "never polled after abort");
    assert_eq!(probe.drops.get(), 1);
    // The slot itself is freed by the abort too: nothing waits for the run loop's visit.
    assert_eq!(ex.live_tasks(), 0, "the slot was freed");
    ex.block_on(yield_now());
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn abort_before_the_first_poll_means_never_polled() {
    let probe = Probe::default();
    let ex = Executor::new();
    let handle = ex.spawn(probe.future());
    handle.abort(); // outside block_on: the slot is freed by the next run
    assert!(ex.block_on(handle).unwrap_err().is_cancelled());
    assert_eq!((probe.polls.get(), probe.drops.get()), (0, 1));
    ex.block_on(yield_now());
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn abort_after_completion_keeps_the_result() {
    let out = run(async {
        let handle = spawn(async { 5 });
        yield_now().await;
        assert!(handle.is_finished());
        handle.abort();
        handle.await
    });
    assert_eq!(out.unwrap(), 5);
}

#[test]
fn a_task_aborting_itself_is_cancelled_after_its_poll() {
    let drops = Rc::new(Cell::new(0));
    let seen_finished = Rc::new(Cell::new(None));
    let reached_end = Rc::new(Cell::new(false));
    let own: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
    let ex = Executor::new();
    ex.block_on({
        let (drops, seen, end, own) = (
            drops.clone(),
            seen_finished.clone(),
            reached_end.clone(),
            own.clone(),
        );
        async move {
            let handle = spawn({
                let own = own.clone();
                async move {
                    let _guard = DropCount(drops);
                    // The task owns its own handle: every call below meets a borrowed cell.
                    let me = own.borrow_mut().take().expect("main stored the handle");
                    seen.set(Some(me.is_finished()));
                    me.abort();
                    yield_now().await; // Pending: the abort takes effect right after this poll
                    end.set(true);
                }
            });
            *own.borrow_mut() = Some(handle);
            for _ in 0..3 {
                yield_now().await;
            }
        }
    });
    assert_eq!(
        seen_finished.get(),
        Some(false),
        "running counts as not finished"
    );
    assert_eq!(drops.get(), 1, "dropped exactly once");
    assert!(!reached_end.get(), "never polled after its self-abort");
    assert_eq!(ex.live_tasks(), 0);
}

#[test]
fn a_panicking_task_reports_the_panic_and_harms_nobody() {
    let out = run(async {
        let bad = spawn(async { panic!("task failed") });
        let good = spawn(async {
            yield_now().await;
            7
        });
        let err = bad.await.unwrap_err();
        assert!(err.is_panic() && !err.is_cancelled());
        assert_eq!(format!("{err:?}"), "JoinError::Panic(\"task failed\")");
        good.await.unwrap()
    });
    assert_eq!(out, 7);
}

#[test]
fn dropping_a_handle_detaches_the_task() {
    let done = Rc::new(Cell::new(false));
    run({
        let done = done.clone();
        async move {
            drop(spawn(async move {
                yield_now().await;
                done.set(true);
            }));
            yield_now().await;
            yield_now().await;
        }
    });
    assert!(done.get(), "the detached task ran to the end");
}
