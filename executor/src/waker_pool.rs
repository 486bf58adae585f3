//! Where a task gets the waker for its next poll: lent wakers, not one per task.
//!
//! A task does not own a waker for its whole life. A waker is an `Arc` (48 bytes of heap with
//! its counts and malloc's header), and a pending task whose future did not clone it — it waits
//! for its own handle's `abort`, or on `pending()`, or it is simply not polled yet — would pay
//! that for nothing (issue #6: memory per pending task). Instead the run loop lends a waker for
//! each poll and takes it back afterwards:
//!
//! - If, after the poll, only the pool's own two references are left (the `Arc` and the `Waker`
//!   made from a clone of it), nobody kept a clone. Then nobody can ever wake through this
//!   allocation again — making a clone takes a reference, and there is none outside the pool
//!   (a `Waker` cannot make a `Weak` either) — so lending it to *another* task next is
//!   indistinguishable from allocating a fresh one. It goes back to the pool.
//! - Otherwise the future (or a timer, or another thread) holds a clone: the task keeps this
//!   waker and is polled with it next time, so `Waker::will_wake` stays true across polls and
//!   the holder's wake reaches the right task. Stale wakes after the task ends are rejected as
//!   before: the task retires the waker, and ids are generation-checked.
//!
//! The pool keeps the `Waker` handle next to the `Arc`, so lending a pooled waker costs no
//! reference-count traffic: a poll of a task that does not keep its waker pays one locked
//! instruction (the swap that clears `scheduled`, as every poll did when each task owned its
//! waker). Making the `Waker` per poll instead — an increment and a decrement, two more locked
//! instructions — made `yield` twice as slow.
//!
//! The pool holds one waker: polls never nest (a task cannot run `block_on`, and main has its own
//! waker), so at most one waker is out on loan at a time.

use std::cell::Cell;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::task::Waker;

use crate::slab::TaskId;
use crate::waker::{CrossThread, TaskWaker};

/// A waker on loan for one poll: the `Arc` (to check, afterwards, who else holds it) and the
/// `Waker` made from a clone of it (what the poll's `Context` borrows).
pub(crate) struct Lent {
    arc: Arc<TaskWaker>,
    waker: Waker,
}

impl Lent {
    fn new(arc: Arc<TaskWaker>) -> Self {
        Lent {
            waker: Waker::from(arc.clone()),
            arc,
        }
    }

    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }
}

pub(crate) struct WakerPool {
    spare: Cell<Option<Lent>>,
    shared: Arc<CrossThread>,
}

impl WakerPool {
    pub(crate) fn new(shared: Arc<CrossThread>) -> Self {
        WakerPool {
            spare: Cell::new(None),
            shared,
        }
    }

    /// A waker for one poll of task `id`: not scheduled, and held by nobody else.
    pub(crate) fn lend(&self, id: TaskId) -> Lent {
        match self.spare.take() {
            Some(spare) => {
                spare.arc.relabel(id);
                spare
            }
            None => Lent::new(Arc::new(TaskWaker::new(id, self.shared.clone()))),
        }
    }

    /// Lends a task the waker it kept from an earlier poll (someone may wake it any moment).
    pub(crate) fn lend_kept(&self, kept: Arc<TaskWaker>) -> Lent {
        kept.clear_scheduled();
        Lent::new(kept)
    }

    /// Takes a waker back after the poll. Returns it if someone kept a clone (the task keeps it
    /// then); otherwise it becomes the pool's spare.
    pub(crate) fn give_back(&self, lent: Lent) -> Option<Arc<TaskWaker>> {
        // 2 = our `arc` + the one inside our `waker`. Only a holder can make a clone, so once
        // nobody else holds one the count cannot rise again behind our back.
        if Arc::strong_count(&lent.arc) == 2 {
            // `strong_count` is a relaxed load. If the last clone was dropped on another thread,
            // its decrement was a Release: this fence makes everything that thread did through
            // the waker (its wake included) happen before we relabel it — the same pairing
            // `Arc`'s own drop uses before freeing.
            fence(Ordering::Acquire);
            self.spare.set(Some(lent));
            return None;
        }
        let Lent { arc, waker } = lent;
        drop(waker);
        Some(arc)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn id(index: u32) -> TaskId {
        crate::slab::tests_support::id(index)
    }

    #[test]
    fn a_lent_waker_is_reused_only_once_nobody_can_wake_through_it() {
        let shared = Arc::new(CrossThread::new());
        let pool = WakerPool::new(shared.clone());
        let first = pool.lend(id(1));
        let reusable = Arc::as_ptr(&first.arc);
        drop(first.waker().clone()); // a clone made and dropped during the poll
        assert!(
            pool.give_back(first).is_none(),
            "nobody kept it: back to the pool"
        );

        let second = pool.lend(id(2));
        assert_eq!(
            Arc::as_ptr(&second.arc),
            reusable,
            "the spare is lent again"
        );
        let kept = second.waker().clone(); // the future keeps a clone
        let second = pool
            .give_back(second)
            .expect("the task keeps a waker someone holds");
        let third = pool.lend(id(3));
        assert_ne!(
            Arc::as_ptr(&third.arc),
            reusable,
            "never lent while someone holds it"
        );

        kept.wake_by_ref(); // reaches task 2, the task it was lent to, not 1 or 3
        let mut queue = VecDeque::new();
        shared.drain_into(&mut queue);
        assert_eq!(queue, [id(2)]);

        // Task 2 is polled again with the waker it kept; it drops its clone this time.
        drop(kept);
        let again = pool.lend_kept(second);
        assert!(
            pool.give_back(again).is_none(),
            "released: back to the pool"
        );
        drop(third);
    }
}
