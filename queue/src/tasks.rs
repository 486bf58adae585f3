//! Task tracking: `task_done`, `join`, and `get_task`, whose guard calls `task_done` for you.
//!
//! Every accepted item is one unfinished task until someone calls `task_done` for it (or a
//! `TaskGuard` does). `join` waits for the count to reach zero, on the `all_tasks_done`
//! condition of each core (`one_lock.rs`, `two_sides.rs`).

use std::time::Duration;

use crate::guard::TaskGuard;
use crate::order::Order;
use crate::queue::{on_core, BlockingQueue};
use crate::wait::Wait;
use crate::{GetError, TaskDoneError};

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// Marks one task as done: the consumer of an item calls this after processing it.
    ///
    /// Fails, leaving the count unchanged, when there is no unfinished task (called more times
    /// than items were put). Prefer [`get_task`](Self::get_task), which calls it for you.
    ///
    /// ```
    /// use queue::{Queue, TaskDoneError};
    ///
    /// let q = Queue::unbounded();
    /// q.put(1).unwrap();
    /// let _item = q.get().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// assert_eq!(q.task_done(), Ok(()));
    /// assert_eq!(q.task_done(), Err(TaskDoneError));
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.finish_task(false)
    }

    /// `task_done`, also counting a failure when `failed`; used by `TaskGuard`'s drop.
    pub(crate) fn finish_task(&self, failed: bool) -> Result<(), TaskDoneError> {
        on_core!(self, c => c.finish_task(failed))?;
        self.woke_joiners();
        Ok(())
    }

    /// Blocks until every item put so far has been marked done.
    ///
    /// It never fails: a shut-down queue is joined like any other (and
    /// [`shutdown_now`](Self::shutdown_now) removes the queued items from the count).
    ///
    /// ```
    /// use queue::Queue;
    ///
    /// let q = Queue::unbounded();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         while let Ok(task) = q.get_task() {
    ///             assert!(*task < 10);
    ///         } // each guard marks its task done when dropped
    ///     });
    ///     for i in 0..10 { q.put(i).unwrap() }
    ///     q.join();
    ///     assert_eq!(q.unfinished_tasks(), 0);
    ///     q.shutdown(); // lets the worker's loop end
    /// });
    /// ```
    pub fn join(&self) {
        self.join_inner(Wait::Forever);
    }

    /// Like [`join`](Self::join), waiting at most `timeout`; true when all tasks are done.
    ///
    /// ```
    /// use std::time::Duration;
    /// use queue::Queue;
    ///
    /// let q = Queue::unbounded();
    /// assert!(q.join_timeout(Duration::ZERO));
    /// q.put(1).unwrap();
    /// assert!(!q.join_timeout(Duration::from_millis(1)));
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_inner(Wait::timeout(timeout))
    }

    fn join_inner(&self, wait: Wait) -> bool {
        on_core!(self, c => c.join(wait))
    }

    /// Like [`get`](Self::get), but the item comes in a [`TaskGuard`] that marks the task done
    /// when dropped — also when the worker panics, which `join` would otherwise wait for
    /// forever (the flaw of the article's Python example). Do not also call `task_done` for
    /// an item taken this way: that would mark some other task done.
    ///
    /// ```
    /// use queue::Queue;
    ///
    /// let q = Queue::unbounded();
    /// q.put(String::from("job")).unwrap();
    /// let task = q.get_task().unwrap();
    /// assert_eq!(task.len(), 3); // derefs to the item
    /// drop(task);
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn get_task(&self) -> Result<TaskGuard<'_, T, O>, GetError> {
        self.get().map(|item| TaskGuard::new(self, item))
    }

    /// Items put and not yet marked done (Python's `unfinished_tasks`).
    ///
    /// ```
    /// let q = queue::Queue::unbounded();
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// assert_eq!(q.unfinished_tasks(), 2);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.counters().unfinished
    }

    /// Tasks that ended in a panic: [`TaskGuard`]s dropped while their thread was panicking,
    /// and items that an [`Order`] of your own dropped in a panicking storage call. (A
    /// [`Priority`](crate::Priority) queue whose `Ord` panics loses no item, so adds none.)
    ///
    /// ```
    /// use queue::Queue;
    ///
    /// let q = Queue::unbounded();
    /// q.put(1).unwrap();
    /// let crashed = std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         let _task = q.get_task().unwrap();
    ///         panic!("worker crashed");
    ///     })
    ///     .join()
    /// });
    /// assert!(crashed.is_err());
    /// q.join(); // does not hang: the guard marked the task done
    /// assert_eq!(q.failed_tasks(), 1);
    /// ```
    pub fn failed_tasks(&self) -> usize {
        self.counters().failed
    }
}

/// `task_done`'s counting, the same under either core's lock: one task fewer (and one more
/// failed, when `failed`); true when that was the last, so the caller wakes the joiners.
/// Fails, changing nothing, when no task is unfinished.
pub(crate) fn mark_done(
    unfinished: &mut usize,
    failed_tasks: &mut usize,
    failed: bool,
) -> Result<bool, TaskDoneError> {
    *unfinished = unfinished.checked_sub(1).ok_or(TaskDoneError)?;
    *failed_tasks += usize::from(failed);
    Ok(*unfinished == 0)
}
