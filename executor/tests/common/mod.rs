//! Helpers shared by the executor's integration tests: watchdogs that turn a lost wake-up into
//! a failure instead of a hung test run (on the executor's clock, or on a thread of their own),
//! a virtual-clock runner, the instrumented `Probe` future with its `Counts`, a counting waker,
//! panic-payload text, and the proptest settings of the virtual-clock properties.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use executor::{now, sleep, timeout, yield_now, Executor};
use proptest::prelude::*;

/// `n` milliseconds: the tests' times read like the article's.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Virtual time after which a test that still waits is declared hung: with nothing ready, the
/// virtual clock jumps straight to it, so it costs no real time.
pub const WATCHDOG: Duration = Duration::from_secs(1_000_000 * 3600);

/// The watchdog's limit for tests on the real clock, where it is really waited for.
pub const REAL_LIMIT: Duration = Duration::from_secs(10);

/// Awaits `future`, failing instead of hanging if the executor's clock passes `limit` first: a
/// lost wake-up must not hang `cargo test`. On the virtual clock (with [`WATCHDOG`]) the failure
/// comes at once, since with nothing ready the clock jumps to the limit.
pub async fn within<F: Future>(limit: Duration, future: F) -> F::Output {
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

/// Runs `f` on a fresh virtual-clock executor and returns its output with the virtual time the
/// whole run took, under the [`WATCHDOG`].
pub fn virtual_run<F: Future>(f: impl FnOnce(Instant) -> F) -> (F::Output, Duration) {
    Executor::with_virtual_clock().block_on(async {
        let start = now();
        let out = within(WATCHDOG, f(start)).await;
        (out, now() - start)
    })
}

/// `ex.block_on(future)` for a virtual-clock executor, under the [`WATCHDOG`]: a lost wake-up
/// leaves the executor with nothing ready, so the clock jumps to the watchdog's deadline and
/// the test fails at once instead of parking forever.
pub fn drive<F: Future>(ex: &Executor, future: F) -> F::Output {
    ex.block_on(within(WATCHDOG, future))
}

/// Lets every ready task run to quiescence: virtual time only advances when nothing is ready,
/// so when this 1 ms virtual sleep ends every task has been polled as far as it can go.
pub async fn settle() {
    sleep(Duration::from_millis(1)).await;
}

/// Enough yields for the run loop's busy-tick polls (one every few dozen busy ticks) to collect
/// every event already in the kernel (the I/O tests: readiness is collected only by polls).
pub async fn let_the_reactor_collect_events() {
    for _ in 0..500 {
        yield_now().await;
    }
}

/// Runs `f` on its own thread and fails the test if it takes longer than `limit` of real time:
/// a lost wake-up (or a clock that never reaches a deadline) must show up as a failure, not as
/// a hung `cargo test`.
pub fn on_own_thread<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let out = f();
        let _ = done.send(());
        out
    });
    match finished.recv_timeout(limit) {
        Ok(()) => worker.join().expect("the worker finished"),
        // The sender was dropped without sending: `f` panicked; report its panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(out) => out,
            Err(panic) => resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("no progress within {limit:?}: lost wake-up?")
        }
    }
}

/// The text of a panic payload: `panic!` with a literal gives a `&str`, with arguments a `String`.
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// What the test sees of one instrumented future (shared with it through an `Rc`).
#[derive(Default)]
pub struct Counts {
    pub polls: Cell<usize>,
    pub drops: Cell<usize>,
    /// The waker from the latest poll, so the test can wake the task from outside.
    pub waker: RefCell<Option<Waker>>,
}

impl Counts {
    pub fn polls(&self) -> usize {
        self.polls.get()
    }
    pub fn drops(&self) -> usize {
        self.drops.get()
    }
    pub fn waker(&self) -> Waker {
        self.waker.borrow().clone().expect("the future was polled")
    }
}

/// How an instrumented future answers its polls.
#[derive(Clone, Copy)]
pub enum Act {
    /// Pending forever (only a wake from the test, an abort or a drop ends it).
    Pending,
    /// Ready on the given poll (1 = the first), pending before.
    ReadyOn(usize),
    /// Wakes itself on the first poll (before returning `Pending`), pending forever after.
    WakeSelfOnce,
    /// Panics on the first poll with this message.
    Panic(&'static str),
}

/// The instrumented future: counts polls and drops in its `Counts`, and outputs the number of
/// the poll that completed it.
pub struct Probe {
    counts: Rc<Counts>,
    act: Act,
}

pub fn probe(act: Act) -> (Probe, Rc<Counts>) {
    let counts = Rc::new(Counts::default());
    let future = Probe {
        counts: Rc::clone(&counts),
        act,
    };
    (future, counts)
}

impl Future for Probe {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let n = self.counts.polls.get() + 1;
        self.counts.polls.set(n);
        *self.counts.waker.borrow_mut() = Some(cx.waker().clone());
        match self.act {
            Act::Pending => Poll::Pending,
            Act::ReadyOn(k) if n >= k => Poll::Ready(n),
            Act::ReadyOn(_) => Poll::Pending,
            Act::WakeSelfOnce => {
                if n == 1 {
                    // Three wakes inside one poll: still one more poll, not three.
                    for _ in 0..3 {
                        cx.waker().wake_by_ref();
                    }
                }
                Poll::Pending
            }
            // `panic_any`: the payload is exactly this `&'static str` (a `panic!` with a
            // runtime argument would box a formatted `String` instead).
            Act::Panic(message) => std::panic::panic_any(message),
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.counts.drops.set(self.counts.drops.get() + 1);
    }
}

/// A waker that only counts its wakes: used to poll a `JoinHandle` by hand.
#[derive(Default)]
pub struct CountingWaker(pub AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// proptest's default 256 cases (`PROPTEST_CASES` overrides) finish in well under a second
/// each in debug; shrinking is capped at 30 s of real time so a hanging case (each attempt
/// stopped by `on_own_thread` after 10 s) cannot run for long.
pub fn config() -> ProptestConfig {
    ProptestConfig {
        max_shrink_time: 30_000,
        ..ProptestConfig::default()
    }
}

/// Sleep durations in ms: a coarse grid (many equal deadlines), zero included.
pub fn duration() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(5),
        Just(10),
        (0u64..4).prop_map(|n| n * 5),
        0u64..20
    ]
}
