//! Batch operations: many items per lock acquisition (Java's `BlockingQueue.drainTo`).
//!
//! A lock-based queue pays for the lock and, when threads sleep, for the wakeups — per call.
//! Moving `n` items per call divides that cost by `n`, which is how a consumer keeps up under
//! load. Each item still counts once for `task_done`/`join`.

use std::collections::VecDeque;
use std::time::Duration;

use crate::order::Order;
use crate::queue::{on_core, BlockingQueue};
use crate::wait::{Cond, Wait};
use crate::{GetError, PutError};

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// Blocks until at least one item is queued, then takes up to `max` of them, in order,
    /// under one lock acquisition. Up to as many blocked putters as slots were freed wake up.
    ///
    /// After a shutdown it drains like [`get`](Self::get), then fails with
    /// [`GetError::ShutDown`].
    ///
    /// # Panics
    ///
    /// If `max` is 0: a batch of nothing would either return at once (a busy loop for a caller
    /// that loops) or block for nothing. The batch's items leave the storage one `pop` at a
    /// time (`Order::move_to_head`, under the locks); if a pop panics (a user's `Ord`), the
    /// panic reaches the caller after the locks are released and **no item is lost**: the
    /// items popped before it stay queued on the get side and are served first; the one being
    /// popped stays in the storage; nothing is counted as done or failed (see
    /// [`Priority`](crate::Priority)). Only an [`Order`] of your own that drops an item while
    /// panicking loses it, and that item counts as a done, failed task.
    ///
    /// ```
    /// use queue::Queue;
    ///
    /// let q = Queue::unbounded();
    /// q.put_batch(1..=5).unwrap();
    /// assert_eq!(q.get_batch(3), Ok(vec![1, 2, 3]));
    /// assert_eq!(q.get_batch(10), Ok(vec![4, 5])); // fewer are fine, none would block
    /// assert_eq!(q.unfinished_tasks(), 5); // every item is still one task
    /// ```
    pub fn get_batch(&self, max: usize) -> Result<Vec<T>, GetError> {
        self.get_batch_inner(max, Wait::Forever)
    }

    /// Like [`get_batch`](Self::get_batch), blocking at most `timeout` for the first item.
    ///
    /// # Panics
    ///
    /// If `max` is 0.
    ///
    /// ```
    /// use std::time::Duration;
    /// use queue::{GetError, LifoQueue};
    ///
    /// let q = LifoQueue::unbounded();
    /// assert_eq!(q.get_batch_timeout(2, Duration::from_millis(1)), Err(GetError::Timeout));
    /// q.put_batch([1, 2, 3]).unwrap();
    /// assert_eq!(q.get_batch_timeout(2, Duration::from_millis(1)), Ok(vec![3, 2]));
    /// ```
    pub fn get_batch_timeout(&self, max: usize, timeout: Duration) -> Result<Vec<T>, GetError> {
        self.get_batch_inner(max, Wait::timeout(timeout))
    }

    fn get_batch_inner(&self, max: usize, wait: Wait) -> Result<Vec<T>, GetError> {
        assert!(
            max > 0,
            "get_batch(0): a batch of at most 0 items can never be served; ask for max >= 1"
        );
        let _unwind = self.wake_all_on_unwind();
        let got = on_core!(self, c => c.get_batch(max, wait));
        if let Ok(items) = &got {
            self.waiters.wake(Cond::NotFull, items.len());
        }
        got
    }

    /// Puts every item of `items`, in order, blocking while the queue is full; each accepted
    /// item is one task for `task_done`/`join`.
    ///
    /// The items are collected first, so the iterator never runs under the lock. Whenever
    /// there is room, as many items as fit go in under one lock acquisition and wake as many
    /// waiting getters, threads or tasks, before the rest waits for room. A batch larger than
    /// the free room therefore goes in in parts, and other threads' items may land between the
    /// parts (each part keeps its order).
    ///
    /// If the queue is (or gets) shut down, the items not yet put come back in
    /// [`PutError::ShutDown`]; those already put stay queued. Even an empty batch fails on a
    /// shut-down queue, like every put. If `O`'s storage panics (a user's `Ord`) midway, the
    /// panic reaches the caller: the items pushed so far, and the one being pushed, are queued
    /// (accepted tasks); the items not yet pushed were never accepted and are dropped, after
    /// the queue released its lock.
    ///
    /// ```
    /// use queue::{PriorityQueue, PutError};
    ///
    /// let q = PriorityQueue::bounded(10);
    /// q.put_batch([3, 1, 2]).unwrap();
    /// assert_eq!(q.get_batch(3), Ok(vec![1, 2, 3]));
    /// q.shutdown();
    /// assert_eq!(q.put_batch([4, 5]), Err(PutError::ShutDown(vec![4, 5])));
    /// ```
    pub fn put_batch(&self, items: impl IntoIterator<Item = T>) -> Result<(), PutError<Vec<T>>> {
        // Collected first, so the iterator never runs under a lock.
        let mut items: VecDeque<T> = items.into_iter().collect();
        let _unwind = self.wake_all_on_unwind();
        loop {
            // One part per call: as many as fit, after waiting for room. Its tasks are woken
            // here, with the lock released, *before* the next part waits for room — a task
            // woken only once the whole batch is in could be the one getter that would make
            // that room. One item, one waiter: the items no thread was woken for go to tasks.
            match on_core!(self, c => c.put_part(&mut items)) {
                Ok((moved, threads)) => self.waiters.wake(Cond::NotEmpty, moved - threads),
                // Shut down: that woke every waiter already; the items not put come back.
                Err(()) => return Err(PutError::ShutDown(items.into())),
            }
            if items.is_empty() {
                return Ok(());
            }
        }
    }
}

/// Moves the first `n` of `items` into `store`, one at a time — not a `drain`: if a push panics
/// (a user's `Ord`), a `Drain` would drop the items after it inside the unwinding call, under
/// the lock; this way they stay in `items`, and the caller drops them after unlocking. Both
/// cores' `put_batch` call it inside their storage call.
pub(crate) fn push_front_items<T, O: Order<T>>(store: &mut O, items: &mut VecDeque<T>, n: usize) {
    for _ in 0..n {
        store.push(items.pop_front().expect("n <= items.len()"));
    }
}
