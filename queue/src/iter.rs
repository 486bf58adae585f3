//! A blocking iterator over a queue: `for item in &q` gets until the queue is shut down and
//! drained, the way a receiver loop ends when a channel's senders are gone.

use crate::order::Order;
use crate::queue::BlockingQueue;

/// The iterator returned by [`BlockingQueue::iter`]: each `next` is a blocking
/// [`get`](BlockingQueue::get), and the iteration ends once the queue is shut down and empty.
///
/// ```
/// use queue::Queue;
///
/// let q = Queue::unbounded();
/// q.put_batch([1, 2, 3]).unwrap();
/// q.shutdown();
/// assert_eq!(q.iter().sum::<i32>(), 6);
/// ```
pub struct Iter<'a, T, O: Order<T>> {
    queue: &'a BlockingQueue<T, O>,
}

// By hand: a derive would demand `T: Debug` and `O: Debug`, which the queue's own `Debug`
// (counters only) does not need.
impl<T, O: Order<T>> std::fmt::Debug for Iter<'_, T, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter").field("queue", self.queue).finish()
    }
}

impl<T, O: Order<T>> Iterator for Iter<'_, T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // `get` only fails with `ShutDown` (never `Empty`/`Timeout`): that is the end.
        self.queue.get().ok()
    }
}

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// A blocking iterator: gets items until the queue is shut down and drained.
    ///
    /// It does not call `task_done`; use [`get_task`](Self::get_task) in a loop for that.
    ///
    /// ```
    /// use queue::Queue;
    ///
    /// let q = Queue::bounded(2);
    /// let total = std::thread::scope(|s| {
    ///     let consumer = s.spawn(|| q.iter().sum::<u32>());
    ///     for i in 1..=100 { q.put(i).unwrap() }
    ///     q.shutdown();
    ///     consumer.join().unwrap()
    /// });
    /// assert_eq!(total, 5050);
    /// ```
    pub fn iter(&self) -> Iter<'_, T, O> {
        Iter { queue: self }
    }
}

impl<'a, T, O: Order<T>> IntoIterator for &'a BlockingQueue<T, O> {
    type Item = T;
    type IntoIter = Iter<'a, T, O>;

    /// Same as [`BlockingQueue::iter`].
    ///
    /// ```
    /// let q = queue::LifoQueue::unbounded();
    /// q.put_batch(["a", "b"]).unwrap();
    /// q.shutdown();
    /// let mut seen = vec![];
    /// for s in &q { seen.push(s) }
    /// assert_eq!(seen, ["b", "a"]);
    /// ```
    fn into_iter(self) -> Iter<'a, T, O> {
        self.iter()
    }
}
