//! The textbook variant of a task's waker (`--cfg executor_owned_waker`, the ablation's
//! "a task owns its waker" row): a task owns one for its whole life, made at spawn, passed to
//! every poll, retired when the task ends. The default build lends one per poll instead
//! (`lent_waker.rs`); both offer the run loop the same `PollWaker` operations, so `task.rs`
//! and `run_loop.rs` read the same either way.

use std::sync::Arc;
use std::task::{Wake, Waker};

use crate::slab::TaskId;
use crate::waker::{CrossThread, TaskWaker};

/// The textbook variant (`--cfg executor_owned_waker`): a task owns its waker for its whole
/// life — the `Arc` (to clear and retire its `scheduled` flag) and the `Waker` made from it
/// once at spawn, which every poll passes (so a poll costs no reference-count traffic, and
/// `Waker::will_wake` holds across polls). The default lends one per poll: `lent_waker.rs`.
#[derive(Debug)]
pub(crate) struct PollWaker {
    flag: Arc<TaskWaker>,
    /// `None` only during a poll: the run loop holds it then (`Core::poll_as`).
    waker: Option<Waker>,
}

/// Nothing to pool when every task owns its waker.
#[derive(Debug, Default)]
pub(crate) struct WakerPool;

impl PollWaker {
    pub(crate) fn new(id: TaskId, cross_thread: &Arc<CrossThread>) -> Self {
        let flag = Arc::new(TaskWaker::new(id, cross_thread.clone()));
        let waker = Some(Waker::from(flag.clone()));
        PollWaker { flag, waker }
    }

    /// Runs `poll` with the task's waker in its `Context`.
    pub(crate) fn poll_with<R>(
        &mut self,
        id: TaskId,
        _scheduled: &mut bool,
        core: &crate::run_loop::Core,
        poll: impl FnOnce(&mut std::task::Context<'_>) -> R,
    ) -> R {
        self.flag.prepare_poll();
        let waker = self
            .waker
            .take()
            .expect("a task is not polled inside its own poll");
        let (polled, waker) = core.poll_as(id, waker, poll);
        self.waker = Some(waker);
        polled
    }

    /// A wake that found the task in its slot (a timer filed by task id).
    pub(crate) fn wake(&mut self, _id: TaskId, _: &mut bool, _core: &crate::run_loop::Core) {
        self.flag.wake_by_ref();
    }

    /// The task is gone: stale clones do nothing.
    pub(crate) fn retire(self) {
        self.flag.retire();
    }
}
