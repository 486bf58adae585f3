//! `SpawnHandle`: the result of a future handed over by a [`Spawner`](crate::Spawner), for any
//! thread — `wait()` blocks a thread, `.await` suspends a task.
//!
//! The task and its handle share one slot (`Mutex` + `Condvar`, through the `sync` shim): the
//! task's side (`Completion`) fills it exactly once — `Ok`, the panic, or "cancelled" when it is
//! dropped unfilled (the task was torn down, or never left the inbox) — so a waiting handle is
//! always released. The outcome moves in under the lock; the awaiter's waker is taken out under
//! it and woken (or dropped) after, so no user code runs under the lock.
//!
//! `wait()` on the executor's own thread is refused with a panic: that thread would block
//! before the executor could run the task — a certain deadlock, even when the result happens to
//! be there already (a program that works only sometimes is worse than one that never does).

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::join_handle::JoinError;
use crate::sync::{current_thread, lock, Condvar, Mutex, ThreadId};

/// The result of a future spawned with [`Spawner::spawn`](crate::Spawner::spawn):
/// [`wait`](Self::wait) for it on another thread, or `.await` it in a task (of any executor).
///
/// It yields `Ok(output)`, or a [`JoinError`]: the future panicked (`is_panic`, with the
/// payload), or it was cancelled because the executor was dropped before it finished
/// (`is_cancelled`). Dropping the handle detaches the task: it still runs, its output is
/// dropped. On a virtual-clock executor other than the task's own, await it through
/// [`off_thread`](crate::off_thread): it completes on another thread.
///
/// # Panics
/// Polling it again after it returned the result (await a handle once).
///
/// ```
/// let ex = executor::Executor::new();
/// let err = ex.block_on(ex.spawner().spawn(async { panic!("boom") }).unwrap()).unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "task panicked: boom");
/// ```
#[must_use = "dropping the handle detaches the task; `wait()` or `.await` it for the result"]
pub struct SpawnHandle<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    slot: Mutex<Slot<T>>,
    filled: Condvar,
    /// The executor's thread, where `wait` would deadlock.
    owner: ThreadId,
}

enum Slot<T> {
    /// Not finished; the waker of whoever awaits the handle.
    Running(Option<Waker>),
    Done(Result<T, JoinError>),
    /// The handle took the result.
    Taken,
}

/// The task's side of the slot: fills it once, with "cancelled" if dropped unfilled.
pub(crate) struct Completion<T> {
    shared: Option<Arc<Shared<T>>>,
}

/// A fresh slot's two sides; `owner` is the executor's thread.
pub(crate) fn pair<T>(owner: ThreadId) -> (Completion<T>, SpawnHandle<T>) {
    let shared = Arc::new(Shared {
        slot: Mutex::new(Slot::Running(None)),
        filled: Condvar::new(),
        owner,
    });
    let completion = Completion {
        shared: Some(shared.clone()),
    };
    (completion, SpawnHandle { shared })
}

impl<T> Completion<T> {
    fn fill(&mut self, outcome: Result<T, JoinError>) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let old = std::mem::replace(&mut *lock(&shared.slot), Slot::Done(outcome));
        shared.filled.notify_all();
        // The lock is released: the awaiter's waker may run anything.
        if let Slot::Running(Some(waker)) = old {
            waker.wake();
        }
    }
}

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        self.fill(Err(JoinError::cancelled()));
    }
}

/// The task a handed-over future runs in: polls it, and fills the slot when it returns or
/// panics (a panic is caught here, so the payload reaches the handle, not the detached
/// `JoinHandle`). Dropped unfinished, its `Completion` says "cancelled".
pub(crate) fn deliver<F: Future>(future: F, completion: Completion<F::Output>) -> Deliver<F> {
    Deliver {
        future: Box::pin(future),
        completion,
    }
}

/// See [`deliver`]. The future is boxed: pinning it in place would need unsafe projection.
pub(crate) struct Deliver<F: Future> {
    future: Pin<Box<F>>,
    completion: Completion<F::Output>,
}

impl<F: Future> Future for Deliver<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // AssertUnwindSafe: after a panic the future is never polled again, only dropped.
        let outcome = match catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panic(payload)),
        };
        this.completion.fill(outcome);
        Poll::Ready(())
    }
}

impl<T> SpawnHandle<T> {
    /// Blocks this thread until the task has finished, and returns its result — asyncio's
    /// `concurrent.futures.Future.result()` of `run_coroutine_threadsafe`. Never hangs on a
    /// dropped executor: the task is cancelled then. It does wait for as long as the executor's
    /// thread does not run it (no `block_on`, no `run_until_*`).
    ///
    /// # Panics
    /// When called on the executor's own thread, which would wait forever: the executor cannot
    /// run the task while this thread blocks. `.await` the handle in a task instead.
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// let handle = ex.spawner().spawn(async { 1 }).unwrap();
    /// let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle.wait()));
    /// assert!(refused.is_err()); // on the executor's thread: a panic, not a deadlock
    /// ```
    pub fn wait(self) -> Result<T, JoinError> {
        if current_thread().id() == self.shared.owner {
            panic!(
                "SpawnHandle::wait was called on the executor's own thread, which would wait \
                 forever (the executor cannot run the task while its thread blocks); `.await` \
                 the handle in a task instead"
            );
        }
        let mut slot = lock(&self.shared.slot);
        // A `while`: a condvar may wake spuriously.
        while let Slot::Running(_) = &*slot {
            slot = self
                .shared
                .filled
                .wait(slot)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        match std::mem::replace(&mut *slot, Slot::Taken) {
            Slot::Done(outcome) => outcome,
            _ => unreachable!("`wait` takes the handle: nobody took the result before"),
        }
    }

    /// True once the task has finished: returned, panicked, or been cancelled.
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// let handle = ex.spawner().spawn(async {}).unwrap();
    /// assert!(!handle.is_finished());
    /// ex.run_until_stalled();
    /// assert!(handle.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        !matches!(&*lock(&self.shared.slot), Slot::Running(_))
    }
}

impl<T> Future for SpawnHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Cloned before the lock (a foreign waker's clone is user code); polls of a handle are
        // few: one per wake of its awaiter.
        let mut new = Some(cx.waker().clone());
        let mut slot = lock(&self.shared.slot);
        let stale = match &mut *slot {
            Slot::Running(waker) => match waker {
                Some(old) if old.will_wake(cx.waker()) => new.take(),
                _ => std::mem::replace(waker, new.take()),
            },
            Slot::Done(_) => match std::mem::replace(&mut *slot, Slot::Taken) {
                Slot::Done(outcome) => return Poll::Ready(outcome),
                _ => unreachable!(),
            },
            Slot::Taken => {
                drop(slot);
                panic!("a SpawnHandle was polled again after it returned its result; await it once")
            }
        };
        drop(slot);
        drop(stale); // a replaced waker's `Drop` is user code: outside the lock
        Poll::Pending
    }
}

impl<T> fmt::Debug for SpawnHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnHandle")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
