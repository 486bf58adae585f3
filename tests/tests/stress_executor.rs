//! Stress tests of the `executor` crate: storms of wakes from other OS threads, an idle
//! executor that must sleep rather than spin, 100 000 tasks on the virtual clock, and storms
//! of aborts.
//!
//! Each scenario runs under a watchdog, so a lost wake fails the test after [`common::LIMIT`]
//! with a clear message instead of hanging CI. Nothing sleeps to order events: cross-thread
//! events are ordered by atomics and mutexes, timing inside the executor by its virtual clock.
//!
//! This file: wakes from other OS threads (storms of them, wakers dropped on other threads
//! while tasks come and go, and one for a task parked on a "never" timer) and an idle executor that parks.
//! `stress_executor_many_tasks.rs` covers the virtual clock at scale, abort storms and
//! `gather`'s poll bound.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use common::{no_state, watchdog};
use executor::{gather, now, sleep, spawn, yield_now, Executor, JoinHandle};

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
    watchdog("wake storm", no_state, || {
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
    watchdog("gather storm", no_state, || {
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

/// Every poll hands a clone of the task's waker to one of two other threads, which wakes it and
/// drops it — racing the end of that poll and the next task's spawn into a freed slot. (It
/// guarded the lent wakers once, recycled for any task once nobody held them; each task owns
/// its waker now.) Each clone wakes exactly once, so one reaching the wrong task
/// shows up as an extra poll (the total is exact) or as a task that never ends (the watchdog).
#[test]
fn wakers_dropped_by_other_threads_reach_the_right_task() {
    watchdog("wakers dropped remotely", no_state, || {
        let (tasks, polls_each, threads) = (500usize, 40usize, 2usize);
        let (senders, wakers): (Vec<_>, Vec<_>) =
            (0..threads).map(|_| mpsc::channel::<Waker>()).unzip();
        let remotes: Vec<_> = wakers
            .into_iter()
            .map(|wakers| thread::spawn(move || wakers.into_iter().for_each(Waker::wake)))
            .collect();
        let total = Rc::new(Cell::new(0));
        let ex = Executor::new();
        let handles: Vec<JoinHandle<usize>> = (0..tasks)
            .map(|i| {
                let (sender, total) = (senders[i % threads].clone(), total.clone());
                let mut polls = 0;
                ex.spawn(std::future::poll_fn(move |cx| {
                    polls += 1;
                    total.set(total.get() + 1);
                    if polls == polls_each {
                        return Poll::Ready(polls);
                    }
                    sender.send(cx.waker().clone()).unwrap();
                    Poll::Pending
                }))
            })
            .collect();
        drop(senders); // the tasks hold the rest: the remote threads end with the last task
        let results = ex.block_on(gather(handles));
        assert!(results
            .iter()
            .all(|r| matches!(r, Ok(n) if *n == polls_each)));
        assert_eq!(
            total.get(),
            tasks * polls_each,
            "an extra poll: a misrouted wake"
        );
        drop(ex);
        remotes.into_iter().for_each(|r| r.join().unwrap());
    });
}

/// `sleep(Duration::MAX)` is "never" on the virtual clock too: with only such a timer pending,
/// the executor does not jump its clock to the end of time (nor panic) but parks until another
/// thread wakes the task it waits for. `timeout(Duration::MAX, …)` never elapses.
#[test]
fn a_never_timer_on_the_virtual_clock_waits_for_a_cross_thread_wake() {
    watchdog("never timer", no_state, || {
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
    watchdog("idle parking", no_state, || {
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
