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
use crate::join_handle::JoinHandle;
use crate::run_loop::Core;
use crate::slab::TaskId;
use crate::task::{RawTask, Task};
use crate::waker::TaskWaker;

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
        let tasks = self.tasks.borrow_mut().take_all();
        // Drop every future first (a future's `Drop` may abort or await-drop other handles),
        // then the cells. No borrow of the slab is held: it is already empty.
        for task in &tasks {
            task.shutdown();
        }
        drop(tasks);
        // Every task is finished now: wake whoever awaited one (quietly, as `wake_joiner`).
        let joiners = self.join_wakers.borrow_mut().take_all();
        for waker in joiners {
            drop_queue::wake_quietly(waker);
        }
        let timers = self.timers.borrow_mut().take_all();
        // One by one and caught: a foreign waker's `Drop` is user code too.
        for waker in timers {
            drop_queue::drop_quietly(waker);
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
        let waker = TaskWaker::new(TaskId::MAIN, self.cross_thread.clone());
        let task = Rc::new(Task::new(future, waker));
        task.shutdown();
        // Never in the slab: the id is never used (`abort` of a finished task does nothing).
        JoinHandle::new(task, Weak::new(), TaskId::MAIN)
    }
}
