//! The optional fast path of the awaitable face: before a future registers its waker, it
//! re-polls itself a bounded number of times — the task analogue of the threads' spin
//! (`spin.rs`).
//!
//! A future that finds the queue empty (or full) could register at once and return `Pending`;
//! its executor, with nothing else to run, then parks its thread, and the other side's next
//! put (or get) must wake it across threads: a system call on each side and a trip through
//! the scheduler, microseconds, where the hand-off itself takes nanoseconds. Instead the
//! future first calls `wake_by_ref` and returns `Pending` without registering, up to
//! [`REPOLLS`] times: the executor puts the task at the back of its ready queue, runs whatever
//! else is ready (on one executor, that is the other side of a task → task hand-off), and
//! polls it again.
//!
//! Two refinements, both what the threads' spin does:
//! - **Look before you lock.** On the two-sided core a getter's *re*-poll first reads the
//!   lock-free hints (`may_have_items`); while they say "empty" it skips the get, which would
//!   only take the putters' lock to find nothing and slow down the very putter it waits for.
//!   The first poll always gets: the hints cannot say "shut down", and a future made anew in
//!   a loop must see it.
//! - **The last few re-polls yield the thread** (`std::thread::yield_now`, [`YIELDS`] of
//!   them), as `crossbeam_utils::Backoff::snooze` ends in yields: on a machine with more busy
//!   threads than cores, the other side may be waiting for this core, and no amount of
//!   polling lets it in. The price: a task about to wait holds its executor's thread for those
//!   few yields (each returns at once when no other thread wants the core).
//!
//! Speed only, never correctness: a re-poll is an ordinary poll that tries the operation
//! again (or, on a stale hint, tries it at a later poll), and the wakeup it asks for is its
//! own; nothing is registered, so nothing can be lost or passed on. Under loom a future
//! re-polls once and never yields: the models see a re-poll and a registration without the
//! interleavings of every self-wake.

use std::task::Context;

use crate::order::Order;
use crate::queue::{BlockingQueue, Core};
use crate::spin::StoreHint;

/// How many times a future re-polls itself before it registers its waker. Chosen with the
/// bridge bench (see `docs/decisions.md`).
#[cfg(not(loom))]
pub(crate) const REPOLLS: u8 = 32;
#[cfg(loom)]
pub(crate) const REPOLLS: u8 = 1;

/// How many of the last re-polls yield the thread first.
#[cfg(not(loom))]
const YIELDS: u8 = 4;
#[cfg(loom)]
const YIELDS: u8 = 0;

/// The re-polls one future has left.
#[derive(Debug)]
pub(crate) struct Repoll {
    left: u8,
}

impl Repoll {
    pub(crate) const fn new() -> Self {
        Repoll { left: REPOLLS }
    }

    /// Whether the future has been polled before: its first poll always tries the operation,
    /// so that what the hints cannot tell — a shutdown — is seen by every future, also one
    /// that is dropped and made anew before its re-polls run out (a `timeout` or a `race` in
    /// a loop).
    pub(crate) fn has_tried(&self) -> bool {
        self.left < REPOLLS
    }

    /// `true`: the caller returns `Pending` without registering — this asked the executor to
    /// poll the task again. `false`: no re-poll left, register and wait.
    pub(crate) fn again(&mut self, cx: &mut Context<'_>) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        if self.left < YIELDS {
            std::thread::yield_now();
        }
        cx.waker().wake_by_ref();
        true
    }
}

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// Whether a get might find an item, from the two-sided core's lock-free hints
    /// (`spin.rs`), so that a re-poll can skip a get that would only take the putters' lock to
    /// find nothing. `true` where there are no hints (the one-lock core, loom): the get itself
    /// is the look. The hints may be stale; a stale "no" costs a re-poll, never an item.
    pub(crate) fn may_have_items(&self) -> bool {
        match &self.core {
            Core::TwoSides(c) if StoreHint::ENABLED => c.hints_say_items(),
            _ => true,
        }
    }
}
