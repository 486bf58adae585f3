//! loom models of the executor's cross-thread protocols.
//!
//! Run (from the workspace root):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!     cargo nextest run --release -p executor -E 'binary(/^loom/)'
//! ```
//!
//! Why mostly the public API: under `--cfg loom` the crate's `sync` shim swaps the parker's
//! mutex/condvar, the injector's mutex, and the `scheduled`/`woken` flags for loom's types, and
//! the thread-local "current executor" for loom's thread-local. So `Executor::block_on` *is* the
//! modelled code — the real run loop, not a re-implementation of it. The one internal exposed
//! (`executor::__loom`, `cfg(loom)` only) is the parker, whose protocol gets a model of its own.
//!
//! No timers here: loom has no time (its `wait_timeout` never times out), so every model ends
//! only through wakes — a lost wake shows up as a loom deadlock.
#![cfg(loom)]

use std::cell::Cell;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use executor::__loom::Parker;
use executor::{gather, spawn, yield_now, Executor};
use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::thread;

/// A remote `unpark` racing the owner going to sleep is never lost, and neither of two is.
#[test]
fn parker_never_loses_a_wake() {
    loom::model(|| {
        let parker = Arc::new(Parker::new());
        let flags: Vec<_> = (0..2).map(|_| Arc::new(AtomicBool::new(false))).collect();
        let threads: Vec<_> = flags
            .iter()
            .map(|flag| {
                let (parker, flag) = (parker.clone(), flag.clone());
                thread::spawn(move || {
                    flag.store(true, SeqCst);
                    parker.unpark();
                })
            })
            .collect();
        // "check, then park": the pattern the run loop uses.
        while !flags.iter().all(|flag| flag.load(SeqCst)) {
            parker.park(None);
        }
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

/// `block_on` parks (no task, no timer); another thread completes main's condition and wakes
/// it. The wake may land before, during or after the executor decides to park.
#[test]
fn a_wake_racing_block_on_going_to_sleep_is_never_lost() {
    loom::model(|| {
        let executor = Executor::new();
        let ready = Arc::new(AtomicBool::new(false));
        let mut remote = None;
        executor.block_on(poll_fn(|cx| {
            if ready.load(SeqCst) {
                return Poll::Ready(());
            }
            if remote.is_none() {
                let (ready, waker) = (ready.clone(), cx.waker().clone());
                remote = Some(thread::spawn(move || {
                    ready.store(true, SeqCst);
                    waker.wake();
                }));
            }
            Poll::Pending
        }));
        remote.unwrap().join().unwrap();
    });
}

/// A spawned task is woken (twice) from another thread, possibly while it is still inside the
/// poll that handed its waker out: the `scheduled` flag, cleared before the poll, must let that
/// wake re-queue it (else the model deadlocks), and duplicate wakes must not pile up polls.
#[test]
fn a_remote_wake_racing_the_task_poll_is_never_lost() {
    loom::model(|| {
        let executor = Executor::new();
        let ready = Arc::new(AtomicBool::new(false));
        let polls = Rc::new(Cell::new(0));
        let remote: Rc<Cell<Option<thread::JoinHandle<()>>>> = Rc::default();
        let task = executor.spawn({
            let (ready, polls, remote) = (ready.clone(), polls.clone(), remote.clone());
            poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                if ready.load(SeqCst) {
                    return Poll::Ready(());
                }
                if polls.get() == 1 {
                    let (ready, waker) = (ready.clone(), cx.waker().clone());
                    remote.set(Some(thread::spawn(move || {
                        ready.store(true, SeqCst);
                        waker.wake_by_ref();
                        waker.wake();
                    })));
                }
                Poll::Pending
            })
        });
        executor.block_on(task).unwrap();
        remote.take().unwrap().join().unwrap();
        // First poll, then at most one spurious poll (a wake before `ready` was visible is
        // impossible here: ready is stored before waking), then the completing one.
        assert!(polls.get() <= 2, "polled {} times", polls.get());
    });
}

/// Another thread wakes (and with that drops) the first task's waker while a second task is
/// spawned — in the slot the first one will free — and polled. The wake must reach the first
/// task (else this deadlocks) and never the second; the second wakes itself once, so it is
/// polled exactly twice (a waker that came "scheduled" would swallow that wake). It guards the
/// lent wakers (`lent_waker.rs`): when the remote thread has dropped its clone by the time
/// `first` finishes, `first`'s waker goes back to the spare and is re-addressed to `later`.
#[test]
fn a_remote_wake_reaches_its_own_task_and_never_a_later_one() {
    loom::model(|| {
        let executor = Executor::new();
        let ready = Arc::new(AtomicBool::new(false));
        let later_polls = Rc::new(Cell::new(0));
        let remote: Rc<Cell<Option<thread::JoinHandle<()>>>> = Rc::default();
        executor.block_on({
            let (ready, later_polls, remote) = (ready.clone(), later_polls.clone(), remote.clone());
            async move {
                let mut first_poll = true;
                let first = spawn(poll_fn(move |cx| {
                    if std::mem::take(&mut first_poll) {
                        let (ready, waker) = (ready.clone(), cx.waker().clone());
                        remote.set(Some(thread::spawn(move || {
                            ready.store(true, SeqCst);
                            waker.wake();
                        })));
                    }
                    // Checked after handing the waker out (register, then check). It is also
                    // where loom may run the remote thread to its end — wake *and drop* —
                    // before this poll returns.
                    if ready.load(SeqCst) {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                }));
                yield_now().await; // `first` runs and hands its waker to the remote thread
                let later = spawn(poll_fn(move |cx| {
                    later_polls.set(later_polls.get() + 1);
                    if later_polls.get() == 1 {
                        // A new task's waker must come unscheduled, or this wake is swallowed.
                        cx.waker().wake_by_ref();
                    }
                    Poll::<()>::Pending
                }));
                first.await.unwrap();
                // Two turns: enough for `later`'s second poll even if `first` finished at once
                // (queue: later, main → main, later → later, main), and room for a misrouted
                // wake to reach `later`.
                yield_now().await;
                yield_now().await;
                drop(later);
            }
        });
        remote.take().unwrap().join().unwrap();
        assert_eq!(later_polls.get(), 2);
    });
}

/// A task hands a clone of its lent waker to another thread and finishes in that same poll;
/// the other thread wakes (and drops) the clone at any point — before the run loop counts the
/// waker's references, or after, when the task is gone. Whichever: the finished task's stale
/// wake queues nothing, and the next task — which may get the very same waker, re-addressed —
/// is polled exactly once (it is never woken).
#[test]
fn a_lent_waker_woken_remotely_while_its_task_finishes_never_wakes_the_next_task() {
    loom::model(|| {
        let executor = Executor::new();
        let later_polls = Rc::new(Cell::new(0));
        let remote: Rc<Cell<Option<thread::JoinHandle<()>>>> = Rc::default();
        executor.block_on({
            let (later_polls, remote) = (later_polls.clone(), remote.clone());
            async move {
                let first = spawn(poll_fn(move |cx| {
                    let waker = cx.waker().clone();
                    remote.set(Some(thread::spawn(move || waker.wake())));
                    Poll::Ready(())
                }));
                first.await.unwrap();
                let later = spawn(poll_fn(move |_| {
                    later_polls.set(later_polls.get() + 1);
                    Poll::<()>::Pending
                }));
                yield_now().await; // `later` runs once
                yield_now().await; // room for a misrouted wake to poll it again
                drop(later);
            }
        });
        remote.take().unwrap().join().unwrap();
        assert_eq!(later_polls.get(), 1);
    });
}

/// Another thread keeps a task's waker and wakes it while the executor is being dropped: no
/// panic, no deadlock, and the task's future is dropped exactly once.
#[test]
fn waking_while_or_after_the_executor_drops_is_harmless() {
    loom::model(|| {
        let executor = Executor::new();
        let stash: Arc<Mutex<Option<Waker>>> = Arc::default();
        let drops = Rc::new(Cell::new(0));
        struct CountDrop(Rc<Cell<usize>>);
        impl Drop for CountDrop {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let handle = executor.spawn({
            let (stash, guard) = (stash.clone(), CountDrop(drops.clone()));
            poll_fn(move |cx| {
                let _keep = &guard;
                *stash.lock().unwrap() = Some(cx.waker().clone());
                Poll::<()>::Pending
            })
        });
        executor.block_on(yield_now());
        let waker = stash.lock().unwrap().take().unwrap();
        let remote = thread::spawn(move || {
            waker.wake_by_ref();
            waker.wake();
        });
        drop(executor);
        remote.join().unwrap();
        assert_eq!(drops.get(), 1);
        assert!(handle.is_finished());
    });
}

/// JoinHandle is not `Send`, so `abort` and the task's completion both happen on the executor
/// thread; what can race is the *remote wake that lets the task complete* against main's
/// abort. Either the task completes first (abort is then a no-op and the handle yields `Ok`) or
/// the abort wins (cancelled) — never both, never a poll after the abort, one drop.
#[test]
fn completion_racing_abort_yields_exactly_one_outcome() {
    // Plain std atomics outside the model: they count outcomes over all explored executions.
    static COMPLETED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static CANCELLED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    loom::model(|| {
        let executor = Executor::new();
        let ready = Arc::new(AtomicBool::new(false));
        let polls_after_abort = Rc::new(Cell::new(0));
        let aborted = Rc::new(Cell::new(false));
        let remote: Rc<Cell<Option<thread::JoinHandle<()>>>> = Rc::default();
        let outcome = executor.block_on({
            let (ready, aborted, after, remote) = (
                ready.clone(),
                aborted.clone(),
                polls_after_abort.clone(),
                remote.clone(),
            );
            async move {
                let mut first = true;
                let task = spawn(poll_fn(move |cx| {
                    if aborted.get() {
                        after.set(after.get() + 1);
                    }
                    if ready.load(SeqCst) {
                        return Poll::Ready(1);
                    }
                    if std::mem::take(&mut first) {
                        let (ready, waker) = (ready.clone(), cx.waker().clone());
                        remote.set(Some(thread::spawn(move || {
                            ready.store(true, SeqCst);
                            waker.wake();
                        })));
                    }
                    Poll::Pending
                }));
                // Three turns: a remote wake is drained at the end of a tick, behind main's
                // queued turn, so the task can only complete before the abort if main yields
                // once more after that.
                for _ in 0..3 {
                    yield_now().await;
                }
                task.abort();
                task.await
            }
        });
        aborted.set(true);
        // Let a queued visit of the task happen: a cancelled task must not be polled.
        executor.block_on(yield_now());
        remote.take().unwrap().join().unwrap();
        match outcome {
            Ok(value) => {
                assert_eq!(value, 1);
                COMPLETED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(err) => {
                assert!(err.is_cancelled());
                CANCELLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        assert_eq!(polls_after_abort.get(), 0);
    });
    // Both sides of the race were explored, or this model tests nothing.
    assert!(COMPLETED.load(std::sync::atomic::Ordering::Relaxed) > 0);
    assert!(CANCELLED.load(std::sync::atomic::Ordering::Relaxed) > 0);
}

/// `gather` gives each child a waker of its own, which any thread may call: it records the
/// child's index and reads the parent waker under one lock (the crate's `sync` shim, so loom
/// sees it). Here another thread wakes the child while the gather (main's future) is being
/// polled: the wake must reach the gather, which must poll that child again (a lost wake shows
/// up as a deadlock).
#[test]
fn a_gather_child_woken_from_another_thread_is_polled_again() {
    loom::model(|| {
        let executor = Executor::new();
        let ready = Arc::new(AtomicBool::new(false));
        let remote: Rc<Cell<Option<thread::JoinHandle<()>>>> = Rc::default();
        let polls = Rc::new(Cell::new(0));
        executor.block_on({
            let (ready, remote, polls) = (ready.clone(), remote.clone(), polls.clone());
            let child = poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                if polls.get() == 1 {
                    let (ready, waker) = (ready.clone(), cx.waker().clone());
                    remote.set(Some(thread::spawn(move || {
                        ready.store(true, SeqCst);
                        waker.wake();
                    })));
                }
                if ready.load(SeqCst) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            });
            gather([child])
        });
        remote.take().unwrap().join().unwrap();
        assert!(polls.get() <= 2, "polled {} times", polls.get());
    });
}
