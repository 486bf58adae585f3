//! A layer: timers filed by task id — a memory layer.
//!
//! The textbook timer entry holds a `Waker` (a clone of the one its `Sleep` was polled with).
//! Here an entry's target is the task itself (`Target::Task`, its id) when the `Sleep` was
//! polled with its task's own waker, and a clone of the waker otherwise (a `Sleep` inside a
//! combinator with wakers of its own, `gather`, another executor's `block_on`...). What it
//! changes: the run loop notes which task it polls and with which waker (`Core::poll_as`), so
//! a `Sleep` can tell its task's own waker from a combinator's (`Core::own_task`); a fired
//! `Task(id)` is woken through its slot (`Core::wake_task`), and the task's `scheduled` flag
//! still dedups its wakes. What it buys: a task that only sleeps gives its waker to nobody, so
//! it need not own one (`lent_waker.rs`), and an entry holds no reference count.
//! `docs/decisions.md` (block mem12) has the figures.

use std::task::{Context, Waker};

use crate::run_loop::Core;
use crate::slab::{Stage, TaskId};
use crate::timer_queue::{TimerKey, TimerQueue};

/// Whom a timer wakes.
#[derive(Debug)]
pub(crate) enum Target {
    /// The task whose own waker polled the `Sleep`: woken through its slot.
    Task(TaskId),
    /// Any other waker.
    Waker(Waker),
}

impl Target {
    /// Wakes the target of a fired timer (`Core::fire_due_timers`, outside every borrow).
    pub(crate) fn wake(self, core: &Core) {
        match self {
            Target::Waker(waker) => waker.wake(),
            Target::Task(id) => core.wake_task(id),
        }
    }
}

impl TimerQueue {
    /// Makes the pending timer `key` wake task `own` if it is `Some` (the poll's own task),
    /// else `waker`; returns the replaced target so the caller can drop it outside any borrow.
    /// A key that is gone changes nothing: an entry leaves only by firing (then its deadline
    /// has passed, and `Sleep::poll` returns `Ready` before it would update) or by
    /// `remove`/`take_all` (the `Sleep` deregistered, or the executor tore down).
    pub(crate) fn update(
        &mut self,
        key: TimerKey,
        own: Option<TaskId>,
        waker: &Waker,
    ) -> Option<Target> {
        let old = self.target_mut(key)?;
        let new = match (own, &*old) {
            (Some(id), Target::Task(old_id)) if *old_id == id => return None,
            (None, Target::Waker(old_waker)) if old_waker.will_wake(waker) => return None,
            (Some(id), _) => Target::Task(id),
            (None, _) => Target::Waker(waker.clone()),
        };
        Some(std::mem::replace(old, new))
    }
}

impl Core {
    /// Wakes task `id` through its slot (a timer filed by task id); a stale id does nothing.
    fn wake_task(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        match tasks.get_mut(id) {
            // Queues it once (its `scheduled` flag, or its kept waker's).
            Some(Stage::Idle(task)) => task.waker.wake(id, &mut task.flags.scheduled, self),
            // Not while it runs (timers fire between polls); harmless if it ever did.
            Some(Stage::Polling(_)) => self.run_queue.borrow_mut().push_back(id),
            None => {}
        }
    }

    /// Runs `poll` with `waker` as task `id`'s own for this poll; hands the waker back.
    /// Inlined into the poll path: as a call, its large argument and result went through
    /// memory on every poll (`docs/decisions.md`, block execr2).
    #[inline(always)]
    pub(crate) fn poll_as<R>(
        &self,
        id: TaskId,
        waker: Waker,
        poll: impl FnOnce(&mut Context<'_>) -> R,
    ) -> (R, Waker) {
        *self.polling.borrow_mut() = Some((id, waker));
        let polled = {
            // Borrowed (shared) for the poll: `own_task` only reads it; nothing else writes it.
            let current = self.polling.borrow();
            let (_, waker) = current.as_ref().expect("set just above");
            poll(&mut Context::from_waker(waker))
        };
        let (_, waker) = self.polling.borrow_mut().take().expect("set just above");
        (polled, waker)
    }

    /// The task whose own waker `waker` is, if a task is being polled with it.
    pub(crate) fn own_task(&self, waker: &Waker) -> Option<TaskId> {
        let current = self.polling.try_borrow().ok()?;
        let (id, own) = current.as_ref()?;
        own.will_wake(waker).then_some(*id)
    }
}
