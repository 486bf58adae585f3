//! Teardown with instrumented futures: dropping an executor, or returning from `run`, drops
//! every pending task's future exactly once — also when those drops wake tasks or spawn new
//! ones — and a `JoinHandle` that outlives its executor reports the cancellation.
//!
//! Ordering without sleeping: the virtual clock and `settle()` (see `common`), or yielding
//! under a real-clock timeout for `run`.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{drive, probe, settle, Act, CountingWaker, Probe};
use executor::{run, spawn, timeout, Executor};

#[test]
fn dropping_the_executor_drops_pending_futures_once() {
    let ex = Executor::with_virtual_clock();
    let polled: Vec<_> = (0..3)
        .map(|_| {
            let (future, counts) = probe(Act::Pending);
            drop(ex.spawn(future));
            counts
        })
        .collect();
    let (never_polled, never_counts) = probe(Act::Pending);
    drive(&ex, settle());
    let kept = ex.spawn(never_polled); // spawned, never run
    for counts in &polled {
        assert_eq!((counts.polls(), counts.drops()), (1, 0));
    }
    drop(ex);
    for counts in polled.iter().chain([&never_counts]) {
        assert_eq!(counts.drops(), 1);
    }
    assert_eq!(never_counts.polls(), 0);
    // A handle that outlives its executor reports the cancellation at once.
    let mut kept = kept;
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    match Pin::new(&mut kept).poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
        Poll::Ready(Ok(_)) => panic!("a never-run task cannot have an output"),
        Poll::Pending => panic!("the executor is gone: the handle must not wait forever"),
    }
}

#[test]
fn run_drops_pending_tasks_before_returning() {
    let (future, counts) = probe(Act::Pending);
    let counts_inside = Rc::clone(&counts);
    run(async move {
        drop(spawn(future));
        assert_eq!(
            counts_inside.drops(),
            0,
            "still pending while run's future runs"
        );
    });
    assert_eq!(
        counts.drops(),
        1,
        "run dropped the pending task before returning"
    );
}

/// A future that, when dropped, wakes every waker in its list (a neighbour's, its own...).
struct WakeOnDrop {
    wakers: Rc<RefCell<Vec<Waker>>>,
    drops: Rc<Cell<usize>>,
}

impl Future for WakeOnDrop {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
        for waker in self.wakers.borrow().iter() {
            waker.wake_by_ref();
        }
    }
}

/// Spawns four tasks sharing one waker list: each, when dropped, wakes all four (whether they
/// are already dropped or not) and counts its drop in `drops`.
/// Returns the shared list, which holds four wakers once every task has been polled.
fn spawn_wake_on_drop_tasks(
    drops: &Rc<Cell<usize>>,
    spawn_one: impl Fn(WakeOnDrop),
) -> Rc<RefCell<Vec<Waker>>> {
    let wakers = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..4 {
        spawn_one(WakeOnDrop {
            wakers: Rc::clone(&wakers),
            drops: Rc::clone(drops),
        });
    }
    wakers
}

#[test]
fn a_drop_that_wakes_during_executor_teardown_is_harmless() {
    let ex = Executor::with_virtual_clock();
    let drops = Rc::new(Cell::new(0));
    let wakers = spawn_wake_on_drop_tasks(&drops, |f| drop(ex.spawn(f)));
    drive(&ex, settle());
    assert_eq!(wakers.borrow().len(), 4, "every task registered its waker");
    drop(ex);
    assert_eq!(drops.get(), 4);
}

#[test]
fn a_drop_that_wakes_during_run_teardown_is_harmless() {
    let drops = Rc::new(Cell::new(0));
    let drops_inside = Rc::clone(&drops);
    run(async move {
        let wakers = spawn_wake_on_drop_tasks(&drops_inside, |f| drop(spawn(f)));
        // `run` has the real clock: wait (by yielding, in a task, so fairness lets the
        // others run) until all four have been polled and registered their wakers.
        let sentinel = spawn(async move {
            for _ in 0..1000 {
                if wakers.borrow().len() == 4 {
                    return;
                }
                executor::yield_now().await;
            }
            panic!("the wake-on-drop tasks were never polled");
        });
        // Real clock: a lost wake-up fails after 10 s instead of hanging.
        timeout(Duration::from_secs(10), sentinel)
            .await
            .expect("lost wake-up")
            .expect("every task registered its waker");
        assert_eq!(drops_inside.get(), 0);
    });
    assert_eq!(drops.get(), 4);
}

/// A future whose `Drop` spawns a new task (carrying its own instrumented future).
struct SpawnOnDrop {
    child: Option<Probe>,
}

impl Future for SpawnOnDrop {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            drop(spawn(child));
        }
    }
}

#[test]
fn a_drop_that_spawns_during_run_teardown_is_harmless_and_leaks_nothing() {
    let (child, child_counts) = probe(Act::Pending);
    run(async move {
        drop(spawn(SpawnOnDrop { child: Some(child) }));
    });
    assert_eq!(
        child_counts.drops(),
        1,
        "the task spawned during teardown was dropped too"
    );
}
