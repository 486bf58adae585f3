//! `StoreCall`: every change to the storage, with the bookkeeping that follows from it.

use std::collections::VecDeque;

use crate::order::Order;
use crate::queue::{BlockingQueue, State};
use crate::sync::Ordering;
use crate::wait::Cond;

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// Runs one storage call under `state`'s lock; see [`StoreCall`]. `head` is given (its lock
    /// held) when the call moves items into it, so that those items still count as queued.
    pub(crate) fn store_call<R>(
        &self,
        st: &mut State<O>,
        head: Option<&mut VecDeque<T>>,
        f: impl FnOnce(&mut O, Option<&mut VecDeque<T>>) -> R,
    ) -> R {
        let mut call = StoreCall {
            queue: self,
            len_before: 0,
            st,
            head,
            returned: false,
        };
        call.len_before = call.queued();
        let out = f(&mut call.st.store, call.head.as_deref_mut());
        call.returned = true;
        out
    }
}

/// A drop guard around one storage call that makes the counters follow the queue's length
/// (the storage's, plus the head's when the call moves items there).
///
/// When the call returns, its drop sees the length change and does the bookkeeping: `n` items
/// added are `n` more unfinished tasks and wake up to `n` getters; `n` items removed wake up to
/// `n` putters; items moved to the head change nothing but the head's recorded length. When
/// the call **panics** (a user's `Ord`), the same drop runs during the unwinding, before the
/// locks are released, and additionally:
/// - items that left the storage without reaching the caller or the head (a `BinaryHeap::pop`
///   drops the item it was taking) are counted as done and failed, so `join` does not wait
///   for them forever;
/// - the wakeup this thread may have consumed is passed on: if items remain, a getter is
///   woken; if room remains, a putter; if no task is left, every joiner.
pub(crate) struct StoreCall<'a, T, O: Order<T>> {
    queue: &'a BlockingQueue<T, O>,
    st: &'a mut State<O>,
    head: Option<&'a mut VecDeque<T>>,
    len_before: usize,
    returned: bool,
}

impl<T, O: Order<T>> StoreCall<'_, T, O> {
    fn queued(&self) -> usize {
        self.st.store.len() + self.head.as_ref().map_or(0, |head| head.len())
    }
}

impl<T, O: Order<T>> Drop for StoreCall<'_, T, O> {
    fn drop(&mut self) {
        let (before, after) = (self.len_before, self.queued());
        let queue = self.queue;
        if let Some(head) = &self.head {
            // Exact here, under both locks; from now on getters can only shrink the head, so
            // the estimate stays at least the real length (see `has_room`).
            self.st.head_estimate = head.len();
            queue.head_len.store(head.len(), Ordering::Relaxed);
        }
        let st = &mut *self.st;
        queue.store_hint.set(!st.store.is_empty());
        if after > before {
            st.unfinished += after - before;
            queue.notify(st, Cond::NotEmpty, after - before);
        } else if after < before {
            if !self.returned {
                let lost = before - after;
                st.unfinished = st.unfinished.saturating_sub(lost);
                st.failed += lost;
            }
            queue.notify(st, Cond::NotFull, before - after);
        }
        if !self.returned {
            if after > 0 {
                queue.notify(st, Cond::NotEmpty, 1);
            }
            if queue.has_room(st) {
                queue.notify(st, Cond::NotFull, 1);
            }
            if st.unfinished == 0 {
                queue.notify(st, Cond::AllTasksDone, usize::MAX);
            }
        }
    }
}
