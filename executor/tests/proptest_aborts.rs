//! Properties of aborts over random programs on the virtual clock: tasks sleeping random
//! durations, aborted at random virtual times. An aborted task is never polled again, its
//! future is dropped exactly once, its handle reports what happened first (completion or
//! abort), and nothing leaks once the executor is gone.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{config, duration, on_own_thread, within, WATCHDOG};
use executor::{now, sleep, sleep_until, spawn, Executor};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// What happened, in one global order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Event {
    Polled(usize),
    Done(usize),
    Aborted(usize),
}

#[derive(Default)]
struct Books {
    events: RefCell<Vec<Event>>,
    created: Cell<usize>,
    dropped: Cell<usize>,
    /// Drops per task (the tracked futures only).
    task_drops: RefCell<Vec<usize>>,
}

/// Wraps a task's future: logs each poll and counts its drop.
struct Tracked {
    id: usize,
    books: Rc<Books>,
    inner: Pin<Box<dyn Future<Output = usize>>>,
}

impl Future for Tracked {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.books.events.borrow_mut().push(Event::Polled(self.id));
        let out = self.inner.as_mut().poll(cx);
        if out.is_ready() {
            self.books.events.borrow_mut().push(Event::Done(self.id));
        }
        out
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.books.dropped.set(self.books.dropped.get() + 1);
        self.books.task_drops.borrow_mut()[self.id] += 1;
    }
}

/// A detached grandchild each task leaves behind: it counts its own creation and drop, so
/// "nothing leaks" also covers futures the aborted tasks had spawned.
struct Leftover {
    books: Rc<Books>,
}

impl Drop for Leftover {
    fn drop(&mut self) {
        self.books.dropped.set(self.books.dropped.get() + 1);
    }
}

fn tracked(id: usize, sleeps: Vec<u64>, books: Rc<Books>) -> Tracked {
    books.created.set(books.created.get() + 1);
    books.task_drops.borrow_mut().push(0);
    let inner_books = Rc::clone(&books);
    let inner = Box::pin(async move {
        let leftover = Leftover {
            books: Rc::clone(&inner_books),
        };
        inner_books.created.set(inner_books.created.get() + 1);
        // It may outlive the run: the executor's drop must take care of it.
        drop(spawn(async move {
            let _leftover = leftover;
            sleep(Duration::from_millis(45)).await;
        }));
        for d in sleeps {
            sleep(Duration::from_millis(d)).await;
        }
        id
    });
    Tracked { id, books, inner }
}

/// What one abort program left behind (all plain data, to cross the watchdog's thread).
struct AbortRun {
    events: Vec<Event>,
    /// Per task: `Ok(output)` or `Err(is_cancelled)`.
    results: Vec<Result<usize, bool>>,
    /// Per task: its future's drops when its handle reported an error (must be 1 then).
    drops_when_reported: Vec<Option<usize>>,
    task_drops: Vec<usize>,
    created: usize,
    dropped: usize,
}

/// Spawns one task per entry of `tasks`, aborts `aborts` (task, ms) in time order from the
/// `block_on` future, awaits every handle, then drops the executor.
fn run_aborts(tasks: &[Vec<u64>], aborts: &[(usize, u64)]) -> AbortRun {
    let books = Rc::new(Books::default());
    let ex = Executor::with_virtual_clock();
    let (results, drops_when_reported) = ex.block_on(async {
        let start = now();
        let handles: Vec<_> = tasks
            .iter()
            .enumerate()
            .map(|(id, sleeps)| spawn(tracked(id, sleeps.clone(), Rc::clone(&books))))
            .collect();
        for &(id, at) in aborts {
            sleep_until(start + Duration::from_millis(at)).await;
            books.events.borrow_mut().push(Event::Aborted(id));
            handles[id].abort();
        }
        let (mut results, mut drops) = (Vec::new(), Vec::new());
        for (id, h) in handles.into_iter().enumerate() {
            let result = within(WATCHDOG, h).await;
            drops.push(result.is_err().then(|| books.task_drops.borrow()[id]));
            results.push(result.map_err(|e| e.is_cancelled()));
        }
        (results, drops)
    });
    drop(ex);
    AbortRun {
        events: books.events.take(),
        results,
        drops_when_reported,
        task_drops: books.task_drops.take(),
        created: books.created.get(),
        dropped: books.dropped.get(),
    }
}

fn check_aborts(tasks: Vec<Vec<u64>>, aborts: Vec<(Index, u64)>) -> Result<(), TestCaseError> {
    let mut aborts: Vec<(usize, u64)> = aborts
        .into_iter()
        .map(|(i, t)| (i.index(tasks.len()), t))
        .collect();
    aborts.sort_by_key(|&(_, t)| t); // stable: equal times keep their generated order
    let run = on_own_thread(Duration::from_secs(10), move || run_aborts(&tasks, &aborts));
    let events = &run.events;
    for (id, result) in run.results.iter().enumerate() {
        let first_abort = events.iter().position(|e| *e == Event::Aborted(id));
        let done = events.iter().position(|e| *e == Event::Done(id));
        match (first_abort, done) {
            (None, d) => {
                prop_assert!(d.is_some(), "task {} never finished", id);
                prop_assert_eq!(result, &Ok(id));
            }
            (Some(a), Some(d)) if d < a => prop_assert_eq!(result, &Ok(id), "finished first"),
            (Some(a), d) => {
                prop_assert_eq!(d, None, "task {} completed after its abort", id);
                prop_assert_eq!(result, &Err(true), "task {}: cancelled", id);
                let late = events[a..].contains(&Event::Polled(id));
                prop_assert!(!late, "task {} polled after its abort: {:?}", id, events);
                // A handle that reports the abort means the future is already gone.
                prop_assert_eq!(run.drops_when_reported[id], Some(1), "task {}", id);
            }
        }
    }
    prop_assert!(
        run.task_drops.iter().all(|&n| n == 1),
        "{:?}",
        run.task_drops
    );
    prop_assert_eq!(run.dropped, run.created, "leaked futures");
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn aborted_tasks_never_run_again_and_nothing_leaks(
        tasks in prop::collection::vec(prop::collection::vec(duration(), 0..5), 1..6),
        aborts in prop::collection::vec((any::<Index>(), (0u64..9).prop_map(|n| n * 5)), 0..8),
    ) {
        check_aborts(tasks, aborts)?;
    }
}
