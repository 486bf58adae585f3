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

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

#[cfg(loom)]
use loom::sync::Arc;
#[cfg(not(loom))]
use std::sync::Arc;

use crate::sync::{Condvar, Mutex, MutexGuard};

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
pub(crate) fn channel<T>() -> (Pending<T>, Completer<T>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(State::Waiting { waker: None }),
        done: Condvar::new(),
    });
    (
        Pending { slot: slot.clone() },
        Completer { slot: Some(slot) },
    )
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
            fill(&slot, Err(JobError(Repr::Cancelled)));
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
    /// # Panics
    ///
    /// If the `Pending` was already polled to completion (`.await`ed, or polled until
    /// `Ready`): its result was handed out then.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(2);
    /// let jobs: Vec<_> = (1..=4u64).map(|n| pool.submit(move || n * n)).collect();
    /// let squares: Vec<u64> = jobs.into_iter().map(|p| p.wait().unwrap()).collect();
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// ```
    pub fn wait(self) -> Result<T, JobError> {
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

/// Why a job produced no value: it panicked, or it was dropped without running.
///
/// Like tokio's `JoinError`, [`into_panic`](Self::into_panic) gives back the panic payload so
/// the caller can re-raise it with [`std::panic::resume_unwind`].
///
/// ```
/// let pool = queue::WorkerPool::new(1);
/// let err = pool.submit(|| -> u8 { panic!("bad input") }).wait().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "job panicked: bad input");
/// let payload = err.into_panic();
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"bad input"));
/// ```
pub struct JobError(Repr);

enum Repr {
    /// The payload sits in a `std::sync::Mutex` only to make `JobError: Sync` without unsafe
    /// (`Box<dyn Any + Send>` is not `Sync`, and `Mutex<T: Send>` is): so `?` can turn it into
    /// a `Box<dyn Error + Send + Sync>`. The mutex is never contended — only `&self` methods
    /// that read the message lock it.
    Panicked(std::sync::Mutex<Box<dyn Any + Send + 'static>>),
    /// The job was dropped unrun: the pool was shut down with `shutdown_now`.
    Cancelled,
}

impl JobError {
    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> Self {
        JobError(Repr::Panicked(std::sync::Mutex::new(payload)))
    }

    /// True when the job panicked.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// assert!(pool.submit(|| panic!("oops")).wait().unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.0, Repr::Panicked(_))
    }

    /// True when the job never ran: the pool was shut down with
    /// [`shutdown_now`](crate::WorkerPool::shutdown_now) while it was still queued.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let (started, has_started) = std::sync::mpsc::channel();
    /// let (release, held) = std::sync::mpsc::channel::<()>();
    /// let running = pool.submit(move || {
    ///     started.send(()).unwrap();
    ///     held.recv().unwrap(); // occupies the only worker until released
    /// });
    /// let queued = pool.submit(|| 1);
    /// has_started.recv().unwrap();
    /// // Cancelling `queued` is what lets `running` finish, so `queued` cannot have run.
    /// let watcher = std::thread::spawn(move || {
    ///     let result = queued.wait();
    ///     release.send(()).unwrap();
    ///     result
    /// });
    /// assert_eq!(pool.shutdown_now(), 1);
    /// assert!(watcher.join().unwrap().unwrap_err().is_cancelled());
    /// assert!(running.wait().is_ok()); // a job already running is never cancelled
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0, Repr::Cancelled)
    }

    /// The panic payload of a job that panicked, to inspect it or re-raise it with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the job did not panic ([`is_panic`](Self::is_panic) is false), like tokio's
    /// `JoinError::into_panic`.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let err = pool.submit(|| std::panic::panic_any(7_u32)).wait().unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 7);
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.0 {
            Repr::Panicked(payload) => payload.into_inner().unwrap_or_else(PoisonError::into_inner),
            Repr::Cancelled => panic!(
                "JobError::into_panic on a job that was cancelled, not one that panicked; \
                 check is_panic() first"
            ),
        }
    }
}

/// The message of a panic payload, when it is one (`panic!` with a literal or with format
/// arguments gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Panicked(payload) => {
                let payload = payload.lock().unwrap_or_else(PoisonError::into_inner);
                match panic_message(&**payload) {
                    Some(msg) => write!(f, "job panicked: {msg}"),
                    None => f.write_str("job panicked"),
                }
            }
            Repr::Cancelled => f.write_str("job was cancelled before it ran"),
        }
    }
}

impl fmt::Debug for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The payload is `dyn Any`, not `Debug`; print its message when it has one.
        match &self.0 {
            Repr::Panicked(_) => write!(f, "JobError::Panicked({:?})", self.to_string()),
            Repr::Cancelled => f.write_str("JobError::Cancelled"),
        }
    }
}

impl Error for JobError {}
