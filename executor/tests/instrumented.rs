//! Instrumented futures, in the style of async-task's tests: every future here counts how often
//! it is polled and dropped, so each test can say exactly what the executor did to it.
//!
//! Ordering without sleeping: tests that only need "every ready task has run" use the virtual
//! clock and `settle()` (a 1 ms virtual sleep). The clock only moves once no task is ready, so
//! when `settle()` returns every task has been polled as far as it can go. Tests that cross
//! threads order events with channels; a watchdog turns a lost wake-up into a failure instead of
//! a hung test run.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use executor::{run, sleep, spawn, timeout, Executor};

/// What the test sees of one instrumented future (shared with it through an `Rc`).
#[derive(Default)]
struct Counts {
    polls: Cell<usize>,
    drops: Cell<usize>,
    /// The waker from the latest poll, so the test can wake the task from outside.
    waker: RefCell<Option<Waker>>,
}

impl Counts {
    fn polls(&self) -> usize {
        self.polls.get()
    }
    fn drops(&self) -> usize {
        self.drops.get()
    }
    fn waker(&self) -> Waker {
        self.waker.borrow().clone().expect("the future was polled")
    }
}

/// How an instrumented future answers its polls.
#[derive(Clone, Copy)]
enum Act {
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
struct Probe {
    counts: Rc<Counts>,
    act: Act,
}

fn probe(act: Act) -> (Probe, Rc<Counts>) {
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
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Virtual time after which a test that still waits is declared hung (see `drive`).
const WATCHDOG: Duration = Duration::from_secs(1_000_000 * 3600);

/// `ex.block_on(future)` for a virtual-clock executor, with a watchdog: a lost wake-up leaves
/// the executor with nothing ready, so the clock jumps to the watchdog's deadline and the test
/// fails at once instead of parking forever.
fn drive<F: Future>(ex: &Executor, future: F) -> F::Output {
    ex.block_on(async {
        let start = executor::now();
        let out = timeout(WATCHDOG, future)
            .await
            .expect("lost wake-up: nothing was ready until the watchdog fired");
        // `timeout` polls the future first, so a future whose wake-up was lost is still found
        // ready when the watchdog's timer wakes it: catch that by the time it took.
        assert!(
            executor::now() - start < WATCHDOG,
            "lost wake-up: done only at the watchdog"
        );
        out
    })
}

/// Lets every ready task run to quiescence (see the module docs): virtual time only advances
/// when nothing is ready.
async fn settle() {
    sleep(Duration::from_millis(1)).await;
}

/// Runs `f` on its own thread and fails the test if it takes longer than `limit`: a lost
/// wake-up must show up as a failure, not as a hung `cargo test`.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
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

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

#[test]
fn spawn_is_lazy_and_running_polls_once() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    assert_eq!(
        counts.polls(),
        0,
        "spawn must not poll: asyncio's create_task only schedules"
    );
    assert_eq!(drive(&ex, handle).expect("the task completes"), 1);
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
}

#[test]
fn many_wakes_before_a_poll_schedule_one_poll() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let _handle = ex.spawn(future);
    drive(&ex, async {
        settle().await;
        assert_eq!(counts.polls(), 1);
        let waker = counts.waker();
        let by_value = waker.clone(); // the consuming `wake` path, too
        for _ in 0..10 {
            waker.wake_by_ref();
        }
        by_value.wake();
        settle().await;
        assert_eq!(
            counts.polls(),
            2,
            "11 wakes before the task ran: exactly one more poll"
        );
        settle().await;
        assert_eq!(counts.polls(), 2, "no wake, no poll");
    });
}

#[test]
fn wake_during_own_poll_polls_again_once() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::WakeSelfOnce);
    let _handle = ex.spawn(future);
    drive(&ex, settle());
    assert_eq!(
        counts.polls(),
        2,
        "woken during its first poll: polled once more, then idle"
    );
}

#[test]
fn abort_before_first_poll_drops_without_polling() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    handle.abort();
    handle.abort(); // idempotent
    let err = drive(&ex, handle).expect_err("an aborted task yields an error");
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!((counts.polls(), counts.drops()), (0, 1));
}

#[test]
fn abort_of_pending_task_drops_it_and_it_is_never_polled_again() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let handle = ex.spawn(future);
    drive(&ex, async {
        settle().await;
        assert_eq!(counts.polls(), 1);
        let waker = counts.waker();
        waker.wake_by_ref(); // queued, then aborted before it runs
        handle.abort();
        handle.abort();
        let err = handle.await.expect_err("aborted");
        assert!(err.is_cancelled());
        assert_eq!(
            counts.drops(),
            1,
            "a cancelled handle means the future is gone"
        );
        waker.wake(); // a wake of an aborted task is harmless
        settle().await;
    });
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
}

#[test]
fn abort_from_inside_the_task_cancels_it_after_the_poll() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let own_handle: Rc<RefCell<Option<executor::JoinHandle<usize>>>> = Rc::default();
    let slot = Rc::clone(&own_handle);
    // The task aborts itself through its own handle in its first poll, then stays pending.
    let handle = ex.spawn(async move {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            let poll = future.as_mut().poll(cx);
            if let Some(me) = slot.borrow().as_ref() {
                me.abort();
            }
            poll
        })
        .await
    });
    *own_handle.borrow_mut() = Some(handle);
    drive(&ex, async {
        settle().await;
        counts.waker().wake(); // would poll it again, had it survived
        settle().await;
    });
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
    let handle = own_handle.borrow_mut().take().expect("still there");
    assert!(handle.is_finished());
    assert!(drive(&ex, handle).expect_err("aborted").is_cancelled());
}

#[test]
fn abort_after_completion_still_yields_ok() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    assert!(!handle.is_finished());
    drive(&ex, settle());
    assert!(handle.is_finished());
    handle.abort();
    handle.abort();
    assert_eq!(drive(&ex, handle).expect("finished before the abort"), 1);
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
}

#[test]
fn dropped_join_handle_detaches_the_task() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(2));
    drop(ex.spawn(future));
    drive(&ex, async {
        settle().await;
        counts.waker().wake();
        settle().await;
    });
    assert_eq!(
        counts.polls(),
        2,
        "the detached task kept running to completion"
    );
    assert_eq!(counts.drops(), 1, "and was dropped once when it completed");
}

#[test]
fn join_handle_wakes_its_awaiter_once_on_completion() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(2));
    let mut handle = ex.spawn(future);
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&wakes));
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut handle).poll(&mut cx).is_pending());
    drive(&ex, settle());
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        0,
        "the task is not done yet"
    );
    drive(&ex, async {
        counts.waker().wake();
        settle().await;
    });
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "completion wakes the awaiter once"
    );
    match Pin::new(&mut handle).poll(&mut cx) {
        Poll::Ready(Ok(2)) => {}
        other => panic!("expected Ready(Ok(2)), got ready = {}", other.is_ready()),
    }
}

#[test]
fn panicking_task_is_isolated_and_its_payload_is_kept() {
    let ex = Executor::with_virtual_clock();
    let (bad, bad_counts) = probe(Act::Panic("task exploded"));
    let (good, good_counts) = probe(Act::ReadyOn(2));
    let bad = ex.spawn(bad);
    let good = ex.spawn(good);
    let (bad, good) = drive(&ex, async {
        settle().await;
        good_counts.waker().wake(); // the other task still runs after the panic
        (bad.await, good.await)
    });
    assert_eq!(good.expect("the other task is unaffected"), 2);
    let err = bad.expect_err("a panic is an error");
    assert!(err.is_panic() && !err.is_cancelled());
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task exploded"));
    assert_eq!((bad_counts.polls(), bad_counts.drops()), (1, 1));
    // The executor survived: it still runs new work.
    assert_eq!(drive(&ex, ex.spawn(async { 7 })).expect("runs"), 7);
}

#[test]
fn formatted_panic_payload_is_a_string() {
    let ex = Executor::with_virtual_clock();
    let err = drive(
        &ex,
        ex.spawn(async {
            // A runtime argument: the compiler cannot fold the message into a `&'static str`.
            let code = std::hint::black_box(42);
            panic!("code {code}")
        }),
    )
    .expect_err("panicked");
    let payload = err.into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("code 42")
    );
}

#[test]
fn panic_in_block_on_future_propagates_and_the_thread_recovers() {
    let ex = Executor::with_virtual_clock();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        ex.block_on(async { panic!("root boom") })
    }))
    .expect_err("a panic in the block_on future reaches the caller");
    assert_eq!(message(&*caught), "root boom");
    // The thread is no longer "inside" an executor...
    assert!(catch_unwind(|| spawn(async {})).is_err());
    // ...and the executor, and a new one, still work.
    assert_eq!(ex.block_on(async { 1 }), 1);
    assert_eq!(Executor::new().block_on(async { 2 }), 2);
}

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

#[test]
fn waker_sent_to_another_thread_wakes_a_parked_block_on() {
    within(Duration::from_secs(20), || {
        for _ in 0..200 {
            let (send_waker, waker_rx) = mpsc::channel::<Waker>();
            let flag = Arc::new(AtomicBool::new(false));
            let remote_flag = Arc::clone(&flag);
            let remote = thread::spawn(move || {
                let waker = waker_rx.recv().expect("the future sends its waker");
                remote_flag.store(true, Ordering::Release);
                waker.wake();
            });
            let mut polls = 0;
            let mut send_waker = Some(send_waker);
            let polled = Executor::new().block_on(std::future::poll_fn(|cx| {
                polls += 1;
                if flag.load(Ordering::Acquire) {
                    return Poll::Ready(polls);
                }
                if let Some(tx) = send_waker.take() {
                    tx.send(cx.waker().clone()).expect("the thread is waiting");
                }
                Poll::Pending
            }));
            // One poll registers, the one wake causes the second: no spurious polls.
            assert_eq!(polled, 2);
            remote.join().expect("the waking thread finished");
        }
    });
}

#[test]
fn waker_sent_to_another_thread_wakes_a_task() {
    within(Duration::from_secs(20), || {
        let ex = Executor::new();
        for round in 0..100 {
            let (send_waker, waker_rx) = mpsc::channel::<Waker>();
            let flag = Arc::new(AtomicBool::new(false));
            let remote_flag = Arc::clone(&flag);
            let remote = thread::spawn(move || {
                let waker = waker_rx.recv().expect("the task sends its waker");
                remote_flag.store(true, Ordering::Release);
                waker.wake();
            });
            let mut send_waker = Some(send_waker);
            let task = ex.spawn(std::future::poll_fn(move |cx| {
                if flag.load(Ordering::Acquire) {
                    return Poll::Ready(round);
                }
                if let Some(tx) = send_waker.take() {
                    tx.send(cx.waker().clone()).expect("the thread is waiting");
                }
                Poll::Pending
            }));
            assert_eq!(ex.block_on(task).expect("the task completes"), round);
            remote.join().expect("the waking thread finished");
        }
    });
}

#[test]
fn wake_after_the_executor_is_dropped_is_harmless() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let _handle = ex.spawn(future);
    let root_waker = drive(
        &ex,
        std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())),
    );
    drive(&ex, settle());
    let task_waker = counts.waker();
    drop(ex);
    assert_eq!(counts.drops(), 1);
    task_waker.wake_by_ref();
    root_waker.wake_by_ref();
    thread::spawn(move || {
        task_waker.wake();
        root_waker.wake();
    })
    .join()
    .expect("waking a dead executor from another thread is harmless");
    assert_eq!(
        counts.polls(),
        1,
        "nothing was polled after the executor was dropped"
    );
}

#[test]
fn a_wake_from_another_executor_on_the_same_thread_is_delivered() {
    let (a, b) = (
        Executor::with_virtual_clock(),
        Executor::with_virtual_clock(),
    );
    let (future, counts) = probe(Act::ReadyOn(2));
    let handle = b.spawn(future);
    drive(&b, settle());
    assert_eq!(counts.polls(), 1);
    // While `a` runs, `b`'s task is woken: the wake must reach `b`, not `a`'s run queue.
    let waker = counts.waker();
    drive(&a, async move { waker.wake() });
    assert_eq!(
        counts.polls(),
        1,
        "b is not running: nothing polls its task yet"
    );
    assert_eq!(drive(&b, handle).expect("b runs its task"), 2);
}

#[test]
fn stale_wakes_of_finished_work_are_ignored() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    let root_waker = drive(
        &ex,
        std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())),
    );
    assert_eq!(drive(&ex, handle).expect("completes"), 1);
    counts.waker().wake();
    root_waker.wake();
    // The next block_on is not confused by the stale wakes and nothing is polled again.
    let mut polls = 0;
    let (future2, counts2) = probe(Act::ReadyOn(2));
    let handle2 = ex.spawn(future2);
    drive(&ex, async {
        settle().await;
        polls += 1;
        counts2.waker().wake();
        handle2.await.expect("completes")
    });
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
    assert_eq!((counts2.polls(), polls), (2, 1));
}
