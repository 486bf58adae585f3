//! A task: a spawned future in its one allocation, the waker it holds (if any), its flags, and
//! how it finishes.
//!
//! **Decision: one allocation per task.** The slab slot holds the task by value (`slab.rs`);
//! the task is the future's box — `Pin<Box<dyn TaskFuture>>`, the user's future itself with its
//! output type erased — the waker it kept from a poll, if any (`lent_waker.rs`), and its flags. Safe Rust cannot pin a field of an `Rc`, so the
//! textbook "task cell holding the future and the result" costs a second allocation; here the
//! future is the only thing pinned and it is pinned by its own box. The output has nowhere to
//! live in the task, so it goes where someone will read it: to the executor's join table
//! (`join_table.rs`) if the task's `JoinHandle` is alive, or straight to the drop queue if
//! nobody holds one (a detached task leaves nothing behind). A `()` output (any zero-sized one)
//! is boxed without an allocation.
//!
//! **Invariant: the task is moved out and back**, never borrowed across user code: the run loop
//! takes the `Task` out of its slot for the poll and leaves `Stage::Polling` behind, which is
//! also how a task that touches its *own* handle during the poll (aborts itself, asks
//! `is_finished`, awaits itself) is recognised. So no re-entrant call can observe a half-updated
//! slot.
//!
//! **Order when a task ends** (`Core::finish`): the slot is freed and the outcome stored first,
//! then the future is dropped, then the awaiter is woken — so the future's `Drop` already sees
//! the task finished (`is_finished`, "already finished → Ok" for a late abort). Everything the
//! executor drops for a task — the future, an output or panic nobody reads — goes through
//! `drop_queue.rs`: a panic in their `Drop` stays inside, and a chain of tasks reaching each
//! other through those drops is dropped by a loop.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::drop_queue::drop_deferred;
use crate::join_handle::JoinError;
use crate::run_loop::Core;
use crate::slab::{Flags, TaskId};
use crate::waker::{CrossThread, PollWaker};
use std::sync::Arc;

/// What a task ends with: its output (type-erased; the handle downcasts it) or why it has none.
pub(crate) type Outcome = Result<Box<dyn Any>, JoinError>;

/// A spawned future with its output type erased, so every task has the same type.
pub(crate) trait TaskFuture {
    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Box<dyn Any>>;
    /// False if dropping the future runs no code but the box's free (no drop queue needed).
    fn needs_drop(&self) -> bool;
}

impl<F: Future> TaskFuture for F
where
    F::Output: 'static,
{
    fn poll_task(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Box<dyn Any>> {
        self.poll(cx).map(|output| Box::new(output) as Box<dyn Any>)
    }

    fn needs_drop(&self) -> bool {
        std::mem::needs_drop::<F>()
    }
}

/// A live task, as its slab slot holds it between polls.
pub(crate) struct Task {
    future: Pin<Box<dyn TaskFuture>>,
    /// The waker the task holds between polls: by default one only if its future kept the one
    /// lent to a poll (a layer: `lent_waker.rs`); in the textbook variant its own for life.
    pub(crate) waker: PollWaker,
    pub(crate) flags: Flags,
}

impl Task {
    pub(crate) fn new<F>(future: F, id: TaskId, cross_thread: &Arc<CrossThread>) -> Self
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Task {
            future: Box::pin(future),
            waker: PollWaker::new(id, cross_thread),
            flags: Flags {
                joined: true, // `spawn` returns its handle
                abort_requested: false,
                scheduled: true, // `spawn` queues it
            },
        }
    }

    /// Polls the future of task `id` once with the task's waker. A panic is caught and becomes
    /// the outcome: it must not unwind through the run loop.
    pub(crate) fn poll(&mut self, id: TaskId, core: &Core) -> Poll<Outcome> {
        let future = self.future.as_mut();
        // The waker's `scheduled` flag is cleared before the poll: a wake from now on, even one
        // during the poll, queues the task again. AssertUnwindSafe: after a panic the future is
        // never polled again (only dropped), so no broken invariant inside it can be observed.
        let polled = self
            .waker
            .poll_with(id, &mut self.flags.scheduled, core, |cx| {
                catch_unwind(AssertUnwindSafe(|| future.poll_task(cx)))
            });
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(payload) => Poll::Ready(Err(JoinError::panic(payload))),
        }
    }

    /// Drops the task's future (its `Drop` is user code: through the drop queue, which may
    /// defer it if another drop is in progress).
    fn drop_future(self) {
        // A clone still out there must not queue the freed id.
        self.waker.retire();
        if self.future.needs_drop() {
            drop_deferred(self.future);
        } // else: no user code in its drop, only the box's free
    }
}

impl Core {
    /// Task `id` has left the slab (it finished, or was cancelled): stores `outcome` for its
    /// handle if `joined` (else drops it), then drops the future if there still is one. Returns
    /// the awaiter's waker, for the caller to wake (quietly) last.
    pub(crate) fn finish(
        &self,
        id: TaskId,
        joined: bool,
        outcome: Outcome,
        task: Option<Task>,
    ) -> Option<Waker> {
        // The outcome is stored before the old future is dropped: its `Drop` is user code and
        // may look at this very task (e.g. abort its own handle: a no-op now).
        let (awaiter, unread) = if joined {
            (self.joins.borrow_mut().finish(id, outcome), None)
        } else {
            (None, Some(outcome))
        };
        if let Some(task) = task {
            task.drop_future();
        }
        // Nobody will read it: an output with a `Drop`, or a panic's payload, through the queue.
        if let Some(unread) = unread {
            drop_deferred(unread);
        }
        awaiter
    }
}

#[cfg(test)]
#[cfg(not(loom))]
#[cfg(not(executor_owned_waker))]
mod tests {
    use super::*;

    /// The layout the memory per task relies on: a task is the future's box (a `dyn` pointer),
    /// the waker it kept (one word, `None` for most) and its flags in the padding: a slot is
    /// four words, whatever the future. A new field here costs every task 8 bytes.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_task_is_four_words() {
        assert_eq!(std::mem::size_of::<Task>(), 32);
        assert_eq!(std::mem::size_of::<crate::slab::Stage>(), 32);
    }
}
