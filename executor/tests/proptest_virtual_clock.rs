//! Properties of the virtual clock over random programs.
//!
//! 1. Random spawn trees of sleeping tasks (durations drawn from a small grid, so equal
//!    deadlines and zero sleeps are common): every sleep ends exactly at its deadline (the
//!    task's start plus its cumulative sleeps), timers with equal deadlines wake their tasks in
//!    the order they were set, and the run ends exactly at the latest deadline.
//! 2. Random aborts at random virtual times: an aborted task is never polled again, its future
//!    is dropped exactly once, its handle reports what happened first (completion or abort), and
//!    nothing leaks once the executor is gone.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use executor::{now, sleep, sleep_until, spawn, timeout, Executor};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// Runs one random program on its own thread and fails the case if it takes more than 10 s: a
/// lost wake-up or a clock that never reaches a deadline becomes a shrinkable failure, not a
/// hung test run.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let out = f();
        let _ = done.send(());
        out
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("the program hung for 10 s"),
        // Finished, or panicked (then `join` hands back its panic).
        _ => match worker.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        },
    }
}

/// proptest's default 256 cases (`PROPTEST_CASES` overrides) finish in well under a second
/// each in debug; shrinking is capped at 30 s of real time so a hanging case (each attempt
/// stopped by `within` after 10 s) cannot run for long.
fn config() -> ProptestConfig {
    ProptestConfig {
        max_shrink_time: 30_000,
        ..ProptestConfig::default()
    }
}

/// Awaits `future` with a virtual-time watchdog: after a lost wake-up nothing is ready, so the
/// clock jumps to the watchdog's deadline and the case fails at once (and shrinks quickly)
/// instead of parking until `within`'s real-time limit.
async fn watchdog<F: Future>(future: F) -> F::Output {
    let (start, limit) = (now(), Duration::from_secs(1_000_000 * 3600));
    let out = timeout(limit, future)
        .await
        .expect("lost wake-up: nothing was ready until the watchdog fired");
    // `timeout` polls the future first, so a future whose wake-up was lost is still found
    // ready when the watchdog's timer wakes it: catch that by the time it took.
    assert!(
        now() - start < limit,
        "lost wake-up: done only at the watchdog"
    );
    out
}

/// Sleep durations in ms: a coarse grid (many equal deadlines), zero included.
fn duration() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(5),
        Just(10),
        (0u64..4).prop_map(|n| n * 5),
        0u64..20
    ]
}

/// One task of a spawn tree: it sleeps `sleeps` in turn and spawns each child just before the
/// sleep numbered `at` (`at == sleeps.len()`: after its last sleep).
#[derive(Clone, Debug)]
struct Plan {
    sleeps: Vec<u64>,
    children: Vec<(usize, Plan)>,
}

fn plan() -> impl Strategy<Value = Plan> {
    let leaf = prop::collection::vec(duration(), 0..4).prop_map(|sleeps| Plan {
        sleeps,
        children: Vec::new(),
    });
    leaf.prop_recursive(3, 32, 3, |inner| {
        (
            prop::collection::vec(duration(), 0..4),
            prop::collection::vec((any::<Index>(), inner), 0..3),
        )
            .prop_map(|(sleeps, kids)| {
                let slots = sleeps.len() + 1;
                let children = kids.into_iter().map(|(i, p)| (i.index(slots), p)).collect();
                Plan { sleeps, children }
            })
    })
}

/// A task id (pre-order number in the forest) with its plan.
struct Node {
    id: usize,
    sleeps: Vec<u64>,
    children: Vec<(usize, Rc<Node>)>,
}

fn number(plan: &Plan, next: &mut usize) -> Rc<Node> {
    let id = *next;
    *next += 1;
    let children = plan
        .children
        .iter()
        .map(|(at, p)| (*at, number(p, next)))
        .collect();
    Rc::new(Node {
        id,
        sleeps: plan.sleeps.clone(),
        children,
    })
}

/// The model: the deadline (ms after the start) at which sleep `step` of task `id` must end.
fn expected_wakes(node: &Node, start: u64, out: &mut Vec<(usize, usize, u64)>) {
    let mut t = start;
    for step in 0..=node.sleeps.len() {
        for (_, child) in node.children.iter().filter(|(at, _)| *at == step) {
            expected_wakes(child, t, out);
        }
        if let Some(d) = node.sleeps.get(step) {
            t += d;
            out.push((node.id, step, t));
        }
    }
}

/// One wake-up as the task saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Wake {
    id: usize,
    step: usize,
    /// `now() - start` when the task resumed.
    at: Duration,
    /// Global order in which the timers were set (the sleep is created and first polled
    /// right after this number is taken, in the same poll).
    set: usize,
    duration: u64,
}

struct Run {
    start: Instant,
    next_set: Cell<usize>,
    log: RefCell<Vec<Wake>>,
}

fn task(node: Rc<Node>, run: Rc<Run>) -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async move {
        let mut children = Vec::new();
        for step in 0..=node.sleeps.len() {
            for (_, child) in node.children.iter().filter(|(at, _)| *at == step) {
                children.push(spawn(task(Rc::clone(child), Rc::clone(&run))));
            }
            if let Some(&d) = node.sleeps.get(step) {
                let set = run.next_set.replace(run.next_set.get() + 1);
                sleep(Duration::from_millis(d)).await;
                let at = now() - run.start;
                let wake = Wake {
                    id: node.id,
                    step,
                    at,
                    set,
                    duration: d,
                };
                run.log.borrow_mut().push(wake);
            }
        }
        for child in children {
            child.await.expect("no task panics");
        }
    })
}

/// Runs `forest` on a fresh virtual-clock executor; returns the model's wake-ups
/// (task, step, ms), the log, and the run's total virtual time.
fn run_forest(forest: &[Plan]) -> (Vec<(usize, usize, u64)>, Vec<Wake>, Duration) {
    let mut next = 0;
    let roots: Vec<Rc<Node>> = forest.iter().map(|p| number(p, &mut next)).collect();
    let mut model = Vec::new();
    for root in &roots {
        expected_wakes(root, 0, &mut model);
    }
    let ex = Executor::with_virtual_clock();
    let (log, total) = ex.block_on(async {
        let run = Rc::new(Run {
            start: now(),
            next_set: Cell::new(0),
            log: RefCell::default(),
        });
        let handles: Vec<_> = roots
            .iter()
            .map(|r| spawn(task(Rc::clone(r), Rc::clone(&run))))
            .collect();
        for h in handles {
            watchdog(h).await.expect("no task panics");
        }
        (run.log.take(), now() - run.start)
    });
    (model, log, total)
}

fn check_forest(forest: Vec<Plan>) -> Result<(), TestCaseError> {
    let (mut model, log, total) = within(move || run_forest(&forest));
    // Every sleep ended exactly at its deadline, once.
    let mut seen: Vec<(usize, usize, u64)> = log
        .iter()
        .map(|w| (w.id, w.step, u64::try_from(w.at.as_millis()).unwrap()))
        .collect();
    seen.sort_unstable();
    model.sort_unstable();
    prop_assert_eq!(&seen, &model);
    for w in &log {
        prop_assert_eq!(w.at.as_nanos() % 1_000_000, 0, "not a whole ms: {:?}", w);
    }
    // The clock never ran backwards.
    prop_assert!(log.windows(2).all(|p| p[0].at <= p[1].at), "log: {:?}", log);
    // Timers pending when the clock reached their deadline woke their tasks in
    // (deadline, set) order. A zero sleep is set and due in the same instant (it completes
    // without yielding), so it may resume before a task woken earlier in that tick runs; it is
    // left out of the ordering check (its exactness is checked above).
    let timed: Vec<Wake> = log.iter().copied().filter(|w| w.duration > 0).collect();
    let mut sorted = timed.clone();
    sorted.sort_by_key(|w| (w.at, w.set));
    prop_assert_eq!(timed, sorted);
    // The run ended at the latest deadline.
    let latest = model.iter().map(|&(_, _, t)| t).max().unwrap_or(0);
    prop_assert_eq!(total, Duration::from_millis(latest));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn spawn_trees_wake_exactly_and_in_deadline_then_set_order(
        forest in prop::collection::vec(plan(), 1..5)
    ) {
        check_forest(forest)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Aborts.

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
            let result = watchdog(h).await;
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
    let run = within(move || run_aborts(&tasks, &aborts));
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
