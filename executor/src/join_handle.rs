//! `JoinHandle` (asyncio's `Task` object as seen by its creator) and `JoinError`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::abort_on_drop::AbortOnDrop;
use crate::run_loop::Core;
use crate::slab::TaskId;
use crate::task::{Stage, Task};

/// The operations a `JoinHandle<T>` needs, implemented by the task cell whatever its future type.
pub(crate) trait Joinable<T> {
    /// The outcome, if the task has finished (the caller registers its waker otherwise).
    fn poll_join(&self) -> Poll<Result<T, JoinError>>;
    /// Cancels the task; true if the run loop must now visit it to free its slot.
    fn abort(&self) -> bool;
    fn is_finished(&self) -> bool;
}

/// An owned permission to await a spawned task's result, or to cancel it.
///
/// Awaiting yields `Ok(output)`, or a [`JoinError`] if the task panicked or was aborted.
/// Dropping the handle *detaches* the task: it keeps running, and its result is dropped (a
/// panic in that result's `Drop` is caught and dropped, as tokio does). To cancel the task on
/// drop instead, see [`abort_on_drop`](Self::abort_on_drop).
/// The handle is not `Send`: the task lives on the executor's thread, and so does its handle.
///
/// # Panics
/// Polling it again after it returned the result (await a handle once).
///
/// ```
/// let out = executor::run(async {
///     let handle = executor::spawn(async { 6 * 7 });
///     handle.await
/// });
/// assert_eq!(out.unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    task: Rc<dyn Joinable<T>>,
    /// Where an aborted task is queued so that the run loop frees its slot. Here, not in the
    /// task: bytes here cost nothing per *pending* task — its handle is usually dropped, or
    /// sits in the future that awaits it. `Weak`: a task holding its own handle must not keep
    /// its executor alive in a cycle.
    core: Weak<Core>,
    id: TaskId,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: Rc<dyn Joinable<T>>, core: Weak<Core>, id: TaskId) -> Self {
        JoinHandle { task, core, id }
    }

    /// Cancels the task (asyncio's `Task.cancel`): its future is dropped — right away, or right
    /// after its current poll if the task is aborting itself — and the handle yields a cancelled
    /// [`JoinError`]. Idempotent. A task that already finished keeps its result: the handle
    /// still yields `Ok`.
    ///
    /// If the future's `Drop` panics — or the waker of whoever polled this handle panics as
    /// the abort wakes it — the panic is caught and dropped: `abort` returns
    /// normally and the handle yields the cancelled error all the same — the task *was*
    /// cancelled, its destructor merely failed (a panic in a poll is what `is_panic` reports).
    ///
    /// ```
    /// use std::time::Duration;
    /// let result = executor::Executor::with_virtual_clock().block_on(async {
    ///     let handle = executor::spawn(executor::sleep(Duration::from_secs(60)));
    ///     handle.abort();
    ///     handle.abort(); // no effect the second time
    ///     handle.await
    /// });
    /// assert!(result.unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        if self.task.abort() {
            if let Some(core) = self.core.upgrade() {
                // Straight onto the run queue, no waker involved: the handle is not `Send`, so
                // this is the executor's thread. A duplicate entry (the task was queued already)
                // is harmless: the first visit frees the slot, the second finds a stale id.
                core.run_queue.borrow_mut().push_back(self.id);
                // It finished just now: whoever awaits it learns so.
                core.wake_joiner(self.id);
            }
        }
    }

    /// Makes this handle cancel the task when dropped: awaiting the result yields the same
    /// `Result<T, JoinError>`, and a drop before the task finished aborts it. So
    /// `timeout(d, handle.abort_on_drop())` is asyncio's `wait_for(task, d)`, which cancels the
    /// task on time-out; `timeout(d, handle)` would only detach it.
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    /// let ex = executor::Executor::with_virtual_clock();
    /// let finished = Rc::new(Cell::new(false));
    /// let task = ex.spawn({ let finished = finished.clone(); async move {
    ///     executor::sleep(Duration::from_secs(10)).await;
    ///     finished.set(true);
    /// }});
    /// let out = ex.block_on(executor::timeout(Duration::from_secs(1), task.abort_on_drop()));
    /// assert!(out.is_err());
    /// ex.block_on(executor::sleep(Duration::from_secs(20)));
    /// assert!(!finished.get(), "cancelled on time-out, as `wait_for` does");
    /// ```
    pub fn abort_on_drop(self) -> AbortOnDrop<T> {
        AbortOnDrop::new(self)
    }

    /// True once the task has finished: returned, panicked, or been cancelled (asyncio's
    /// `Task.done`).
    ///
    /// ```
    /// executor::run(async {
    ///     let handle = executor::spawn(async {});
    ///     assert!(!handle.is_finished()); // spawned, not run yet
    ///     executor::yield_now().await; // let it run
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let poll = self.task.poll_join();
        if poll.is_pending() {
            // Unfinished, so its executor is alive (teardown finishes every task): wait in its
            // table (`join_wakers.rs`). The replaced waker is dropped outside the borrow.
            if let Some(core) = self.core.upgrade() {
                let replaced = core.join_wakers.borrow_mut().register(self.id, cx.waker());
                drop(replaced);
            }
        }
        poll
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

/// Why a task produced no result: it was cancelled ([`JoinHandle::abort`], or its executor was
/// dropped first) or it panicked.
///
/// ```
/// let err = executor::run(async {
///     executor::spawn(async { panic!("boom") }).await.unwrap_err()
/// });
/// assert!(err.is_panic() && !err.is_cancelled());
/// assert_eq!(err.to_string(), "task panicked: boom");
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// ```
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    pub(crate) fn cancelled() -> Self {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError {
            repr: Repr::Panic(payload),
        }
    }

    /// True if the task was cancelled.
    ///
    /// ```
    /// let err = executor::run(async {
    ///     let handle = executor::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     handle.await.unwrap_err()
    /// });
    /// assert!(err.is_cancelled());
    /// assert_eq!(err.to_string(), "task was cancelled");
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    ///
    /// ```
    /// let err = executor::run(async {
    ///     executor::spawn(async { panic!("x") }).await.unwrap_err()
    /// });
    /// assert!(err.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, e.g. to re-raise it with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was cancelled rather than panicking: check [`is_panic`](Self::is_panic)
    /// first.
    ///
    /// ```
    /// let err = executor::run(async {
    ///     executor::spawn(async { std::panic::panic_any(7_u8) }).await.unwrap_err()
    /// });
    /// assert_eq!(*err.into_panic().downcast::<u8>().unwrap(), 7);
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.repr {
            Repr::Panic(payload) => payload,
            Repr::Cancelled => panic!(
                "JoinError::into_panic was called on a cancelled task's error; \
                 check `is_panic()` first"
            ),
        }
    }

    /// The panic message, when the payload is a string (as `panic!("...")` makes it).
    fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(payload) => payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
            Repr::Cancelled => None,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("JoinError::Cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "JoinError::Panic({message:?})"),
            (Repr::Panic(_), None) => f.write_str("JoinError::Panic(..)"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("task was cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "task panicked: {message}"),
            (Repr::Panic(_), None) => f.write_str("task panicked"),
        }
    }
}

impl std::error::Error for JoinError {}

/// The awaiting side of a task: what a `JoinHandle` reads from (and does to) the task's stage.
/// The task stores its outcome in `finish`; this takes it out.
impl<F: Future + 'static> Joinable<F::Output> for Task<F> {
    fn poll_join(&self) -> Poll<Result<F::Output, JoinError>> {
        match self.stage.replace(Stage::Consumed) {
            Stage::Finished(outcome) => Poll::Ready(outcome),
            Stage::Consumed => {
                panic!("a JoinHandle was polled again after it returned its result; await it once")
            }
            unfinished => {
                self.stage.set(unfinished);
                Poll::Pending
            }
        }
    }

    fn abort(&self) -> bool {
        match self.stage.replace(Stage::Consumed) {
            // Being polled right now (a task aborting itself, or a handle reached from inside
            // the task): it cannot be dropped mid-poll; the run loop cancels it after the poll.
            Stage::Polling { .. } => {
                self.stage.set(Stage::Polling {
                    abort_requested: true,
                });
                false
            }
            idle @ Stage::Idle { .. } => {
                self.stage.set(idle);
                self.finish(Err(JoinError::cancelled()));
                // The run loop must visit the task so it frees the slot (poll sees the finished
                // stage and reports it done).
                true
            }
            // Finished already: abort is a no-op, the result stays.
            done => {
                self.stage.set(done);
                false
            }
        }
    }

    fn is_finished(&self) -> bool {
        self.peek(|stage| matches!(stage, Stage::Finished(_) | Stage::Consumed))
    }
}
