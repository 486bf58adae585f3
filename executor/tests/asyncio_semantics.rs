//! The asyncio behaviours the article relies on, checked on the virtual clock so every time is
//! exact: the article's first example line by line, `sleep` and `sleep_until`, and `wait_for`
//! (our `timeout`). One test uses the real clock, where the point is real time (never early).
//! `gather`, yielding and fairness are in `asyncio_fairness.rs`; misuse panics in
//! `asyncio_misuse.rs`.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::{ms, virtual_run};
use executor::{gather, now, sleep, sleep_until, spawn, timeout, Executor};

// ---------------------------------------------------------------------------------------------
// The article's example 1.

/// `demos/reference/asyncio_example.out`, the Python program's output, inlined so this test
/// reads like the program; `reference_output_matches_the_python_run` checks the copy.
const PYTHON_OUTPUT: &str = "start fetching\n0\n1\n2\n3\n4\n5\n6\n7\ndone fetching\n\
                             {'data': 1}\n8\n9\n";

type Log = Rc<RefCell<Vec<(Duration, String)>>>;

fn say(log: &Log, start: Instant, line: String) {
    log.borrow_mut().push((now() - start, line));
}

async fn fetch_data(log: Log, start: Instant) -> BTreeMap<&'static str, i32> {
    say(&log, start, "start fetching".into());
    sleep(Duration::from_secs(2)).await;
    say(&log, start, "done fetching".into());
    BTreeMap::from([("data", 1)])
}

async fn print_numbers(log: Log, start: Instant) {
    for i in 0..10 {
        say(&log, start, i.to_string());
        sleep(ms(250)).await;
    }
}

/// Python's `print(value)` of a `dict[str, int]`.
fn python_repr(map: &BTreeMap<&str, i32>) -> String {
    let items: Vec<String> = map.iter().map(|(k, v)| format!("'{k}': {v}")).collect();
    format!("{{{}}}", items.join(", "))
}

#[test]
fn article_example_prints_the_python_lines_at_exact_times() {
    let log: Log = Rc::default();
    let (value, total) = virtual_run(|start| {
        let log = Rc::clone(&log);
        async move {
            let task1 = spawn(fetch_data(Rc::clone(&log), start));
            let task2 = spawn(print_numbers(Rc::clone(&log), start));
            let value = task1.await.expect("fetch_data does not fail");
            say(&log, start, python_repr(&value));
            task2.await.expect("print_numbers does not fail");
            value
        }
    });
    assert_eq!(value, BTreeMap::from([("data", 1)]));
    let log = log.take();
    let lines: Vec<&str> = log.iter().map(|(_, line)| line.as_str()).collect();
    assert_eq!(lines, PYTHON_OUTPUT.lines().collect::<Vec<_>>());
    let times: Vec<Duration> = log.iter().map(|&(t, _)| t).collect();
    let mut expected = vec![ms(0), ms(0)];
    expected.extend((1..8).map(|i| ms(250 * i))); // "1" .. "7"
    expected.extend([ms(2000), ms(2000), ms(2000), ms(2250)]); // done, dict, "8", "9"
    assert_eq!(times, expected);
    assert_eq!(
        total,
        ms(2500),
        "print_numbers sleeps once more after printing 9"
    );
}

#[test]
fn reference_output_matches_the_python_run() {
    // The repository's copy of the article's files (`demos/reference/`).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../demos/reference/asyncio_example.out"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    assert_eq!(text, PYTHON_OUTPUT);
}

// ---------------------------------------------------------------------------------------------
// sleep and sleep_until.

#[test]
fn sleep_deadline_starts_at_its_first_poll() {
    let (_, total) = virtual_run(|_| async {
        let first = sleep(Duration::from_secs(1)); // created, not polled
        sleep(Duration::from_secs(2)).await;
        first.await; // its second starts now
    });
    assert_eq!(total, Duration::from_secs(3));
}

#[test]
fn sleep_until_wakes_exactly_and_a_past_instant_is_ready_at_once() {
    let (times, _) = virtual_run(|start| async move {
        sleep_until(start + ms(1500)).await;
        let a = now() - start;
        sleep_until(start).await; // in the past
        let b = now() - start;
        (a, b)
    });
    assert_eq!(times, (ms(1500), ms(1500)));
}

#[test]
fn hours_of_virtual_sleep_finish_at_once() {
    let wall = Instant::now();
    let (_, total) = virtual_run(|_| sleep(Duration::from_secs(5 * 3600)));
    assert_eq!(total, Duration::from_secs(5 * 3600));
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "virtual time does not wait"
    );
}

#[test]
fn real_clock_sleep_never_fires_early() {
    for d in [0, 1, 3] {
        let (slept, elapsed) = Executor::new().block_on(async move {
            let (wall, clock) = (Instant::now(), now());
            sleep(ms(d)).await;
            (wall.elapsed(), now() - clock)
        });
        assert!(slept >= ms(d), "sleep({d} ms) returned after {slept:?}");
        assert!(
            elapsed >= ms(d),
            "now() moved only {elapsed:?} during sleep({d} ms)"
        );
    }
}

#[test]
fn equal_deadlines_fire_in_the_order_they_were_set() {
    let order: Rc<RefCell<Vec<u32>>> = Rc::default();
    virtual_run(|start| {
        let order = Rc::clone(&order);
        async move {
            // Spawned 0..5 but they set their timers in reverse spawn order: 4 first.
            let handles: Vec<_> = (0..5u32)
                .map(|i| {
                    let order = Rc::clone(&order);
                    spawn(async move {
                        sleep(ms(10 * u64::from(4 - i))).await; // set at 0, 10, 20, 30, 40
                        sleep_until(start + ms(100)).await;
                        order.borrow_mut().push(i);
                    })
                })
                .collect();
            gather(handles).await
        }
    });
    assert_eq!(*order.borrow(), [4, 3, 2, 1, 0]);
}

// ---------------------------------------------------------------------------------------------
// timeout (asyncio.wait_for).

/// Counts the drops of the future it wraps.
struct Counted<F> {
    inner: Pin<Box<F>>,
    drops: Rc<Cell<usize>>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<F> Drop for Counted<F> {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

fn counted<F: Future>(inner: F) -> (Counted<F>, Rc<Cell<usize>>) {
    let drops = Rc::new(Cell::new(0));
    let future = Counted {
        inner: Box::pin(inner),
        drops: Rc::clone(&drops),
    };
    (future, drops)
}

#[test]
fn a_ready_future_wins_over_a_zero_timeout() {
    let (out, total) = virtual_run(|_| timeout(Duration::ZERO, async { 5 }));
    assert_eq!(out.expect("the inner future is polled first"), 5);
    assert_eq!(total, Duration::ZERO);
}

#[test]
fn timeout_expiry_drops_the_inner_future_at_the_deadline() {
    let (inner, drops) = counted(sleep(ms(20)));
    let drops_inside = Rc::clone(&drops);
    let ((), total) = virtual_run(|_| async move {
        let err = timeout(ms(10), inner).await.expect_err("20 ms > 10 ms");
        assert_eq!(
            drops_inside.get(),
            1,
            "the inner future is dropped on expiry"
        );
        let text = err.to_string();
        assert!(
            !text.is_empty() && !text.ends_with('.'),
            "Display: {text:?}"
        );
        assert_eq!(text, text.to_lowercase(), "Display is lowercase: {text:?}");
    });
    assert_eq!(total, ms(10));
    assert_eq!(drops.get(), 1);
}

#[test]
fn timeout_returns_the_output_when_the_future_is_first() {
    let (inner, drops) = counted(async {
        sleep(ms(10)).await;
        7
    });
    let (out, total) = virtual_run(|_| timeout(ms(20), inner));
    assert_eq!(out.expect("10 ms < 20 ms"), 7);
    assert_eq!(total, ms(10), "the timeout's timer does not hold the run");
    assert_eq!(drops.get(), 1);
}

#[test]
fn a_tie_between_future_and_timeout_goes_to_the_future() {
    // Both timers fire in the same tick; the inner future is polled first, so it wins.
    let (out, total) = virtual_run(|_| {
        timeout(ms(10), async {
            sleep(ms(10)).await;
            "inner"
        })
    });
    assert_eq!(out.expect("the inner future is polled first"), "inner");
    assert_eq!(total, ms(10));
}

#[test]
fn duration_max_means_never_and_never_panics() {
    let (out, total) = virtual_run(|_| async {
        let expired = timeout(ms(10), sleep(Duration::MAX)).await.is_err();
        let inner = timeout(Duration::MAX, async {
            sleep(ms(5)).await;
            1
        })
        .await;
        let never = spawn(sleep(Duration::MAX));
        sleep(Duration::from_secs(3600)).await;
        let unfinished = !never.is_finished();
        never.abort();
        (expired, inner.ok(), unfinished, never.await.is_err())
    });
    assert_eq!(out, (true, Some(1), true, true));
    assert_eq!(total, ms(10) + ms(5) + Duration::from_secs(3600));
}
