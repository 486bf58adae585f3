//! The asyncio behaviours the article relies on, checked on the virtual clock so every time is
//! exact: the article's first example line by line, `sleep`, `wait_for` (our `timeout`),
//! `gather`, `sleep(0)`-style yielding and its fairness, and the misuse panics. A few tests use
//! the real clock where the point is real time (never early, no starvation by a yielder).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use executor::{gather, now, run, sleep, sleep_until, spawn, timeout, yield_now, Executor};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `f` on a fresh virtual-clock executor and returns its output with the virtual time the
/// whole run took. A watchdog timer turns a lost wake-up (nothing ready, nothing pending) into
/// a failure: the clock jumps to it instead of the executor parking forever.
fn virtual_run<F: Future>(f: impl FnOnce(Instant) -> F) -> (F::Output, Duration) {
    Executor::with_virtual_clock().block_on(async {
        let start = now();
        let out = within(Duration::from_secs(1_000_000 * 3600), f(start)).await;
        (out, now() - start)
    })
}

/// Awaits `future`, failing instead of hanging if the executor's clock passes `limit` first
/// (real-clock tests: a lost wake-up must not hang `cargo test`).
async fn within<F: Future>(limit: Duration, future: F) -> F::Output {
    let start = now();
    let out = timeout(limit, future)
        .await
        .expect("lost wake-up: not done within the watchdog's limit");
    // `timeout` polls the future first, so a future whose wake-up was lost is still found
    // ready when the watchdog's timer wakes it: catch that by the time it took.
    assert!(
        now() - start < limit,
        "lost wake-up: done only at the watchdog"
    );
    out
}

const REAL_LIMIT: Duration = Duration::from_secs(10);

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The article's example 1.

/// `shared/reference/asyncio_example.out`, the Python program's output, kept here so a clean
/// clone can run the test; `reference_output_matches_the_python_run` checks the copy.
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
    // The reference lives beside the repository in the original workspace; skip elsewhere.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/asyncio_example.out"
    );
    if let Ok(text) = std::fs::read_to_string(path) {
        assert_eq!(text, PYTHON_OUTPUT);
    }
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

// ---------------------------------------------------------------------------------------------
// gather.

async fn after(delay: u64, value: u64) -> u64 {
    sleep(ms(delay)).await;
    value
}

#[test]
fn gather_returns_results_in_argument_order_concurrently() {
    let (out, total) = virtual_run(|_| gather([after(30, 1), after(10, 2), after(20, 3)]));
    assert_eq!(out, [1, 2, 3]);
    assert_eq!(total, ms(30), "concurrent: the longest, not the sum");
}

#[test]
fn gather_of_join_handles_and_of_nothing() {
    let (out, total) = virtual_run(|_| async {
        let handles: Vec<_> = [5, 0, 15].map(|d| spawn(after(d, d))).into_iter().collect();
        let results: Vec<u64> = gather(handles)
            .await
            .into_iter()
            .map(|r| r.expect("no task fails"))
            .collect();
        let empty: Vec<u64> = gather(Vec::<Pin<Box<dyn Future<Output = u64>>>>::new()).await;
        (results, empty.len())
    });
    assert_eq!(out, (vec![5, 0, 15], 0));
    assert_eq!(total, ms(15));
}

// ---------------------------------------------------------------------------------------------
// yield_now and fairness.

#[test]
fn two_yielding_tasks_alternate() {
    let log: Rc<RefCell<Vec<(char, u32)>>> = Rc::default();
    virtual_run(|_| {
        let log = Rc::clone(&log);
        async move {
            let handles: Vec<_> = ['a', 'b']
                .into_iter()
                .map(|name| {
                    let log = Rc::clone(&log);
                    spawn(async move {
                        for i in 0..4 {
                            log.borrow_mut().push((name, i));
                            yield_now().await;
                        }
                    })
                })
                .collect();
            gather(handles).await
        }
    });
    let expected: Vec<(char, u32)> = (0..4).flat_map(|i| [('a', i), ('b', i)]).collect();
    assert_eq!(*log.borrow(), expected);
}

/// Spawns a task that starts yielding at virtual time `at` and keeps yielding until `stop` is
/// set (at most 10 000 times, so a starving executor fails the test instead of hanging it).
fn spawn_yielder(at: Duration, yields: Rc<Cell<u32>>, stop: Rc<Cell<bool>>) {
    drop(spawn(async move {
        sleep(at).await;
        while !stop.get() && yields.get() < 10_000 {
            yields.set(yields.get() + 1);
            yield_now().await;
        }
    }));
}

#[test]
fn a_yielding_task_does_not_delay_a_due_timer() {
    let ((elapsed, yields_seen), _) = virtual_run(|start| async move {
        let (yields, stop) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
        // Its timer is set first, so it runs first in the 10 ms tick and starts yielding.
        spawn_yielder(ms(10), Rc::clone(&yields), Rc::clone(&stop));
        let timer = spawn(async move {
            sleep(ms(10)).await;
            let seen = (now() - start, yields.get());
            stop.set(true);
            seen
        });
        timer.await.expect("the timer task completes")
    });
    assert_eq!(elapsed, ms(10), "the timer fired at its exact deadline");
    assert!(
        yields_seen <= 2,
        "the due timer waited for {yields_seen} yields (at most one tick allowed)"
    );
}

#[test]
fn a_yielding_task_does_not_starve_a_real_timer() {
    let (slept, yields) = Executor::new().block_on(async {
        let (yields, stop) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
        spawn_yielder(Duration::ZERO, Rc::clone(&yields), Rc::clone(&stop));
        let wall = Instant::now();
        sleep(ms(2)).await;
        stop.set(true);
        (wall.elapsed(), yields.get())
    });
    assert!(slept >= ms(2), "never early: {slept:?}");
    assert!(
        yields < 10_000,
        "the yielder ran {yields} times before the timer fired"
    );
}

#[test]
fn a_yielding_block_on_future_does_not_starve_tasks() {
    let (yields, _) = virtual_run(|_| async {
        let done = Rc::new(Cell::new(false));
        drop(spawn({
            let done = Rc::clone(&done);
            async move { done.set(true) }
        }));
        let mut yields = 0;
        while !done.get() && yields < 10_000 {
            yields += 1;
            yield_now().await;
        }
        yields
    });
    assert_eq!(yields, 1, "one yield of main lets the ready task run");
}

#[test]
fn a_yielding_task_does_not_starve_a_cross_thread_wake() {
    // The other thread's wake lands in the executor's cross-thread queue while a task yields
    // without pause; the woken task must still get its turn (here: within 5 s of real time,
    // normally microseconds).
    let (ran, yields) = Executor::new().block_on(async {
        let (yields, stop) = (Rc::new(Cell::new(0u64)), Rc::new(Cell::new(false)));
        let yielder = spawn({
            let (yields, stop) = (Rc::clone(&yields), Rc::clone(&stop));
            async move {
                let give_up = Instant::now() + Duration::from_secs(5);
                while !stop.get() && Instant::now() < give_up {
                    yields.set(yields.get() + 1);
                    yield_now().await;
                }
            }
        });
        let (send_waker, waker_rx) = std::sync::mpsc::channel::<Waker>();
        let remote = std::thread::spawn(move || {
            waker_rx.recv().expect("the task sends its waker").wake();
        });
        let mut send_waker = Some(send_waker);
        let woken = spawn(std::future::poll_fn(move |cx| match send_waker.take() {
            Some(tx) => {
                tx.send(cx.waker().clone()).expect("the thread waits");
                Poll::Pending
            }
            None => Poll::Ready(()),
        }));
        within(REAL_LIMIT, woken)
            .await
            .expect("the woken task completes");
        let ran = !yielder.is_finished(); // the yielder had not given up yet
        stop.set(true);
        within(REAL_LIMIT, yielder)
            .await
            .expect("the yielder stops");
        remote.join().expect("the remote thread finished");
        (ran, yields.get())
    });
    assert!(
        ran,
        "the cross-thread wake waited until the yielder gave up ({yields} yields)"
    );
}

// ---------------------------------------------------------------------------------------------
// Misuse: clear panics, never a hang.

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
