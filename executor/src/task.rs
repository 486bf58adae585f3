//! One spawned task: its future and its own waker, then its result.
//!
//! The slab holds the task as `Rc<dyn RawTask>` (to poll it) and the `JoinHandle` holds the
//! same task as `Rc<dyn Joinable<T>>` (to read the result, see `join_handle.rs`): the result
//! needs no separate slot. The future sits in its own `Pin<Box<F>>` because safe Rust cannot
//! pin a field inside an `Rc` (that needs unsafe pin projection).
//!
//! **The task owns its waker** (the textbook model): one is made at spawn, passed to every poll
//! and retired when the task finishes. It rides in the `Idle` stage beside the future.
//!
//! **The stage is moved out and back**, never borrowed across user code: `poll` takes the
//! future (and the waker) out and leaves `Stage::Polling` behind, which is also how a task that
//! touches its *own* handle during the poll (aborts itself, asks `is_finished`, awaits itself)
//! is recognised. So no re-entrant call can observe a half-updated stage. Whether the stage is a
//! `Cell` or the textbook `RefCell` is a layer: `stage_cell.rs`.
//!
//! Everything here is single-threaded: only the executor's thread polls a task, and
//! `JoinHandle` is not `Send`. The user values a task drops — the future when the task ends, an
//! output or panic nobody read when the task goes — go through `drop_queue.rs`: a panic in
//! their `Drop` stays inside, and a chain of tasks reaching each other through those drops is
//! dropped by a loop.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::drop_queue::drop_deferred;
use crate::join_handle::JoinError;
use crate::stage_cell::StageCell;
use crate::waker::{OwnWaker, TaskWaker};

/// What the run loop needs from a task, whatever its future's type.
pub(crate) trait RawTask {
    /// Polls the task's future once with the task's own waker; true when the task is finished
    /// and its slot can be freed.
    fn poll(&self) -> bool;
    /// Drops the future now (executor shutdown); the join handle will yield "cancelled".
    fn shutdown(&self);
}

pub(crate) enum Stage<F: Future + 'static> {
    /// Waiting to be polled (in the run queue, or for a wake).
    Idle {
        future: Pin<Box<F>>,
        /// The task's own waker, made at spawn and kept for the task's whole life: every poll
        /// passes it (so `Waker::will_wake` holds across polls), `finish` retires it. It rides
        /// beside the future, where it costs no byte: the stage is as large as `Finished`.
        waker: OwnWaker,
    },
    /// The run loop has the future out and is polling it. `abort_requested`: `abort` was called
    /// meanwhile (the future cannot be dropped mid-poll; the run loop cancels it after).
    Polling {
        abort_requested: bool,
    },
    Finished(Result<F::Output, JoinError>),
    /// The handle took the result.
    Consumed,
}

/// `'static`: its stage may wait in the thread's drop queue (`drop_queue.rs`); `spawn` asks
/// for `'static` anyway. Whoever awaits the task's `JoinHandle` is not here but in the
/// executor's table (a layer: `join_wakers.rs`); whoever finishes the task wakes them.
pub(crate) struct Task<F: Future + 'static> {
    pub(crate) stage: StageCell<Stage<F>>,
}

impl<F: Future + 'static> Task<F> {
    pub(crate) fn new(future: F, waker: TaskWaker) -> Self {
        Task {
            stage: StageCell::new(Stage::Idle {
                future: Box::pin(future),
                waker: OwnWaker::new(waker),
            }),
        }
    }

    /// Looks at the stage (moved out and back: `Stage` is not `Copy`). `look` must not call user
    /// code: while it runs the cell says `Consumed`.
    pub(crate) fn peek<R>(&self, look: impl FnOnce(&Stage<F>) -> R) -> R {
        let stage = self.stage.replace(Stage::Consumed);
        let seen = look(&stage);
        self.stage.set(stage);
        seen
    }

    /// Stores the outcome and drops the future (whatever stage held it); the caller then wakes
    /// the awaiter (`Core::wake_joiner`).
    pub(crate) fn finish(&self, outcome: Result<F::Output, JoinError>) {
        // The stage is replaced before the old one (maybe the future) is dropped: its `Drop` is
        // user code and may call back into this very cell (e.g. abort its own handle).
        let old = self.stage.replace(Stage::Finished(outcome));
        // Only `Idle` holds anything here (`poll` puts the future back before it calls us).
        if let Stage::Idle { future, waker } = old {
            // A clone still out there must not queue the freed id.
            waker.retire();
            // Through the drop queue: the future's `Drop` may abort or spawn the next task of
            // a chain, and must not unwind out of the run loop, `abort` or teardown. Just the
            // box, not the whole stage: fewer bytes to move on every finished task.
            if std::mem::needs_drop::<F>() {
                drop_deferred(future);
            } // else: no user code in its drop, only the box's free
        }
    }
}

/// The last reference is gone (the slab's or the handle's): an output nobody read, or the
/// error of a task that panicked, is dropped through the drop queue — its `Drop` may panic, or
/// drop the handle of the next finished task in a chain (`drop_queue.rs`).
impl<F: Future + 'static> Drop for Task<F> {
    fn drop(&mut self) {
        // `get_mut`, not `replace`: the common cases (the handle took the result, or it is a
        // plain value) are decided by looking, without moving the stage.
        let stage = self.stage.get_mut();
        let user_drop = match stage {
            Stage::Consumed | Stage::Polling { .. } => false,
            Stage::Finished(Ok(_)) => std::mem::needs_drop::<F::Output>(),
            Stage::Finished(Err(_)) | Stage::Idle { .. } => true,
        };
        if user_drop {
            drop_deferred(std::mem::replace(stage, Stage::Consumed));
        }
    }
}

impl<F: Future + 'static> RawTask for Task<F> {
    fn poll(&self) -> bool {
        let (mut future, task_waker) = match self.stage.replace(Stage::Polling {
            abort_requested: false,
        }) {
            Stage::Idle { future, waker } => (future, waker),
            other => {
                self.stage.set(other);
                return true; // aborted while it waited in the run queue
            }
        };
        // Cleared before the poll: a wake from now on, even one during the poll, queues it again.
        let polled = {
            let mut cx = Context::from_waker(task_waker.prepare_poll());
            // A panicking task must not unwind through the run loop: catch it here and hand it
            // to the JoinHandle. AssertUnwindSafe: after a panic the future is never polled
            // again (only dropped), so no broken invariant inside it can be observed.
            catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)))
        };
        let abort_requested = self.peek(|stage| {
            matches!(
                stage,
                Stage::Polling {
                    abort_requested: true
                }
            )
        });
        let outcome = match polled {
            Ok(Poll::Pending) if !abort_requested => {
                self.stage.set(Stage::Idle {
                    future,
                    waker: task_waker,
                });
                return false;
            }
            // Aborted during its own poll, and not finished: cancel now that we may drop it.
            Ok(Poll::Pending) => Err(JoinError::cancelled()),
            // Finished, even if an abort came during this last poll: "already finished → Ok".
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError::panic(payload)),
        };
        // Back to `Idle` for a moment, so `finish` drops the future in its usual order (stage
        // set first, then the old future's `Drop`, then the awaiter's wake).
        self.stage.set(Stage::Idle {
            future,
            waker: task_waker,
        });
        self.finish(outcome);
        true
    }

    fn shutdown(&self) {
        if self.peek(|stage| matches!(stage, Stage::Idle { .. })) {
            self.finish(Err(JoinError::cancelled()));
        }
    }
}

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    use super::*;

    /// The layout the memory per task relies on: with the two `Rc` counts, a task for a small
    /// future and a `()` output is 56 bytes, the most that fits a 64-byte glibc chunk (`n + 8`
    /// rounded up to 16). A new field here costs every task 16 bytes.
    #[test]
    #[cfg(all(target_pointer_width = "64", not(executor_refcell_stage)))]
    fn a_task_fits_a_64_byte_malloc_chunk() {
        let size = std::mem::size_of::<Task<std::future::Pending<()>>>();
        assert_eq!(2 * std::mem::size_of::<usize>() + size, 56);
    }
}
