//! `JoinHandle` (asyncio's `Task` object as seen by its creator) and `JoinError`.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::abort_on_drop::AbortOnDrop;
use crate::drop_queue::{drop_deferred, wake_quietly};
use crate::join_table::JoinTable;
use crate::run_loop::Core;
use crate::slab::{Stage, TaskId};

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
///
/// A handle yields exactly the type its task returns: it cannot be coerced to a handle of a
/// wider type (it is invariant in `T`), which is what lets the executor store outcomes
/// type-erased.
///
/// ```compile_fail,E0308
/// fn first(x: &u8) -> u8 { *x }
/// executor::run(async {
///     let handle: executor::JoinHandle<for<'a> fn(&'a u8) -> u8> =
///         executor::spawn(async { first as for<'a> fn(&'a u8) -> u8 });
///     let widened: executor::JoinHandle<fn(&'static u8) -> u8> = handle; // does not compile
///     widened.await
/// });
/// ```
pub struct JoinHandle<T> {
    id: TaskId,
    /// The task's executor, to abort the task or ask whether it finished. `Weak`: a task holding
    /// its own handle must not keep its executor alive in a cycle (`None` once it is gone: its
    /// teardown finished every task).
    core: Weak<Core>,
    /// Where the task's outcome waits for us (`join_table.rs`); it outlives the executor.
    joins: Rc<RefCell<JoinTable>>,
    /// Set once the outcome was returned.
    consumed: bool,
    /// `fn(T) -> T`: the handle yields a `T` but holds none (so it is `Unpin` whatever `T`),
    /// and it is *invariant* in `T`: the outcome comes back as `Box<dyn Any>`, downcast to
    /// exactly the type spawned, so a handle must not be coerced to a handle of another type
    /// (`fn() -> T` would let `JoinHandle<for<'a> fn(&'a u8)>` become `JoinHandle<fn(&'static u8)>`).
    output: PhantomData<fn(T) -> T>,
}

impl<T> JoinHandle<T> {
    /// The handle of task `id`, just spawned on `core` (its slot says `joined`).
    pub(crate) fn new(id: TaskId, core: &Rc<Core>) -> Self {
        Self::with_table(id, Rc::downgrade(core), core.joins.clone())
    }

    pub(crate) fn with_table(id: TaskId, core: Weak<Core>, joins: Rc<RefCell<JoinTable>>) -> Self {
        JoinHandle {
            id,
            core,
            joins,
            consumed: false,
            output: PhantomData,
        }
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
        let Some(core) = self.core.upgrade() else {
            return; // its executor is gone: the task finished (teardown cancelled it)
        };
        let idle = {
            let mut tasks = core.tasks.borrow_mut();
            match tasks.get_mut(self.id) {
                None => return, // finished already: abort is a no-op, the result stays
                // Being polled right now (a task aborting itself, or a handle reached from
                // inside the task): it cannot be dropped mid-poll; the run loop cancels it after.
                Some(Stage::Polling(flags)) => {
                    flags.abort_requested = true;
                    return;
                }
                Some(Stage::Idle(_)) => tasks.remove(self.id),
            }
        };
        // Out of the slab (a queued id of it is stale now): stored cancelled, then its future
        // dropped, then whoever awaits it woken — outside every borrow.
        if let Some(Stage::Idle(task)) = idle {
            let outcome = Err(JoinError::cancelled());
            let joined = task.flags.joined;
            if let Some(awaiter) = core.finish(self.id, joined, outcome, Some(task)) {
                wake_quietly(awaiter);
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
        self.consumed
            || self
                .core
                .upgrade()
                .map_or(true, |core| !core.tasks.borrow().contains(self.id))
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(
            !this.consumed,
            "a JoinHandle was polled again after it returned its result; await it once"
        );
        let outcome = this.joins.borrow_mut().take(this.id);
        let Some(outcome) = outcome else {
            // Unfinished (a finished task with a live handle always leaves its outcome): wait in
            // the table. The replaced waker is dropped outside the borrow.
            let replaced = this.joins.borrow_mut().register(this.id, cx.waker());
            drop(replaced);
            return Poll::Pending;
        };
        this.consumed = true;
        Poll::Ready(outcome.map(|output| match output.downcast::<T>() {
            Ok(output) => *output,
            Err(_) => unreachable!("a task's output has its handle's type"),
        }))
    }
}

/// Detaches the task: it runs on, and its outcome will be dropped. An outcome already there
/// (nobody read it), or the waker of whoever awaited this handle, is dropped through the drop
/// queue: its `Drop` may panic, or drop the handle of the next finished task in a chain.
impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.consumed {
            return;
        }
        if let Some(core) = self.core.upgrade() {
            if let Some(stage) = core.tasks.borrow_mut().get_mut(self.id) {
                stage.flags_mut().joined = false;
            }
        }
        let entry = self.joins.borrow_mut().forget(self.id);
        if let Some(entry) = entry {
            drop_deferred(entry);
        }
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
