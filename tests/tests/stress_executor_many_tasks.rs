//! Stress tests of the executor with many tasks: 100 000 sleepers on the virtual clock, storms
//! of aborts that must never run a dropped future again, and `gather` polling each of 2 000
//! children a bounded number of times. Timing comes from the virtual clock, never from sleeping.
//!
//! Each scenario is one thread on the virtual clock, so its watchdog is virtual too
//! ([`on_the_virtual_clock`]): a lost wake leaves nothing ready, the clock jumps to the
//! watchdog's deadline and the test fails at once — whatever the machine's speed or load, which
//! a wall-clock limit on this much work (seconds in a debug build on a loaded machine) is not.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::Rng;
use executor::{gather, now, sleep, spawn, timeout, yield_now, Executor, JoinHandle};

/// Further in virtual time than any scenario here reaches (their latest deadline is 999 ms).
const VIRTUAL_LIMIT: Duration = Duration::from_secs(1_000_000 * 3600);

/// `ex.block_on(future)` under a watchdog on `ex`'s virtual clock: a lost wake fails the test
/// at once, naming `what`, instead of parking the thread forever.
fn on_the_virtual_clock<F: Future>(ex: &Executor, what: &str, future: F) -> F::Output {
    ex.block_on(timeout(VIRTUAL_LIMIT, future))
        .unwrap_or_else(|_| panic!("{what}: nothing left to run before the watchdog (a lost wake)"))
}

/// 100 000 tasks, each sleeping a pseudo-random whole number of milliseconds on the virtual
/// clock: each wakes exactly at its deadline, they wake in (deadline, spawn order) order, and
/// the run ends at the latest deadline — at once in real time.
#[test]
fn a_hundred_thousand_tasks_on_the_virtual_clock() {
    {
        let n = 100_000u64;
        let ex = Executor::with_virtual_clock();
        let woke: Rc<RefCell<Vec<(u64, u64)>>> = Rc::default();
        let (start, late) = on_the_virtual_clock(&ex, "100k virtual sleeps", async {
            let start = now();
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let woke = woke.clone();
                    let ms = i * 7919 % 1000; // every deadline shared by ~100 tasks
                    spawn(async move {
                        sleep(Duration::from_millis(ms)).await;
                        woke.borrow_mut().push((ms, i));
                        now() - start == Duration::from_millis(ms)
                    })
                })
                .collect();
            let on_time = gather(handles).await;
            let late = on_time.iter().filter(|r| !matches!(r, Ok(true))).count();
            (now() - start, late)
        });
        assert_eq!(late, 0, "tasks woken off their deadline (or failed)");
        assert_eq!(
            start,
            Duration::from_millis(999),
            "the run ends at the latest deadline"
        );
        let woke = woke.take();
        assert_eq!(woke.len(), n as usize);
        assert!(
            woke.windows(2).all(|w| w[0] < w[1]),
            "not in (deadline, spawn order) order"
        );
    }
}

/// A future that records its life: polls after its task was aborted, and its drop.
struct Tracked {
    aborted: Rc<Cell<bool>>,
    polled_after_abort: Rc<Cell<usize>>,
    dropped: Rc<Cell<usize>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.dropped.set(self.dropped.get() + 1);
    }
}

/// Hundreds of tasks of different kinds — yielding (so often queued when aborted), sleeping,
/// awaiting a child task, finishing at once, aborting themselves mid-poll — and an aborter that
/// cancels random ones at random points, some twice. No aborted future runs again; every future
/// is dropped exactly once; a handle yields `Ok` iff its task finished before the abort.
#[test]
fn abort_storms_never_run_a_dropped_future_again() {
    for seed in 0..20 {
        abort_storm(seed);
    }
}

fn abort_storm(seed: u64) {
    let n = 300usize;
    let ex = Executor::with_virtual_clock();
    let polled_after_abort = Rc::new(Cell::new(0));
    let dropped = Rc::new(Cell::new(0));
    let finished = Rc::new(Cell::new(0));
    on_the_virtual_clock(&ex, &format!("abort storm (seed {seed})"), async {
        let mut rng = Rng::new(seed);
        // The handles live here, so a task can reach its own (to abort itself) by index.
        let handles: Rc<RefCell<Vec<Option<JoinHandle<()>>>>> = Rc::default();
        let (mut aborted, mut completed) = (Vec::new(), Vec::new());
        for i in 0..n {
            let done = Rc::new(Cell::new(false));
            let flag = Rc::new(Cell::new(false));
            let t = Tracked {
                aborted: flag.clone(),
                polled_after_abort: polled_after_abort.clone(),
                dropped: dropped.clone(),
            };
            let (kind, finished, own) = (rng.below(5), finished.clone(), handles.clone());
            let done_here = done.clone();
            let handle = spawn(async move {
                let t = t; // moved in whole: its drop is the future's drop
                for round in 0..4u64 {
                    match kind {
                        0 => yield_now().await,
                        1 => sleep(Duration::from_millis(round + 1)).await,
                        2 if round == 1 => {
                            // It is being polled: the executor must cancel it after this poll
                            // and never poll it again.
                            t.aborted.set(true);
                            own.borrow()[i].as_ref().unwrap().abort();
                            yield_now().await;
                        }
                        3 => spawn(sleep(Duration::from_millis(2))).await.unwrap(),
                        _ => {}
                    }
                    if t.aborted.get() {
                        t.polled_after_abort.set(t.polled_after_abort.get() + 1);
                    }
                }
                finished.set(finished.get() + 1);
                done_here.set(true);
            });
            handles.borrow_mut().push(Some(handle));
            aborted.push(flag);
            completed.push(done);
        }
        // The aborter: random handles at random points, between the tasks' steps.
        let mut outcome = vec![None; n];
        for _ in 0..n / 2 {
            for _ in 0..rng.below(3) {
                yield_now().await;
            }
            if rng.below(4) == 0 {
                sleep(Duration::from_millis(rng.below(3))).await;
            }
            let i = rng.below(n as u64) as usize;
            let handles = handles.borrow();
            let handle = handles[i].as_ref().unwrap();
            let was_finished = handle.is_finished();
            aborted[i].set(true);
            handle.abort();
            if rng.below(3) == 0 {
                handle.abort(); // idempotent
            }
            outcome[i].get_or_insert(was_finished);
        }
        for (i, outcome) in outcome.into_iter().enumerate() {
            let handle = handles.borrow_mut()[i].take().unwrap();
            let result = handle.await;
            // `Ok` exactly for the tasks that ran to their end; the others were cancelled.
            assert_eq!(result.is_ok(), completed[i].get(), "task {i}");
            if outcome == Some(false) {
                // Aborted before it had finished: it must not have finished afterwards.
                assert!(
                    result.is_err_and(|e| e.is_cancelled()),
                    "task {i} yields cancelled"
                );
            }
        }
    });
    drop(ex);
    assert_eq!(
        polled_after_abort.get(),
        0,
        "seed {seed}: an aborted future was polled again"
    );
    assert_eq!(
        dropped.get(),
        n,
        "seed {seed}: every future dropped exactly once"
    );
    assert!(
        finished.get() < n,
        "seed {seed}: some tasks must have been cancelled"
    );
}

/// A future that counts its polls into `polls`, then resolves like `inner`.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Rc<Cell<usize>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

/// `gather` of `n` futures that each wake once polls each about twice, not `n` times: asyncio's
/// `gather` reacts to each child's completion in O(1). (A `gather` that re-polled every pending
/// child on every wake was quadratic: 2 001 000 child polls here, and 20 000 handles completing
/// one by one took ~10 s in a debug build, against 60 ms awaited in a loop.)
#[test]
fn gather_polls_each_child_a_bounded_number_of_times() {
    {
        let n = 2_000u64;
        let polls = Rc::new(Cell::new(0));
        let ex = Executor::with_virtual_clock();
        let out = on_the_virtual_clock(&ex, "gather polls", async {
            let children = (0..n).map(|i| CountPolls {
                inner: Box::pin(async move {
                    sleep(Duration::from_micros(i)).await; // n distinct deadlines: n wakes
                    i
                }),
                polls: polls.clone(),
            });
            gather(children.collect::<Vec<_>>()).await
        });
        assert_eq!(out, (0..n).collect::<Vec<_>>());
        assert!(
            polls.get() <= 3 * n as usize,
            "{} child polls for {n} children that each wake once",
            polls.get()
        );
    }
}
