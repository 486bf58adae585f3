//! `TaskGuard`: an item that marks its task done when it goes away.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::thread;

use crate::order::{Fifo, Order};
use crate::queue::BlockingQueue;

/// An item taken with [`get_task`](BlockingQueue::get_task); dropping it calls `task_done`.
///
/// This is RAII applied to Python's `get()` … `task_done()` pair: every way out of the scope
/// that holds the guard — the end of a loop body, a `return`, a `?`, a panic — drops it and so
/// marks the task done; it cannot be forgotten *by accident*. A guard dropped while its thread
/// is panicking also counts one [`failed_tasks`](BlockingQueue::failed_tasks), so a program
/// can tell that `join` returned over a crash.
///
/// What it cannot do is survive being leaked: Rust does not promise that a destructor runs,
/// and [`std::mem::forget`], a `Box::leak`, or an `Rc` cycle holding the guard skip it. Then
/// the task is never marked done and `join` waits forever — exactly as after a forgotten
/// `task_done` in Python. (Calling [`task_done`](BlockingQueue::task_done) by hand makes up
/// for one leaked guard.) A `join_timeout` is the only defence against code you do not trust.
///
/// The order parameter `O` defaults to FIFO, so for a [`Queue`](crate::Queue) the type reads
/// `TaskGuard<'_, T>`.
///
/// ```
/// use queue::{Queue, TaskGuard};
///
/// fn double(task: &mut TaskGuard<'_, i32>) {
///     **task *= 2;
/// }
///
/// let q = Queue::unbounded();
/// q.put(21).unwrap();
/// let mut task = q.get_task().unwrap();
/// double(&mut task);
/// assert_eq!(*task, 42);
/// assert_eq!(q.unfinished_tasks(), 1);
/// drop(task);
/// assert_eq!(q.unfinished_tasks(), 0);
/// ```
pub struct TaskGuard<'a, T, O: Order<T> = Fifo<T>> {
    queue: &'a BlockingQueue<T, O>,
    /// `Some` for the guard's whole life: only `into_inner`, which consumes the guard, takes it.
    item: Option<T>,
}

impl<'a, T, O: Order<T>> TaskGuard<'a, T, O> {
    pub(crate) fn new(queue: &'a BlockingQueue<T, O>, item: T) -> Self {
        TaskGuard {
            queue,
            item: Some(item),
        }
    }

    /// Marks the task done now and hands out the item (to keep it beyond the task).
    ///
    /// ```
    /// let q = queue::Queue::unbounded();
    /// q.put(vec![1, 2]).unwrap();
    /// let v = q.get_task().unwrap().into_inner();
    /// assert_eq!(v, [1, 2]);
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn into_inner(mut self) -> T {
        self.item
            .take()
            .expect("TaskGuard holds its item until consumed")
        // `self` drops here and marks the task done, with `item` already taken.
    }
}

impl<T, O: Order<T>> Deref for TaskGuard<'_, T, O> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item
            .as_ref()
            .expect("TaskGuard holds its item until consumed")
    }
}

impl<T, O: Order<T>> DerefMut for TaskGuard<'_, T, O> {
    fn deref_mut(&mut self) -> &mut T {
        self.item
            .as_mut()
            .expect("TaskGuard holds its item until consumed")
    }
}

impl<T, O: Order<T>> Drop for TaskGuard<'_, T, O> {
    fn drop(&mut self) {
        // The only way this fails is a user who also called `task_done` by hand for this item;
        // a destructor cannot report it, and panicking here could abort an unwinding thread.
        let _ = self.queue.finish_task(thread::panicking());
    }
}

impl<T: fmt::Debug, O: Order<T>> fmt::Debug for TaskGuard<'_, T, O> {
    /// Shows the item.
    ///
    /// ```
    /// let q = queue::Queue::unbounded();
    /// q.put(3).unwrap();
    /// assert_eq!(format!("{:?}", q.get_task().unwrap()), "TaskGuard(3)");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskGuard").field(&**self).finish()
    }
}
