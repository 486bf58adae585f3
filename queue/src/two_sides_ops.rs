//! The two-sided core's other operations: batches, shutdown, task counting, inspection.
//! `two_sides.rs` has the design, `put` and `get`; these follow the same rules (lock order
//! `head` before `state`, every storage change here through `store_call`).

use std::collections::VecDeque;
use std::panic::resume_unwind;

use crate::batch::push_front_items;
use crate::order::Order;
use crate::queue::Counters;
use crate::sync::Ordering;
use crate::tasks::mark_done;
use crate::two_sides::TwoSides;
use crate::wait::{Cond, Wait};
use crate::{GetError, TaskDoneError};

impl<T, O: Order<T>> TwoSides<T, O> {
    pub(crate) fn get_batch(&self, max: usize, wait: Wait) -> Result<Vec<T>, GetError> {
        // One pass over the head for the whole batch; `take_from_head` then wakes up to as many
        // sleeping putters as slots were freed, with one `notify` call (a single `notify_all`
        // when that covers them all).
        self.take_from_head(max, wait, |head| {
            let n = max.min(head.len());
            head.drain(..n).collect()
        })
    }

    /// One part of a batch, as `one_lock.rs::put_part`: waits for room, moves what fits,
    /// returns how many it moved and how many sleeping getters that woke.
    pub(crate) fn put_part(&self, items: &mut VecDeque<T>) -> Result<(usize, usize), ()> {
        let st = self.lock();
        // An empty batch has nothing to wait for (but still fails on a shut-down queue).
        let (mut st, _) = self.wait_until(Some(st), Cond::NotFull, Wait::Forever, |st| {
            st.shutdown || items.is_empty() || self.has_room_after_refresh(st)
        });
        if st.shutdown {
            return Err(());
        }
        // The head's estimate is never too low, so this never overfills. (Saturating: an
        // empty batch skipped `has_room_after_refresh`, and the estimate may be high.)
        let queued = st.store.len() + st.head_estimate;
        let room = self
            .capacity
            .map_or(usize::MAX, |cap| cap.saturating_sub(queued));
        let n = room.min(items.len());
        let woken_before = st.waiting_getters.woken();
        let pushed = self.store_call(&mut st, None, |store, _| push_front_items(store, items, n));
        let woke = st.waiting_getters.woken() - woken_before;
        drop(st);
        // A panicking `Ord` reaches the caller only now; the items not moved stay in `items`.
        pushed
            .map(|()| (n, woke))
            .or_else(|panic| resume_unwind(panic))
    }

    pub(crate) fn shutdown(&self) {
        let mut st = self.lock();
        st.shutdown = true;
        self.notify(&mut st, Cond::NotEmpty, usize::MAX);
        self.notify(&mut st, Cond::NotFull, usize::MAX);
    }

    pub(crate) fn shutdown_now(&self) -> Vec<T> {
        let mut head = self.lock_head();
        let mut st = self.lock();
        st.shutdown = true;
        // `take` runs no user code (but a user's `Default`, which could only panic before
        // anything moved: that panic goes on with the locks released). Sorting (for
        // `Priority`) waits until the locks are released.
        let store = match self.store_call(&mut st, None, |store, _| std::mem::take(store)) {
            Ok(store) => store,
            Err(panic) => {
                drop((st, head));
                resume_unwind(panic)
            }
        };
        // The head holds the oldest items: they come first.
        let mut taken: Vec<T> = std::mem::take(&mut *head).into();
        self.head_len.store(0, Ordering::Relaxed);
        st.head_estimate = 0;
        st.unfinished = st.unfinished.saturating_sub(taken.len() + store.len());
        self.notify(&mut st, Cond::NotEmpty, usize::MAX);
        self.notify(&mut st, Cond::NotFull, usize::MAX);
        if st.unfinished == 0 {
            self.notify(&mut st, Cond::AllTasksDone, usize::MAX);
        }
        drop((st, head));
        taken.extend(store.into_vec());
        taken
    }

    pub(crate) fn finish_task(&self, failed: bool) -> Result<(), TaskDoneError> {
        let st = &mut *self.lock();
        if mark_done(&mut st.unfinished, &mut st.failed, failed)? {
            self.notify(st, Cond::AllTasksDone, usize::MAX);
        }
        Ok(())
    }

    pub(crate) fn join(&self, wait: Wait) -> bool {
        let st = self.lock();
        self.wait_until(Some(st), Cond::AllTasksDone, wait, |st| st.unfinished == 0)
            .1
    }

    /// The counters, and the number of queued items on both sides, under both locks.
    pub(crate) fn counters(&self) -> Counters {
        let head = self.lock_head();
        let st = self.lock();
        Counters {
            len: head.len() + st.store.len(),
            unfinished: st.unfinished,
            failed: st.failed,
            shutdown: st.shutdown,
        }
    }
}
