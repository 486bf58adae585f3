//! One spawned task: its future, then its result, plus who awaits it.
//!
//! The slab holds the cell as `Rc<dyn RawTask>` (to poll it) and the `JoinHandle` holds the same
//! cell as `Rc<dyn Joinable<T>>` (to read the result): the result needs no separate slot. The
//! future sits in its own `Pin<Box<F>>` because safe Rust cannot pin a field inside an `Rc`
//! (that needs unsafe pin projection), so a spawn costs two allocations: the `Rc` and the box.
//!
//! Everything here is single-threaded (`RefCell`/`Cell`): only the executor's thread polls a
//! task, and `JoinHandle` is not `Send`. The `RefCell` around the stage is borrowed mutably for
//! the whole poll; the handle's methods use `try_borrow*`, so a task that touches its *own*
//! handle while running (aborts itself, asks `is_finished`) gets a sensible answer instead of a
//! double-borrow panic.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::join::{JoinError, Joinable};
use crate::task::RawTask;

enum Stage<F: Future> {
    Running(Pin<Box<F>>),
    Finished(Result<F::Output, JoinError>),
    /// The handle took the result.
    Consumed,
}

pub(crate) struct TaskCell<F: Future> {
    stage: RefCell<Stage<F>>,
    /// This task's own waker: used to poll it, and by `abort` to get the slot freed.
    waker: Waker,
    /// Whoever awaits the `JoinHandle`.
    join_waker: Cell<Option<Waker>>,
    /// `abort` was called while the future was being polled (it could not be dropped then).
    abort_requested: Cell<bool>,
}

impl<F: Future> TaskCell<F> {
    pub(crate) fn new(future: F, waker: Waker) -> Self {
        TaskCell {
            stage: RefCell::new(Stage::Running(Box::pin(future))),
            waker,
            join_waker: Cell::new(None),
            abort_requested: Cell::new(false),
        }
    }

    /// Stores the outcome, drops the future, wakes the awaiter.
    fn finish(&self, outcome: Result<F::Output, JoinError>) {
        // `replace` releases the borrow before the old stage (the future) is dropped: its `Drop`
        // is user code and may call back into this very cell (e.g. abort its own handle).
        let old = self.stage.replace(Stage::Finished(outcome));
        drop_quietly(old);
        if let Some(waker) = self.join_waker.take() {
            waker.wake();
        }
    }

    fn is_running(&self) -> Option<bool> {
        self.stage
            .try_borrow()
            .ok()
            .map(|stage| matches!(*stage, Stage::Running(_)))
    }
}

/// Drops a future (or stage) and swallows a panic from its `Drop`: a task's destructor must not
/// take down the executor any more than its `poll` may.
fn drop_quietly<T>(value: T) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
}

impl<F: Future> RawTask for TaskCell<F> {
    fn poll(&self) -> bool {
        let polled = {
            let mut stage = self.stage.borrow_mut();
            let Stage::Running(future) = &mut *stage else {
                return true; // aborted while it waited in the run queue
            };
            let mut cx = Context::from_waker(&self.waker);
            // A panicking task must not unwind through the run loop: catch it here and hand it
            // to the JoinHandle. AssertUnwindSafe: after a panic the future is never polled
            // again (only dropped), so no broken invariant inside it can be observed.
            catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)))
        };
        let outcome = match polled {
            Ok(Poll::Pending) if !self.abort_requested.get() => return false,
            // Aborted during its own poll, and not finished: cancel now that we may drop it.
            Ok(Poll::Pending) => Err(JoinError::cancelled()),
            // Finished, even if an abort came during this last poll: "already finished → Ok".
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panic(payload)),
        };
        self.finish(outcome);
        true
    }

    fn shutdown(&self) {
        if self.is_running() == Some(true) {
            self.finish(Err(JoinError::cancelled()));
        }
    }
}

impl<F: Future> Joinable<F::Output> for TaskCell<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        if let Ok(mut stage) = self.stage.try_borrow_mut() {
            match std::mem::replace(&mut *stage, Stage::Consumed) {
                Stage::Finished(outcome) => return Poll::Ready(outcome),
                Stage::Consumed => panic!("JoinHandle polled again after it returned its result"),
                running => *stage = running,
            }
        }
        // Keep the stored waker if it would wake the same task (the common case: no clone).
        let waker = match self.join_waker.take() {
            Some(old) if old.will_wake(cx.waker()) => old,
            _ => cx.waker().clone(),
        };
        self.join_waker.set(Some(waker));
        Poll::Pending
    }

    fn abort(&self) {
        match self.is_running() {
            // Being polled right now (a task aborting itself, or a handle reached from inside
            // the task): it cannot be dropped mid-poll; the run loop cancels it after the poll.
            None => self.abort_requested.set(true),
            Some(true) => {
                self.finish(Err(JoinError::cancelled()));
                // Have the run loop visit the task so it frees the slot (poll sees the
                // finished stage and reports it done).
                self.waker.wake_by_ref();
            }
            Some(false) => {} // finished already: abort is a no-op, the result stays
        }
    }

    fn is_finished(&self) -> bool {
        self.is_running() == Some(false)
    }
}
