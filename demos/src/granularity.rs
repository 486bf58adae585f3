//! Experiment 3 — the article says asyncio is "more fine-grained" than threads. What does one
//! switch from one piece of work to another cost?
//!
//! - **executor, yield**: one task calls `yield_now()` over and over: the smallest step through
//!   the run queue;
//! - **executor, wake ping-pong**: two tasks pass a baton; each pass wakes the other task's
//!   `Waker` and parks this one — a task switch driven by a wake, as with real I/O;
//! - **queue, ping-pong (capacity 1)**: two threads pass an item back and forth through two
//!   queues: each hand-off wakes a blocked OS thread — a thread switch through the kernel;
//! - **queue, stream (capacity 1)**: one thread puts, another gets, one item at a time;
//! - **queue, stream + `get_batch`**: the same with capacity 64 and a consumer that takes up to
//!   64 items per lock acquisition — how a lock-based queue amortizes its switches.
//!
//! With Python present, `demos/python/granularity.py` times the same kinds of switch in
//! CPython: `await asyncio.sleep(0)` in one task, two tasks passing a baton through two
//! `asyncio.Event`s, and two threads passing an item through two `queue.Queue(maxsize=1)`.

use std::cell::{Cell as StdCell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use queue::Queue;

use crate::budget::Budget;
use crate::progress::Progress;
use crate::python::{self, Python};
use crate::report::{Cell, Language, Table};
use crate::verdict::Judged;

/// One measured way of switching.
#[derive(Clone, Debug)]
pub struct Row {
    /// The language the switch was measured in.
    pub language: Language,
    /// `executor` or `queue` (Rust); `asyncio` or `queue.Queue` (Python).
    pub contender: String,
    /// The operation, as the table names it (the verdict looks for "ping-pong" in it).
    pub what: String,
    /// Operations timed in the final run.
    pub ops: u64,
    /// The fastest of the three timed runs, per operation.
    pub ns_per_op: f64,
}

/// The ways of switching, as (contender, description, function running `n` operations).
type Case = (&'static str, &'static str, fn(u64));

const CASES: [Case; 5] = [
    ("executor", "yield_now, one task", executor_yields),
    ("executor", "wake ping-pong, two tasks", executor_ping_pong),
    (
        "queue",
        "ping-pong, two threads, capacity 1",
        queue_ping_pong,
    ),
    ("queue", "stream, capacity 1, get", |n| {
        queue_stream(n, 1, 1)
    }),
    ("queue", "stream, capacity 64, get_batch(64)", |n| {
        queue_stream(n, 64, 64)
    }),
];

/// Runs every case for about `target` each and reports nanoseconds per operation.
pub fn granularity(target: Duration) -> Vec<Row> {
    let mut progress = Progress::new("granularity", CASES.len());
    let rows = CASES
        .iter()
        .map(|&(contender, what, run)| {
            progress.start(what);
            let (ops, elapsed) = calibrated(target, run);
            progress.step_done();
            Row {
                language: Language::Rust,
                contender: contender.into(),
                what: what.into(),
                ops,
                ns_per_op: elapsed.as_nanos() as f64 / ops as f64,
            }
        })
        .collect();
    progress.finish();
    rows
}

/// The Python rows: `granularity.py` in a fresh process, each case calibrated to `target`.
pub fn in_python(py: &Python, target: Duration, budget: Budget) -> Result<Vec<Row>, String> {
    let mut progress = Progress::new("granularity", 1);
    progress.start("Python: asyncio sleep(0), asyncio Event ping-pong, queue.Queue ping-pong");
    let target_ms = (target.as_secs_f64() * 1e3).to_string();
    let value = py.measure("granularity.py", &[target_ms], budget.left(Duration::MAX));
    progress.step_done();
    progress.finish();
    value?
        .get("rows")
        .and_then(|r| r.as_array())
        .ok_or("granularity.py printed no rows")?
        .iter()
        .map(|row| {
            Ok(Row {
                language: Language::Python,
                contender: python::text(row, "contender")?.into(),
                what: python::text(row, "what")?.into(),
                ops: python::number(row, "ops")? as u64,
                ns_per_op: python::number(row, "ns_per_op")?,
            })
        })
        .collect()
}

/// The claim judged in `language`: is a switch between two tasks (a ping-pong on one thread)
/// cheaper than a hand-off between two threads (a ping-pong through a queue)?
pub fn judge(rows: &[Row], language: Language) -> Judged {
    let ping_pong = |tasks: bool| {
        rows.iter().find(|r| {
            let on_tasks = r.contender == "executor" || r.contender == "asyncio";
            r.language == language && r.what.contains("ping-pong") && on_tasks == tasks
        })
    };
    let (task, thread) = (ping_pong(true)?, ping_pong(false)?);
    Some((
        task.ns_per_op < thread.ns_per_op,
        format!(
            "a task switch {:.0} ns, a thread hand-off {:.0} ns",
            task.ns_per_op, thread.ns_per_op
        ),
    ))
}

/// Finds an operation count that takes about `target` (the costs differ by a factor of 1000
/// between cases, so no fixed count suits all), then times that count three times and keeps
/// the fastest: a thread hand-off's cost swings with what else the cores are doing, and the
/// fastest run is the one least disturbed.
fn calibrated(target: Duration, run: fn(u64)) -> (u64, Duration) {
    let time = |n| {
        let start = Instant::now();
        run(n);
        start.elapsed()
    };
    let mut n = 100;
    let mut elapsed = time(n);
    while elapsed < target / 5 && n < 100_000_000 {
        n *= 5;
        elapsed = time(n);
    }
    let n = ((n as f64) * target.as_secs_f64() / elapsed.as_secs_f64().max(1e-9)).max(100.0) as u64;
    (n, (0..3).map(|_| time(n)).min().expect("three runs"))
}

/// One task yielding `n` times.
pub fn executor_yields(n: u64) {
    executor::run(async move {
        for _ in 0..n {
            executor::yield_now().await;
        }
    });
}

/// Whose turn it is, and where each of the two players waits for it. `Rc`/`RefCell`, not
/// `Arc`/`Mutex`: both tasks live on the executor's one thread.
#[derive(Default)]
struct Baton {
    turn: StdCell<usize>,
    waiting: [RefCell<Option<Waker>>; 2],
}

/// Two tasks passing a baton `n` times in total: every pass is one wake and one task switch.
pub fn executor_ping_pong(n: u64) {
    let baton = Rc::new(Baton::default());
    let player = |me: usize, passes: u64, baton: Rc<Baton>| async move {
        for _ in 0..passes {
            // Wait for our turn: park, leaving our waker where the other player will find it.
            poll_fn(|cx| {
                if baton.turn.get() == me {
                    return Poll::Ready(());
                }
                let mut slot = baton.waiting[me].borrow_mut();
                // Cloning a waker is an atomic increment: skip it when the stored one is ours.
                if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *slot = Some(cx.waker().clone());
                }
                Poll::Pending
            })
            .await;
            // Pass the baton: it is the other player's turn; wake it.
            baton.turn.set(1 - me);
            if let Some(waker) = baton.waiting[1 - me].borrow().as_ref() {
                waker.wake_by_ref();
            }
        }
    };
    executor::run(async move {
        let first = executor::spawn(player(0, n.div_ceil(2), baton.clone()));
        let second = executor::spawn(player(1, n / 2, baton));
        first.await.expect("no panic");
        second.await.expect("no panic");
    });
}

/// Two threads passing an item back and forth through two capacity-1 queues; `n` hand-offs.
pub fn queue_ping_pong(n: u64) {
    let (ping, pong) = (Queue::bounded(1), Queue::bounded(1));
    thread::scope(|s| {
        s.spawn(|| {
            while let Ok(item) = ping.get() {
                pong.put(item).expect("pong is never shut down");
            }
        });
        for i in 0..n.div_ceil(2) {
            ping.put(i).expect("ping is shut down only below");
            assert_eq!(pong.get(), Ok(i), "the item comes back");
        }
        ping.shutdown(); // ends the echo thread's loop
    });
}

/// One producer, one consumer, `n` items through a queue of `capacity`; the consumer takes up
/// to `batch` items at a time (`get` when 1, `get_batch` otherwise).
pub fn queue_stream(n: u64, capacity: usize, batch: usize) {
    let q = Queue::bounded(capacity);
    thread::scope(|s| {
        let consumer = s.spawn(|| {
            let mut received = 0u64;
            if batch == 1 {
                while q.get().is_ok() {
                    received += 1;
                }
            } else {
                while let Ok(items) = q.get_batch(batch) {
                    received += items.len() as u64;
                }
            }
            received
        });
        for i in 0..n {
            q.put(i).expect("shut down only below");
        }
        q.shutdown(); // the consumer drains what is left, then stops
        assert_eq!(consumer.join().expect("no panic"), n, "every item arrives");
    });
}

/// The results as a table.
pub fn table(rows: &[Row]) -> Table {
    Table {
        title: "granularity: the cost of one switch".into(),
        columns: vec!["language", "contender", "operation", "ops timed", "ns/op"],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.language.name().into()),
                    Cell::Text(r.contender.clone()),
                    Cell::Text(r.what.clone()),
                    Cell::Num(r.ops as f64, 0),
                    Cell::Num(r.ns_per_op, 1),
                ]
            })
            .collect(),
        verdict: None,
        notes: vec![
            "an op is one yield, one pass of the baton, one hand-off, or one item streamed".into(),
            "threads switch through the kernel (futex wait/wake); tasks switch inside one thread"
                .into(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_compares_the_two_ping_pongs() {
        let row = |language, contender: &str, what: &str, ns_per_op| Row {
            language,
            contender: contender.into(),
            what: what.into(),
            ops: 100,
            ns_per_op,
        };
        let rows = [
            row(Language::Rust, "executor", "yield_now, one task", 10.0),
            row(
                Language::Rust,
                "executor",
                "wake ping-pong, two tasks",
                900.0,
            ),
            row(Language::Rust, "queue", "ping-pong, two threads", 300.0),
            row(
                Language::Python,
                "asyncio",
                "Event ping-pong, two tasks",
                2_000.0,
            ),
            row(
                Language::Python,
                "queue.Queue",
                "ping-pong, two threads",
                20_000.0,
            ),
        ];
        let (rust, why) = judge(&rows, Language::Rust).unwrap();
        assert!(!rust, "a slower task switch is not finer: {why}");
        assert!(judge(&rows, Language::Python).unwrap().0);
        assert_eq!(judge(&rows[..3], Language::Python), None);
    }

    #[test]
    fn every_case_completes_small_counts() {
        // Each case asserts internally (items come back, every item arrives); a lost wake-up
        // would hang, which the test harness reports.
        for (_, _, run) in CASES {
            run(0);
            run(1);
            run(101);
        }
    }
}
