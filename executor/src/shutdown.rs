//! Teardown: what dropping an `Executor` does. Every task still pending is cancelled (its
//! future dropped, its handle yields "cancelled"), every timer's waker is dropped, and the
//! cross-thread half is closed, so a waker that outlives the executor is a no-op.
//!
//! A layer beside the run loop: nothing here runs while the executor runs. Every `Drop` it
//! triggers is user code, so it runs with the executor entered (a `Drop` may call `spawn`,
//! `now` or drop a `Sleep`), outside every borrow, and through the drop queue.

use std::future::Future;
use std::rc::{Rc, Weak};

use crate::context;
use crate::drop_queue;
use crate::join_handle::{JoinError, JoinHandle};
use crate::run_loop::Core;
use crate::slab::{Stage, TaskId};

impl Core {
    pub(crate) fn shutdown(self: &Rc<Self>) {
        self.closing.set(true);
        // Entered, so a dropping future's `Drop` may still call `spawn` (cancelled at once, see
        // `closing`), `now`, or drop a `Sleep`.
        let _enter = context::enter(self.clone());
        // A queue of our own, as `block_on` has: when this executor is dropped inside another
        // drop (a finished task's output held it), its tasks' drops still run here, with it
        // current — not later, under whatever executor (or none) is current then.
        let _drops = drop_queue::Scope::enter();
        // One slot at a time, no borrow held while its future drops: that `Drop` may abort
        // (or drop the handles of) tasks further on, which then finish right there. Every
        // future first; then whoever awaited a task is woken (quietly, as the run loop does).
        let mut awaiters = Vec::new();
        let slots = self.tasks.borrow().capacity(); // no spawn grows it now (`closing`)
        for index in 0..slots {
            let Some((id, stage)) = self.tasks.borrow_mut().remove_at(index) else {
                continue;
            };
            // `Polling`: torn down inside its own poll; the run loop drops the future after.
            let (joined, task) = match stage {
                Stage::Idle(task) => (task.flags.joined, Some(task)),
                Stage::Polling(flags) => (flags.joined, None),
            };
            let outcome = Err(JoinError::cancelled());
            awaiters.extend(self.finish(id, joined, outcome, task));
        }
        for waker in awaiters {
            drop_queue::wake_quietly(waker);
        }
        let timers = self.timers.borrow_mut().take_all();
        // One by one and caught: a foreign waker's `Drop` is user code too.
        for target in timers {
            drop_queue::drop_quietly(target);
        }
        self.run_queue.borrow_mut().clear();
        self.cross_thread.close();
    }

    /// A spawn while the executor drops its tasks (from a dropping future's `Drop`): the task
    /// is cancelled at once and never enters the slab, so shutdown always ends.
    pub(crate) fn spawn_cancelled<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // Never in the slab: its handle's outcome is filed under an id of its own.
        let n = self.cancelled_spawns.get() + 1;
        self.cancelled_spawns.set(n);
        let id = TaskId::outside(n);
        self.joins
            .borrow_mut()
            .finish(id, Err(JoinError::cancelled()));
        drop_queue::drop_deferred(future);
        JoinHandle::with_table(id, Weak::new(), self.joins.clone())
    }
}
