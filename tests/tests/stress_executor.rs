//! Stress tests of the `executor` crate: storms of wakes from other OS threads, an idle
//! executor that must sleep rather than spin, 100 000 tasks on the virtual clock, and storms
//! of aborts.
//!
//! Each scenario runs under a watchdog, so a lost wake fails the test after [`LIMIT`] with a
//! clear message instead of hanging CI. Nothing sleeps to order events: cross-thread events are
//! ordered by atomics and mutexes, timing inside the executor by its virtual clock.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use executor::{gather, now, sleep, spawn, yield_now, Executor, JoinHandle};

/// How long a scenario may run before the watchdog calls it a hang.
const LIMIT: Duration = Duration::from_secs(10);

/// Runs `scenario` on its own thread (an executor is not `Send`, so the scenario builds its
/// own) and fails with `name` if it has not finished within [`LIMIT`]; the stuck thread is
/// left behind. A panic in the scenario is re-raised as is.
fn watchdog<R: Send + 'static>(name: &str, scenario: impl FnOnce() -> R + Send + 'static) -> R {
    let (done_tx, done) = mpsc::channel();
    let handle = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let out = scenario();
            let _ = done_tx.send(());
            out
        })
        .unwrap();
    match done.recv_timeout(LIMIT) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: still running after {LIMIT:?} (a lost wake, or a hang)")
        }
    }
}

/// xorshift64*: a tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// A counter another thread raises, awaited until it reaches a target: the smallest
/// cross-thread "channel" built on std primitives only.
///
/// The protocol that makes it lossless: the task stores its waker *then* reads the count; the
/// raising thread adds to the count *then* takes the lock to wake whatever waker is stored. One
/// of the two always sees the other.
#[derive(Default)]
struct Signal {
    count: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    fn raise(&self) {
        self.count.fetch_add(1, SeqCst);
        if let Some(waker) = &*self.waker.lock().unwrap() {
            waker.wake_by_ref();
        }
    }

    /// Resolves once `raise` has been called `target` times; counts its polls in `polls`.
    fn reached<'a>(&'a self, target: usize, polls: &'a Cell<usize>) -> Reached<'a> {
        Reached {
            signal: self,
            target,
            polls,
        }
    }
}

struct Reached<'a> {
    signal: &'a Signal,
    target: usize,
    polls: &'a Cell<usize>,
}

impl Future for Reached<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        *self.signal.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.signal.count.load(SeqCst) >= self.target {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Four OS threads raise the signals of 2 000 tasks, 100 times each, while the executor runs
/// them: 200 000 wakes from other threads, racing polls and parks; meanwhile every tenth task is
/// aborted. Every other task completes (no wake lost) and is polled at most once per wake plus
/// its first poll (wakes before a poll are merged); wakes for aborted tasks, and wakes that keep
/// coming while and after the executor is dropped, are harmless.
#[test]
fn a_storm_of_cross_thread_wakes_completes_every_task() {
    watchdog("wake storm", || {
        let (tasks, threads, raises) = (2_000usize, 4usize, 100usize);
        let signals: Arc<Vec<Signal>> = Arc::new((0..tasks).map(|_| Signal::default()).collect());
        let start = Arc::new(Barrier::new(threads + 1));
        let stop = Arc::new(AtomicBool::new(false));
        let raisers: Vec<_> = (0..threads)
            .map(|t| {
                let (signals, start, stop) = (signals.clone(), start.clone(), stop.clone());
                thread::spawn(move || {
                    start.wait();
                    let mine = || signals.iter().skip(t).step_by(threads);
                    for _ in 0..raises {
                        mine().for_each(Signal::raise);
                    }
                    // Keep waking stale wakers until the executor has been dropped.
                    while !stop.load(SeqCst) {
                        mine().for_each(Signal::raise);
                    }
                    mine().for_each(Signal::raise);
                })
            })
            .collect();
        let ex = Executor::new();
        let polls: Rc<Vec<Cell<usize>>> = Rc::new((0..tasks).map(|_| Cell::new(0)).collect());
        let handles: Vec<JoinHandle<()>> = (0..tasks)
            .map(|i| {
                let (signals, polls) = (signals.clone(), polls.clone());
                ex.spawn(async move { signals[i].reached(raises, &polls[i]).await })
            })
            .collect();
        let results = ex.block_on(async {
            start.wait(); // the raisers start while the tasks are being polled
            yield_now().await;
            handles.iter().step_by(10).for_each(JoinHandle::abort);
            gather(handles).await
        });
        for (i, result) in results.iter().enumerate() {
            match result {
                Ok(()) => {}
                Err(e) if i % 10 == 0 => assert!(e.is_cancelled()),
                Err(e) => panic!("task {i}: {e}"),
            }
            if i % 10 != 0 {
                let polls = polls[i].get();
                assert!(
                    (1..=raises + 1).contains(&polls),
                    "task {i}: {polls} polls for {raises} wakes"
                );
            }
        }
        drop(ex); // while the raisers still wake the dropped tasks' wakers
        stop.store(true, SeqCst);
        raisers.into_iter().for_each(|r| r.join().unwrap());
    });
}

/// The same storm aimed at `gather`'s own per-child wakers: 2 000 futures gathered directly
/// (not spawned), each woken 100 times from four other threads. Every child completes, and each
/// is polled at most once per wake plus its first poll — a wake polls only the child it names.
#[test]
fn a_storm_of_cross_thread_wakes_into_one_gather() {
    watchdog("gather storm", || {
        let (children, threads, raises) = (2_000usize, 4usize, 100usize);
        let signals: Arc<Vec<Signal>> =
            Arc::new((0..children).map(|_| Signal::default()).collect());
        let start = Arc::new(Barrier::new(threads + 1));
        let raisers: Vec<_> = (0..threads)
            .map(|t| {
                let (signals, start) = (signals.clone(), start.clone());
                thread::spawn(move || {
                    start.wait();
                    for _ in 0..raises {
                        signals
                            .iter()
                            .skip(t)
                            .step_by(threads)
                            .for_each(Signal::raise);
                    }
                })
            })
            .collect();
        let polls: Vec<Cell<usize>> = (0..children).map(|_| Cell::new(0)).collect();
        let futures = signals
            .iter()
            .zip(&polls)
            .map(|(s, p)| s.reached(raises, p));
        Executor::new().block_on(async {
            let all = gather(futures.collect::<Vec<_>>());
            start.wait();
            all.await
        });
        for (i, polls) in polls.iter().enumerate() {
            let polls = polls.get();
            assert!(
                (1..=raises + 1).contains(&polls),
                "child {i}: {polls} polls for {raises} wakes"
            );
        }
        raisers.into_iter().for_each(|r| r.join().unwrap());
    });
}

/// `sleep(Duration::MAX)` is "never" on the virtual clock too: with only such a timer pending,
/// the executor does not jump its clock to the end of time (nor panic) but parks until another
/// thread wakes the task it waits for. `timeout(Duration::MAX, …)` never elapses.
#[test]
fn a_never_timer_on_the_virtual_clock_waits_for_a_cross_thread_wake() {
    watchdog("never timer", || {
        let ex = Executor::with_virtual_clock();
        let signal = Arc::new(Signal::default());
        let go = Arc::new(Barrier::new(2));
        let raiser = {
            let (signal, go) = (signal.clone(), go.clone());
            thread::spawn(move || {
                go.wait();
                signal.raise();
            })
        };
        let (waited, result) = ex.block_on(async {
            let never = spawn(sleep(Duration::MAX));
            let start = now();
            yield_now().await; // `never` has set its timer
            go.wait();
            let polls = Cell::new(0);
            let result = executor::timeout(Duration::MAX, signal.reached(1, &polls)).await;
            never.abort();
            (now() - start, result)
        });
        assert!(result.is_ok(), "a Duration::MAX timeout never elapses");
        assert!(
            waited < Duration::from_secs(1),
            "the virtual clock jumped by {waited:?}"
        );
        raiser.join().unwrap();
    });
}

/// The CPU time this thread has used so far (Linux: `/proc/thread-self/schedstat`, in ns).
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    let ns = stat.split_whitespace().next().unwrap().parse().unwrap();
    Duration::from_nanos(ns)
}

/// Runs `f`, returning its wall time and the CPU time this thread spent in it.
#[cfg(target_os = "linux")]
fn measure(f: impl FnOnce()) -> (Duration, Duration) {
    let (wall, cpu) = (Instant::now(), thread_cpu_time());
    f();
    (wall.elapsed(), thread_cpu_time() - cpu)
}

/// An idle executor sleeps: waiting 200 ms for a real timer, for a wake from another thread
/// with no timer set, for that wake while a far-away timer is pending, and on a virtual clock
/// whose only timer never fires, the executor's thread uses a small fraction of the wall time
/// (a busy loop would use all of it).
#[cfg(target_os = "linux")]
#[test]
fn an_idle_executor_parks_instead_of_spinning() {
    watchdog("idle parking", || {
        let wait = Duration::from_millis(200);
        let check = |what: &str, (wall, cpu): (Duration, Duration)| {
            assert!(
                wall >= wait,
                "{what}: returned after {wall:?}, before {wait:?}"
            );
            assert!(
                cpu < wall / 10,
                "{what}: {cpu:?} of CPU in {wall:?}: it spins while idle"
            );
        };
        let ex = Executor::new();
        check("a timer", measure(|| ex.block_on(sleep(wait))));

        // The waking thread sleeps only to make the executor idle for a while; the outcome
        // does not depend on that sleep's length, only the measurement does.
        let woken_later = |ex: &Executor| {
            let signal = Arc::new(Signal::default());
            let raiser = {
                let signal = signal.clone();
                thread::spawn(move || {
                    thread::sleep(wait);
                    signal.raise();
                })
            };
            let polls = Cell::new(0);
            ex.block_on(signal.reached(1, &polls));
            raiser.join().unwrap();
            assert!(
                polls.get() <= 3,
                "polled {} times for one wake",
                polls.get()
            );
        };
        check("a cross-thread wake", measure(|| woken_later(&ex)));
        let far = ex.spawn(sleep(Duration::from_secs(3600)));
        check(
            "a cross-thread wake with a far timer",
            measure(|| woken_later(&ex)),
        );
        far.abort();

        // The virtual clock with only a "never" timer: nothing to jump to, so it must park.
        let ex = Executor::with_virtual_clock();
        let never = ex.spawn(sleep(Duration::MAX));
        check(
            "a virtual clock with a never timer",
            measure(|| woken_later(&ex)),
        );
        never.abort();
    });
}

/// 100 000 tasks, each sleeping a pseudo-random whole number of milliseconds on the virtual
/// clock: each wakes exactly at its deadline, they wake in (deadline, spawn order) order, and
/// the run ends at the latest deadline — at once in real time.
#[test]
fn a_hundred_thousand_tasks_on_the_virtual_clock() {
    watchdog("100k virtual sleeps", || {
        let n = 100_000u64;
        let ex = Executor::with_virtual_clock();
        let woke: Rc<RefCell<Vec<(u64, u64)>>> = Rc::default();
        let (start, late) = ex.block_on(async {
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
    });
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
    watchdog("abort storm", || {
        for seed in 0..20 {
            abort_storm(seed);
        }
    });
}

fn abort_storm(seed: u64) {
    let n = 300usize;
    let ex = Executor::with_virtual_clock();
    let polled_after_abort = Rc::new(Cell::new(0));
    let dropped = Rc::new(Cell::new(0));
    let finished = Rc::new(Cell::new(0));
    ex.block_on(async {
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
    watchdog("gather polls", || {
        let n = 2_000u64;
        let polls = Rc::new(Cell::new(0));
        let out = Executor::with_virtual_clock().block_on(async {
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
    });
}
