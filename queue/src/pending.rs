//! `Pending<T>`: the result of one [`WorkerPool`](crate::WorkerPool) job, awaitable from both
//! worlds — a thread blocks on it with [`Pending::wait`], an async task `.await`s it.
//!
//! This is the other half of asyncio's `loop.run_in_executor` / `asyncio.to_thread` (which
//! hand back an `asyncio.Future` wrapping a `concurrent.futures.Future`) and of tokio's
//! `spawn_blocking` (which hands back a `JoinHandle`). It is a plain [`std::future::Future`]:
//! it knows nothing of any executor, it only stores the [`Waker`] it is polled with and wakes
//! it from the worker thread when the result is in. Any executor whose wakers are `Send`
//! (they must be, `Waker` is) can await it.
//!
//! # The slot
//!
//! The worker and the `Pending` share one small slot: a `Mutex` around a three-state machine
//! and a `Condvar` for [`wait`](Pending::wait).
//!
//! ```text
//!   Waiting { waker }  --complete(result)-->  Done(result)  --poll / wait-->  Taken
//!        ^      |
//!        +------+ poll while waiting: store (or replace) the waker
//! ```
//!
//! Why a mutex and not an atomic state word (as `futures`' `AtomicWaker` does): the waker and
//! the result both change hands, and one lock makes "store the waker" and "store the result"
//! exclusive, so the two races the loom models check — completion vs registration, and a
//! re-poll with a new waker — have only two orders each, both obviously right. The lock is
//! held for a few instructions, once per poll and once per completion.
//!
//! ```
//! use queue::WorkerPool;
//!
//! let pool = WorkerPool::new(2);
//! let pending = pool.submit(|| 6 * 7);
//! // From a thread: block. From async code: `pending.await` instead.
//! assert_eq!(pending.wait().unwrap(), 42);
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

#[cfg(loom)]
use loom::sync::Arc;
#[cfg(not(loom))]
use std::sync::Arc;

use crate::job_error::JobError;
use crate::sync::{Condvar, Mutex, MutexGuard};
use crate::worker;

/// The result of a job submitted to a [`WorkerPool`](crate::WorkerPool).
///
/// Get it by blocking ([`wait`](Self::wait)) or by awaiting it (`Pending<T>` is a
/// `Future<Output = Result<T, JobError>>`). Dropping it does **not** cancel the job: the job
/// still runs and its result is dropped (like dropping tokio's `JoinHandle`, or ignoring
/// asyncio's future) — a side effect you submitted happens either way.
///
/// ```
/// use queue::WorkerPool;
///
/// let pool = WorkerPool::new(1);
/// let pending = pool.submit(|| "done");
/// pool.join(); // every job has finished, so every result is in
/// assert!(pending.is_ready());
/// assert_eq!(pending.wait().unwrap(), "done");
/// ```
pub struct Pending<T> {
    slot: Arc<Slot<T>>,
    /// The pool whose job this is (`worker::pool_id`), so that `wait` on one of its own
    /// workers can help instead of blocking.
    pool: usize,
}

/// The worker's end of the slot: it fills it exactly once, or, if the job is dropped unrun,
/// its `Drop` fills it with a "cancelled" error — so a `Pending` can never wait forever.
pub(crate) struct Completer<T> {
    /// `Some` until `complete` runs; `Drop` fills the slot only if it is still there.
    slot: Option<Arc<Slot<T>>>,
}

struct Slot<T> {
    state: Mutex<State<T>>,
    /// Signalled when the result arrives, for a thread blocked in `wait`.
    done: Condvar,
}

enum State<T> {
    /// The job has not finished. `waker` is the task to wake when it does: `None` until the
    /// `Pending` is first polled (or after `wait` took over).
    Waiting { waker: Option<Waker> },
    /// The job finished; its result waits to be picked up.
    Done(Result<T, JobError>),
    /// The result was handed out; the `Pending` is used up.
    Taken,
}

impl<T> State<T> {
    /// Moves the result out of a `Done` state, leaving `Taken`.
    fn take_result(&mut self) -> Result<T, JobError> {
        match std::mem::replace(self, State::Taken) {
            State::Done(result) => result,
            // Why unreachable: both callers matched `Done` under the same lock just before.
            State::Waiting { .. } | State::Taken => unreachable!("take_result on a slot not Done"),
        }
    }
}

/// A new empty slot, as its two ends.
pub(crate) fn channel<T>(pool: usize) -> (Pending<T>, Completer<T>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(State::Waiting { waker: None }),
        done: Condvar::new(),
    });
    (
        Pending {
            slot: slot.clone(),
            pool,
        },
        Completer { slot: Some(slot) },
    )
}

/// A slot's identity, for `worker.rs` to tell which job is running where: its address.
fn slot_id<T>(slot: &Slot<T>) -> usize {
    std::ptr::from_ref(slot) as usize
}

impl<T> Slot<T> {
    /// Locks the state, recovering from poisoning. Why that is sound: every critical section
    /// is one assignment of a whole `State` (or a `take` of its waker), and no foreign code
    /// runs under the lock — a waker's `clone`, `drop` and `wake` all run after it is released,
    /// and a result is moved out, never dropped, under it. So nothing can panic halfway
    /// through a change; a poisoned lock could only come from our own `panic!`s on misuse,
    /// which change nothing.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Completer<T> {
    /// The identity of the job's result slot (see `worker::Running`).
    pub(crate) fn slot_id(&self) -> usize {
        self.slot.as_deref().map_or(0, slot_id)
    }

    /// Stores the job's result and wakes whoever waits for it.
    pub(crate) fn complete(mut self, result: Result<T, JobError>) {
        if let Some(slot) = self.slot.take() {
            fill(&slot, result);
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        // Still `Some`: the job was dropped without running (`WorkerPool::shutdown_now`).
        if let Some(slot) = self.slot.take() {
            fill(&slot, Err(JobError::cancelled()));
        }
    }
}

fn fill<T>(slot: &Slot<T>, result: Result<T, JobError>) {
    let previous = std::mem::replace(&mut *slot.lock(), State::Done(result));
    // The lock is released here, before any user code: a waker may run an executor's code
    // (which may lock things of its own), and a thread woken from `wait` wants the lock next.
    let waker = match previous {
        // Why wake it: a task polled us and returned `Pending`; this is the wake it awaits.
        // It is the *latest* waker (each re-poll replaced it), so no stale task is woken,
        // and it is taken out of the state, so it can be woken only this once.
        State::Waiting { waker } => waker,
        // Why unreachable: `Completer::complete` consumes the completer and `Drop` runs only
        // when `complete` did not, so a slot is filled at most once.
        State::Done(_) | State::Taken => unreachable!("a job's result slot was filled twice"),
    };
    // A thread in `wait` sleeps on the condvar, not on a waker. At most one thread can be there
    // (`wait` consumes the one `Pending`), so `notify_one` is enough.
    slot.done.notify_one();
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T> Pending<T> {
    /// Blocks the current thread until the job has finished, and returns its result.
    ///
    /// Do not call it from async code: it would block the executor's thread (and every task
    /// on it) — `.await` the `Pending` there instead.
    ///
    /// # From inside a job of the same pool
    ///
    /// A job may wait for another job of its own pool, even one queued behind it in a pool of
    /// one thread: while that job has not finished, the waiting worker **helps** — it runs the
    /// pool's queued jobs itself (panics caught, each counted for `join`, as on any worker)
    /// until its job is done or nothing is queued, and only then blocks (the job is running
    /// on another worker). Awaiting (`.await`) cannot help that way — a `poll` must return at
    /// once — so an executor running inside a job that awaits a job of the same pool can
    /// deadlock when every worker is busy: use `wait` there.
    ///
    /// # Panics
    ///
    /// If the `Pending` was already polled to completion (`.await`ed, or polled until
    /// `Ready`): its result was handed out then. If the job is running on this very thread,
    /// further up the stack (a job waiting for itself, or for the job that was helping when it
    /// started): it could never finish.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(2);
    /// let jobs: Vec<_> = (1..=4u64).map(|n| pool.submit(move || n * n)).collect();
    /// let squares: Vec<u64> = jobs.into_iter().map(|p| p.wait().unwrap()).collect();
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// ```
    pub fn wait(self) -> Result<T, JobError> {
        // On a worker of the job's own pool: run queued jobs until this one is done, instead
        // of blocking the thread that may be the one to run it (`worker.rs`).
        worker::help_until(self.pool, slot_id(&self.slot), || self.is_ready());
        let mut state = self.slot.lock();
        loop {
            match &mut *state {
                // Why drop the waker: `wait` consumed the `Pending`, so no task will poll it
                // again, and waking that task would be a spurious wakeup of someone who no
                // longer cares. Dropped with the lock released (a waker's drop is executor
                // code, which may itself wait for this job), then look again.
                State::Waiting { waker } if waker.is_some() => {
                    let stale = waker.take();
                    drop(state);
                    drop(stale);
                    state = self.slot.lock();
                }
                // Why keep waiting: not finished yet.
                State::Waiting { .. } => {
                    state = self
                        .slot
                        .done
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                // Why return: the result is in; it is handed out exactly once.
                State::Done(_) => return state.take_result(),
                // Why panic: a `poll` already returned `Ready` and handed the result out;
                // there is nothing left to wait for, and inventing a result would hide the bug.
                State::Taken => panic!(
                    "Pending::wait after the Pending was polled to completion: the result was \
                     already handed out by poll; use either .await or wait, not both"
                ),
            }
        }
    }

    /// True once the job has finished (its result is ready to be taken without blocking).
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let pending = pool.submit(|| 1);
    /// pool.join();
    /// assert!(pending.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        matches!(*self.slot.lock(), State::Done(_))
    }
}

/// Awaiting a `Pending` from a task.
///
/// # Panics
///
/// `poll` panics if called again after it returned `Ready` (the `Future` contract forbids it;
/// the result was handed out then).
impl<T> Future for Pending<T> {
    type Output = Result<T, JobError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A waker cloned with the lock released, on a first pass that found it needed. Declared
        // before the guard, so that on every way out (a panic included) the guard goes first
        // and a clone left unused is dropped unlocked.
        let mut fresh: Option<Waker> = None;
        loop {
            let mut state = self.slot.lock();
            match &mut *state {
                // Why store the waker: the worker will wake it when the result arrives. A
                // re-poll may come from a different task (the future moved, e.g. into
                // `select!` or another executor), so the stored waker is replaced unless it
                // would wake the same task — `will_wake` saves a clone on the common re-poll.
                // A waker's `clone` and `drop` are executor code, which must not run under the
                // lock: the clone is made on a first pass without it, and the replaced waker
                // is dropped after it.
                State::Waiting { waker } => {
                    if waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        return Poll::Pending;
                    }
                    match fresh.take() {
                        Some(new) => {
                            let replaced = waker.replace(new);
                            drop(state);
                            drop(replaced);
                            return Poll::Pending;
                        }
                        None => {
                            drop(state);
                            fresh = Some(cx.waker().clone());
                        }
                    }
                }
                // Why take it: the result is handed out exactly once; the `Pending` is used up.
                State::Done(_) => return Poll::Ready(state.take_result()),
                // Why panic: polling a future after it returned `Ready` breaks the `Future`
                // contract; saying so beats returning a made-up result.
                State::Taken => panic!(
                    "Pending polled after it returned Ready: the result was already handed out; \
                 a future must not be polled after completion (fuse it if you must)"
                ),
            }
        }
    }
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("ready", &self.is_ready())
            .finish()
    }
}
