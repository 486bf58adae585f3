//! Entering and leaving executors: misuse panics, panics in main, shutdown, re-entrant drops,
//! wakes after the executor is gone.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};

use super::{panic_message, DropCount, Probe};
use crate::{now, run, sleep, spawn, yield_now, Executor, JoinHandle};

#[test]
fn block_on_inside_a_task_panics_with_a_clear_message() {
    let err = run(async { spawn(async { Executor::new().block_on(async {}) }).await }).unwrap_err();
    let message = panic_message(&*err.into_panic());
    assert!(message.contains("already running"), "{message}");
}

#[test]
fn block_on_inside_block_on_panics_and_the_outer_one_survives() {
    let ex = Executor::new();
    let out = ex.block_on(async {
        let inner = catch_unwind(AssertUnwindSafe(|| run(async { 1 })));
        assert!(inner.is_err());
        spawn(async { 2 }).await.unwrap() // the outer executor still works
    });
    assert_eq!(out, 2);
}

#[test]
fn free_functions_outside_an_executor_panic_saying_so() {
    for (what, attempt) in [
        ("spawn", Box::new(|| drop(spawn(async {}))) as Box<dyn Fn()>),
        (
            "now",
            Box::new(|| {
                let _ = now();
            }),
        ),
        (
            "Sleep",
            Box::new(|| {
                let waker = crate::waker::noop_waker();
                let mut cx = Context::from_waker(&waker);
                let _ = std::pin::pin!(sleep(std::time::Duration::ZERO)).poll(&mut cx);
            }),
        ),
    ] {
        let payload = catch_unwind(AssertUnwindSafe(attempt)).unwrap_err();
        let message = panic_message(&*payload);
        assert!(message.contains("outside an executor"), "{what}: {message}");
    }
}

use std::future::Future;

#[test]
fn a_panic_in_main_propagates_and_leaves_the_executor_usable() {
    let ex = Executor::new();
    let task = ex.spawn(async { 3 });
    let caught = catch_unwind(AssertUnwindSafe(|| {
        ex.block_on(async { panic!("main failed") })
    }));
    assert_eq!(panic_message(&*caught.unwrap_err()), "main failed");
    assert!(catch_unwind(now).is_err(), "the context was left on unwind");
    assert_eq!(ex.block_on(task).unwrap(), 3);
}

#[test]
fn run_drops_every_pending_task_before_returning() {
    let probe = Probe::default();
    let handle_out: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
    run({
        let (probe, handle_out) = (probe.clone(), handle_out.clone());
        async move {
            *handle_out.borrow_mut() = Some(spawn(probe.future()));
            yield_now().await;
        }
    });
    assert_eq!((probe.polls.get(), probe.drops.get()), (1, 1));
    let handle = handle_out.borrow_mut().take().unwrap();
    assert!(handle.is_finished());
    // Awaiting it needs an executor; any one will do, the result is already there.
    assert!(Executor::new().block_on(handle).unwrap_err().is_cancelled());
}

/// A future whose `Drop` uses the executor: spawns, wakes a sibling, aborts and drops handles.
struct Troublemaker {
    sibling: Probe,
    sibling_handle: Option<JoinHandle<()>>,
    spawned_in_drop: Rc<RefCell<Option<JoinHandle<u8>>>>,
    _drops: DropCount,
}

impl Future for Troublemaker {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for Troublemaker {
    fn drop(&mut self) {
        *self.spawned_in_drop.borrow_mut() = Some(spawn(async { 1 }));
        self.sibling.wake();
        if let Some(handle) = self.sibling_handle.take() {
            handle.abort();
            drop(handle);
        }
        let _ = now();
    }
}

#[test]
fn dropping_an_executor_survives_futures_whose_drop_reenters_it() {
    let sibling = Probe::default();
    let drops = Rc::new(Cell::new(0));
    let spawned_in_drop = Rc::default();
    let ex = Executor::new();
    let sibling_handle = ex.spawn(sibling.future());
    ex.block_on(yield_now()); // the sibling runs and hands out its waker
    let trouble = ex.spawn(Troublemaker {
        sibling: sibling.clone(),
        sibling_handle: Some(sibling_handle),
        spawned_in_drop: Rc::clone(&spawned_in_drop),
        _drops: DropCount(drops.clone()),
    });
    ex.block_on(yield_now());
    drop(ex);
    assert_eq!(drops.get(), 1);
    assert_eq!(sibling.drops.get(), 1);
    let late: JoinHandle<u8> = spawned_in_drop.borrow_mut().take().unwrap();
    let ex = Executor::new();
    assert!(
        ex.block_on(late).unwrap_err().is_cancelled(),
        "spawn during shutdown: cancelled"
    );
    assert!(ex.block_on(trouble).unwrap_err().is_cancelled());
}

#[test]
fn a_wake_after_the_executor_is_gone_is_harmless() {
    let probe = Probe::default();
    let ex = Executor::new();
    drop(ex.spawn(probe.future()));
    ex.block_on(yield_now());
    drop(ex);
    let waker = probe.waker.lock().unwrap().clone().unwrap();
    for _ in 0..1000 {
        waker.wake_by_ref();
    }
    std::thread::spawn(move || waker.wake()).join().unwrap();
    assert_eq!(probe.drops.get(), 1);
}

#[test]
fn a_parked_block_on_is_woken_from_another_thread() {
    // The main future gives its waker to a thread and waits for the thread's flag. No timer is
    // set, so the executor can only park: the test ends only if the wake reaches the parker.
    let (tx, rx) = mpsc::channel::<Waker>();
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let thread = std::thread::spawn({
        let flag = flag.clone();
        move || {
            let waker = rx.recv().unwrap();
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            waker.wake();
        }
    });
    let mut sent = false;
    let polls = Cell::new(0);
    Executor::with_virtual_clock().block_on(std::future::poll_fn(|cx| {
        polls.set(polls.get() + 1);
        if flag.load(std::sync::atomic::Ordering::SeqCst) {
            return Poll::Ready(());
        }
        if !sent {
            tx.send(cx.waker().clone()).unwrap();
            sent = true;
        }
        Poll::Pending
    }));
    thread.join().unwrap();
    assert!(polls.get() >= 2);
}

#[test]
fn a_task_woken_from_another_thread_runs_again() {
    let (tx, rx) = mpsc::channel::<Waker>();
    let thread = std::thread::spawn(move || rx.recv().unwrap().wake());
    let ex = Executor::new();
    let task = ex.spawn(async move {
        let mut tx = Some(tx);
        std::future::poll_fn(move |cx| match tx.take() {
            Some(tx) => {
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            }
            None => Poll::Ready(9),
        })
        .await
    });
    assert_eq!(ex.block_on(task).unwrap(), 9);
    thread.join().unwrap();
}

#[test]
fn tasks_spawned_before_block_on_persist_across_calls() {
    let ex = Executor::with_virtual_clock();
    let counter = Rc::new(Cell::new(0));
    let task = ex.spawn({
        let counter = counter.clone();
        async move {
            loop {
                counter.set(counter.get() + 1);
                sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    });
    ex.block_on(sleep(std::time::Duration::from_millis(2500)));
    assert_eq!(counter.get(), 3, "ran at t = 0, 1, 2");
    ex.block_on(sleep(std::time::Duration::from_secs(1)));
    assert_eq!(counter.get(), 4, "continued in the second block_on");
    task.abort();
    assert_eq!(
        ex.pending_timers(),
        0,
        "the aborted task's Sleep removed its timer"
    );
}

/// A handle outliving its executor reads what the task left: the output of a task that
/// finished before the teardown, "cancelled" for one the teardown ended. The outcomes live in
/// the join table, which the handles share with the executor (`join_table.rs`).
#[test]
fn a_handle_outliving_its_executor_reads_the_output_left_for_it() {
    let ex = Executor::new();
    let done = ex.spawn(async { String::from("kept") });
    let unfinished = ex.spawn(std::future::pending::<u8>());
    ex.block_on(yield_now());
    assert!(done.is_finished() && !unfinished.is_finished());
    drop(ex);
    assert!(unfinished.is_finished());
    let other = Executor::new();
    assert_eq!(other.block_on(done).unwrap(), "kept");
    assert!(other.block_on(unfinished).unwrap_err().is_cancelled());
}

/// A detached task leaves nothing behind when it ends: its output is dropped at once (through
/// the drop queue), and the join table keeps no entry for it.
#[test]
fn a_detached_task_leaves_nothing_behind() {
    let dropped = Rc::new(Cell::new(false));
    let ex = Executor::new();
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    drop(ex.spawn({
        let dropped = Rc::clone(&dropped);
        async move { Flag(dropped) }
    }));
    ex.block_on(yield_now());
    assert!(
        dropped.get(),
        "the unread output is dropped when the task ends"
    );
    assert_eq!(ex.live_tasks(), 0);
    assert!(ex.join_table_is_empty());
}

#[test]
fn the_join_table_gives_its_memory_back_once_a_burst_of_handles_is_read() {
    const BURST: u64 = 10_000;
    let ex = Executor::new();
    let total = ex.block_on(async {
        let handles: Vec<_> = (0..BURST).map(|i| spawn(async move { i })).collect();
        yield_now().await; // every task finished: BURST unread outcomes in the table
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        total
    });
    assert_eq!(total, BURST * (BURST - 1) / 2);
    assert!(ex.join_table_is_empty());
    assert!(
        ex.join_table_capacity() <= 128,
        "the table kept room for {} entries after every handle was read",
        ex.join_table_capacity()
    );
}

/// A slot is retired before its generation wraps: otherwise, after 2³² tasks in one slot, a new
/// task would get the id of an old one whose outcome still waits for its handle, and the two
/// handles would get each other's outcome (or panic on the type) and hang.
#[test]
fn a_slot_is_never_reused_under_an_id_it_gave_before() {
    let ex = Executor::new();
    let old: JoinHandle<u64> = ex.spawn(async { 1 });
    ex.run_until_stalled(); // finished, unread: its outcome waits under its id
    ex.age_free_slots(); // as if the slot had served 2³² - 1 tasks since
    let last = ex.spawn(async { "last" });
    ex.run_until_stalled();
    let new: JoinHandle<String> = ex.spawn(async { String::from("new") });
    ex.run_until_stalled();
    assert_eq!(ex.block_on(last).unwrap(), "last");
    assert_eq!(ex.block_on(new).unwrap(), "new");
    assert_eq!(ex.block_on(old).unwrap(), 1);
}
