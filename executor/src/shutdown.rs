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
use crate::slab::{Stage, TaskId, TaskSlab};
use crate::sync::lock;
use crate::waker::CrossThread;

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

impl TaskSlab {
    /// Frees slot `index` whatever its generation (executor shutdown, one slot at a time so a
    /// dropping future may still reach the others); `None` past the end or for a free slot.
    pub(crate) fn remove_at(&mut self, index: usize) -> Option<(TaskId, Stage)> {
        let index = u32::try_from(index)
            .ok()
            .filter(|&i| (i as usize) < self.capacity())?;
        self.vacate(index)
    }
}

impl TaskId {
    /// The `n`-th id outside the slab (`n` > 0): the handle of a task cancelled at spawn during
    /// teardown is filed under one in the join table. Never `MAIN`, never a slab id.
    pub(crate) fn outside(n: u32) -> TaskId {
        TaskId {
            index: u32::MAX,
            generation: n,
        }
    }
}

impl CrossThread {
    /// Executor shutdown: forget queued ids and ignore every later wake.
    pub(crate) fn close(&self) {
        let mut injector = lock(&self.injector);
        injector.closed = true;
        injector.queue = Vec::new();
    }
}
