//! A layer: a task owns no waker unless its future kept one — the run loop lends each poll a
//! spare one and takes it back after.
//!
//! The textbook task owns its waker for life (`--cfg executor_owned_waker`, in `owned_waker.rs`):
//! an `Arc` allocation per task, even for a task that never gives its
//! waker to anyone. And most sleeping tasks do not: their timer is filed under their task id
//! (`sleep.rs`, `Core::own_task`), so nothing outside the executor holds their waker. Here:
//!
//! - **Before a poll** the task's waker is the one it kept, if any; otherwise the executor's
//!   spare (`WakerPool`), re-addressed to this task — or a new one when the spare is out.
//! - **After the poll**, if nobody cloned it — its reference count is back to the two the run
//!   loop holds (the `Arc` and the `Waker` made from it), read with an Acquire fence so that a
//!   clone dropped on another thread is done with it — it goes back to the spare and the task
//!   keeps none; else the task keeps it until a later poll finds the clones gone.
//! - **The `scheduled` flag** of a task without a waker is a plain `bool` in its slot
//!   (executor thread only): copied from the waker's flag when the waker goes back (a wake
//!   during the poll queued the task), set by a wake through the slab (`PollWaker::wake`, a
//!   timer filed by id), cleared before the next poll. With a kept waker, the waker's atomic
//!   flag rules, as in the textbook variant — cross-thread wakes dedup the same way.
//!
//! A re-addressed waker is never seen by two tasks: it is re-addressed only while no clone
//! exists (the count), so no wake can be reading its id. A finished task's kept waker is
//! retired (its clones do nothing); a spare is never retired — no clone of it exists.
//!
//! What it costs: a task that keeps its waker makes a `Waker` from its `Arc` per poll (two
//! reference-count operations); a lent one costs the count check. `docs/decisions.md` has the
//! figures (the README's ablation, the textbook row).

use std::cell::Cell;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use crate::run_loop::Core;
use crate::slab::TaskId;
use crate::sync::{fence, Ordering};
use crate::waker::{CrossThread, TaskWaker};

/// The waker a task holds between polls: one it kept, or none.
#[derive(Debug)]
pub(crate) struct PollWaker {
    kept: Option<Arc<TaskWaker>>,
}

/// The executor's spare waker: the `Arc` and the `Waker` made from it, held by nobody else.
///
/// A `Cell`, not a `RefCell`: the spare is only ever taken out or put in whole, never borrowed,
/// so no borrow flag is needed (and none is checked on the poll path).
#[derive(Default)]
pub(crate) struct WakerPool {
    spare: Cell<Option<(Arc<TaskWaker>, Waker)>>,
}

impl std::fmt::Debug for WakerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WakerPool").finish_non_exhaustive() // a `Cell` cannot be read in place
    }
}

impl PollWaker {
    /// A task just spawned: queued, with no waker yet.
    pub(crate) fn new(_id: TaskId, _cross_thread: &Arc<CrossThread>) -> Self {
        PollWaker { kept: None }
    }

    /// Runs `poll` with a waker for task `id` in its `Context` (module docs). `scheduled`:
    /// the task's flag in its slot. Inlined, with `lend` and `give_back`, into the poll path
    /// (`docs/decisions.md`, block execr2).
    #[inline(always)]
    pub(crate) fn poll_with<R>(
        &mut self,
        id: TaskId,
        scheduled: &mut bool,
        core: &Core,
        poll: impl FnOnce(&mut Context<'_>) -> R,
    ) -> R {
        let (flag, waker) = match self.kept.take() {
            Some(flag) => {
                let waker = Waker::from(flag.clone());
                (flag, waker)
            }
            None => core.waker_pool.lend(id, &core.cross_thread),
        };
        flag.prepare_poll();
        *scheduled = false;
        let (polled, waker) = core.poll_as(id, waker, poll);
        // Two: ours and `waker`'s. Acquire: a clone dropped elsewhere (a Release decrement)
        // is done with the waker before we re-address it.
        if Arc::strong_count(&flag) == 2 {
            fence(Ordering::Acquire);
            *scheduled = flag.is_scheduled();
            core.waker_pool.give_back(flag, waker);
        } else {
            drop(waker);
            self.kept = Some(flag);
        }
        polled
    }

    /// A wake that found the task in its slot (a timer filed by task id): queues it once.
    pub(crate) fn wake(&mut self, id: TaskId, scheduled: &mut bool, core: &Core) {
        match &self.kept {
            Some(flag) => flag.wake_by_ref(),
            None if !*scheduled => {
                *scheduled = true;
                core.run_queue.borrow_mut().push_back(id);
            }
            None => {}
        }
    }

    /// The task is gone: the clones of a kept waker do nothing from now on.
    pub(crate) fn retire(self) {
        if let Some(flag) = self.kept {
            flag.retire();
        }
    }
}

impl WakerPool {
    /// The spare, re-addressed to `id`, or a new waker.
    #[inline(always)]
    fn lend(&self, id: TaskId, cross_thread: &Arc<CrossThread>) -> (Arc<TaskWaker>, Waker) {
        match self.spare.take() {
            Some((flag, waker)) => {
                flag.reuse_for(id);
                (flag, waker)
            }
            None => {
                let flag = Arc::new(TaskWaker::new(id, cross_thread.clone()));
                let waker = Waker::from(flag.clone());
                (flag, waker)
            }
        }
    }

    /// Keeps a waker nobody else holds for the next poll (one spare is enough: one poll at a
    /// time); one already there is dropped (no user code: the executor's own type).
    #[inline(always)]
    fn give_back(&self, flag: Arc<TaskWaker>, waker: Waker) {
        self.spare.set(Some((flag, waker)));
    }
}

impl TaskWaker {
    /// Whether a wake queued the task since `prepare_poll` (read after the poll, by the one
    /// holder left).
    fn is_scheduled(&self) -> bool {
        self.scheduled.load(Ordering::Relaxed)
    }

    /// Hands this waker to task `id`. Only while nobody else holds it (`give_back` after the
    /// reference count check): no wake can read the id meanwhile.
    fn reuse_for(&self, id: TaskId) {
        self.id.store(id.to_bits(), Ordering::Relaxed);
    }
}
