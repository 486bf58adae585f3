//! loom models of `WorkerPool` and `Pending` (`src/pool.rs`, `src/pending.rs`): every
//! interleaving (up to `LOOM_MAX_PREEMPTIONS` preemptions) of the main thread and one worker.
//! A lost wake shows up as a deadlock (loom fails the model), a wake into a stale waker or a
//! second wake as a wrong count.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!       cargo nextest run --release -p queue -E 'binary(/^loom_pool/)'`
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc as LoomArc;
use queue::{JobError, Pending, WorkerPool};

/// A waker that counts its wakes. `std::sync::Arc` because `Waker::from` takes a std `Arc`;
/// the counter is a loom atomic, so loom sees the worker's wake as a synchronizing write.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<CountingWaker>, Waker) {
    let counter = std::sync::Arc::new(CountingWaker(AtomicUsize::new(0)));
    (counter.clone(), Waker::from(counter))
}

fn wakes(counter: &CountingWaker) -> usize {
    counter.0.load(SeqCst)
}

fn poll<T>(pending: &mut Pending<T>, waker: &Waker) -> Poll<Result<T, JobError>> {
    Pin::new(pending).poll(&mut Context::from_waker(waker))
}

/// The payload of the panics these models cause on purpose.
struct ExpectedPanic;

/// Keeps the models' output readable: the deliberate panics (thousands, one per interleaving)
/// are not printed; any other panic — a failing assertion, a loom error — still is.
fn silence_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<ExpectedPanic>() {
                default(info);
            }
        }));
    });
}

/// The worker completes the job while the awaiting side polls (registers its waker): whichever
/// comes first, the waker is woken exactly once if the poll saw `Pending`, never if it saw
/// `Ready`, and the result arrives.
#[test]
fn completion_races_waker_registration() {
    loom::model(|| {
        let pool = WorkerPool::new(1);
        let mut pending = pool.submit(|| 42);
        let (counter, waker) = counting_waker();
        match poll(&mut pending, &waker) {
            Poll::Ready(result) => {
                assert_eq!(result.unwrap(), 42);
                pool.join();
                assert_eq!(
                    wakes(&counter),
                    0,
                    "woken although the first poll was Ready"
                );
            }
            Poll::Pending => {
                // `join` returns after the job finished, i.e. after its wake.
                pool.join();
                assert_eq!(wakes(&counter), 1, "a poll saw Pending: exactly one wake");
                assert_eq!(
                    poll(&mut pending, &waker).map(Result::unwrap),
                    Poll::Ready(42)
                );
            }
        }
        drop(pool);
        assert!(wakes(&counter) <= 1, "woken twice");
    });
}

/// A re-poll with a different waker (the future moved to another task) replaces the stored
/// one: the completion wakes the waker of the latest poll that saw `Pending`, once, and never
/// the stale one.
#[test]
fn repoll_with_new_waker_never_wakes_the_stale_one() {
    loom::model(|| {
        let pool = WorkerPool::new(1);
        let mut pending = pool.submit(|| 7);
        let (old, old_waker) = counting_waker();
        let (new, new_waker) = counting_waker();
        let first = poll(&mut pending, &old_waker);
        let second = first.is_pending().then(|| poll(&mut pending, &new_waker));
        pool.join();
        match second {
            // Done before the first poll: nobody was waiting, nobody is woken.
            None => assert_eq!((wakes(&old), wakes(&new)), (0, 0)),
            // Done between the polls: the first poll's waker was current and is woken.
            Some(Poll::Ready(result)) => {
                assert_eq!(result.unwrap(), 7);
                assert_eq!((wakes(&old), wakes(&new)), (1, 0));
            }
            // Done after both polls: only the latest waker.
            Some(Poll::Pending) => {
                assert_eq!((wakes(&old), wakes(&new)), (0, 1));
                assert_eq!(
                    poll(&mut pending, &new_waker).map(Result::unwrap),
                    Poll::Ready(7)
                );
            }
        }
    });
}

/// A thread blocked in `wait` races the completion: it always gets the result (a lost
/// condvar notification would deadlock the model).
#[test]
fn wait_receives_the_result() {
    loom::model(|| {
        let pool = WorkerPool::new(1);
        let pending = pool.submit(|| "done");
        assert_eq!(pending.wait().unwrap(), "done");
    });
}

/// A job that panics counts as finished: `join` returns, its `Pending` carries the payload,
/// and the worker survives to run the next job.
#[test]
fn panicking_job_releases_join() {
    silence_expected_panics();
    loom::model(|| {
        let pool = WorkerPool::new(1);
        let crashed = pool.submit(|| -> u8 { std::panic::panic_any(ExpectedPanic) });
        pool.join();
        assert!(
            crashed.is_ready(),
            "join returned before the job's result was in"
        );
        let err = crashed.wait().unwrap_err();
        assert!(err.is_panic());
        assert!(err.into_panic().is::<ExpectedPanic>());
        assert_eq!(
            pool.submit(|| 1).wait().unwrap(),
            1,
            "the worker died with the job"
        );
    });
}

/// A job whose `Pending` was dropped still runs before `join` returns.
#[test]
fn dropped_pending_still_runs() {
    loom::model(|| {
        let pool = WorkerPool::new(1);
        let ran = LoomArc::new(AtomicUsize::new(0));
        let job_ran = ran.clone();
        drop(pool.submit(move || job_ran.fetch_add(1, SeqCst)));
        pool.join();
        assert_eq!(ran.load(SeqCst), 1);
    });
}

/// `shutdown_now` races the worker taking the job: the job either ran (and was not counted as
/// cancelled) or was dropped unrun (and its `Pending` says so) — never both, never neither.
#[test]
fn shutdown_now_cancels_or_runs_each_job() {
    loom::model(|| {
        let pool = WorkerPool::new(1);
        let pending = pool.submit(|| 5);
        let cancelled = pool.shutdown_now();
        match (cancelled, pending.wait()) {
            (0, Ok(v)) => assert_eq!(v, 5),
            (1, Err(e)) => assert!(e.is_cancelled()),
            (n, r) => panic!("{n} cancelled but the job's result is {r:?}"),
        }
    });
}
