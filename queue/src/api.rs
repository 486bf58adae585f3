//! The public methods: constructors, the put and get families, shutdown, and inspection.
//!
//! Each is one line over the queue's core (`one_lock.rs` or `two_sides.rs`, see `queue.rs`);
//! the waiting, the notifying and the bookkeeping all happen there. A put or a get then wakes a
//! task waiting for what it did, after the core released its locks (`put_on_core`, `get_on_core`).

use std::fmt;
use std::time::Duration;

use crate::order::Order;
use crate::queue::{on_core, BlockingQueue};
use crate::wait::{Cond, Wait};
use crate::{GetError, PutError};

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// A queue that holds at most `capacity` items; `put` blocks while it is full.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0. (Python's `maxsize=0` means *unbounded*; a Rust reader would expect
    /// a rendezvous channel instead. Neither is what a 0 here should silently do, so ask for
    /// [`unbounded()`](Self::unbounded) explicitly.)
    ///
    /// ```
    /// use queue::{LifoQueue, Queue};
    ///
    /// let q: Queue<u8> = Queue::bounded(4);
    /// assert_eq!(q.capacity(), Some(4));
    /// let lifo: LifoQueue<u8> = LifoQueue::bounded(1);
    /// assert_eq!(lifo.capacity(), Some(1));
    /// ```
    ///
    /// ```should_panic
    /// let _ = queue::Queue::<u8>::bounded(0); // panics: use Queue::unbounded()
    /// ```
    pub fn bounded(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "a queue's capacity must be at least 1; for a queue without a limit use unbounded()"
        );
        Self::with_capacity(Some(capacity))
    }

    /// A queue without a capacity limit; `put` never blocks.
    ///
    /// ```
    /// use queue::PriorityQueue;
    ///
    /// let q: PriorityQueue<u8> = PriorityQueue::unbounded();
    /// assert_eq!(q.capacity(), None);
    /// assert!(!q.is_full());
    /// ```
    pub fn unbounded() -> Self {
        Self::with_capacity(None)
    }

    /// Puts `item`, blocking while the queue is full.
    ///
    /// Fails with [`PutError::ShutDown`] (giving the item back) once the queue is shut down,
    /// also if it was blocked when that happened.
    ///
    /// ```
    /// use queue::Queue;
    ///
    /// let q = Queue::bounded(1);
    /// q.put(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_on_core(item, Wait::Forever)
    }

    /// Puts `item` if there is room right now (Python's `put_nowait`).
    ///
    /// ```
    /// use queue::{PutError, Queue};
    ///
    /// let q = Queue::bounded(1);
    /// assert_eq!(q.try_put(1), Ok(()));
    /// assert_eq!(q.try_put(2), Err(PutError::Full(2)));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_on_core(item, Wait::Never)
    }

    /// Puts `item`, blocking at most `timeout` for room. `Duration::MAX` waits forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use queue::{PutError, Queue};
    ///
    /// let q = Queue::bounded(1);
    /// q.put(1).unwrap();
    /// let err = q.put_timeout(2, Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err, PutError::Timeout(2));
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_on_core(item, Wait::timeout(timeout))
    }

    /// Takes the next item, blocking while the queue is empty.
    ///
    /// After [`shutdown`](Self::shutdown) it still returns what is queued, then fails with
    /// [`GetError::ShutDown`].
    ///
    /// ```
    /// use queue::{GetError, Queue};
    ///
    /// let q = Queue::unbounded();
    /// q.put("job").unwrap();
    /// q.shutdown();
    /// assert_eq!(q.get(), Ok("job"));
    /// assert_eq!(q.get(), Err(GetError::ShutDown));
    /// ```
    pub fn get(&self) -> Result<T, GetError> {
        self.get_on_core(Wait::Forever)
    }

    /// Takes the next item if there is one right now (Python's `get_nowait`).
    ///
    /// ```
    /// use queue::{GetError, Queue};
    ///
    /// let q = Queue::unbounded();
    /// assert_eq!(q.try_get(), Err(GetError::Empty));
    /// q.put(5).unwrap();
    /// assert_eq!(q.try_get(), Ok(5));
    /// ```
    pub fn try_get(&self) -> Result<T, GetError> {
        self.get_on_core(Wait::Never)
    }

    /// Takes the next item, blocking at most `timeout`. `Duration::MAX` waits forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use queue::{GetError, Queue};
    ///
    /// let q: Queue<u8> = Queue::unbounded();
    /// assert_eq!(q.get_timeout(Duration::from_millis(1)), Err(GetError::Timeout));
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_on_core(Wait::timeout(timeout))
    }

    /// Every put: on the core (`on_core!` is a `match` on the two, in place), which wakes a
    /// sleeping getter thread if one is not woken yet; if it woke none, then — with every core
    /// lock released — a task waiting for an item, if one is (`async_wait.rs`; with none, that
    /// is one atomic load). One put, one waiter, thread or task.
    #[inline]
    fn put_on_core(&self, item: T, wait: Wait) -> Result<(), PutError<T>> {
        let _unwind = self.wake_all_on_unwind(); // `None` unless the order runs user code
        match on_core!(self, c => c.put(item, wait)) {
            // One put, one waiter: a thread if the core woke one, else a task (its inlined
            // test: one load with none waiting).
            Ok(0) => self.waiters.wake(Cond::NotEmpty, 1),
            Ok(_woke_a_thread) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Every get: on the core, then a task waiting for room, if one is (as in `put_on_core`).
    #[inline]
    fn get_on_core(&self, wait: Wait) -> Result<T, GetError> {
        let _unwind = self.wake_all_on_unwind(); // `None` unless the order runs user code
        match on_core!(self, c => c.get(wait)) {
            // The item is taken apart and rebuilt, not the whole `Result` kept across the wake
            // and copied back: that copy read 16 bytes the core had just written as a tag
            // byte and an item, a load the CPU cannot forward from those two stores.
            Ok(item) => {
                self.waiters.wake(Cond::NotFull, 1);
                Ok(item)
            }
            Err(e) => Err(e),
        }
    }

    /// Shuts the queue down (CPython 3.13's `shutdown()`): every put fails from now on, gets
    /// drain what is queued and then fail, and every thread blocked in a put or a get wakes to
    /// find out. `join` is unaffected: it still waits for the unfinished tasks. Calling it
    /// again does nothing more.
    ///
    /// ```
    /// use queue::{PutError, Queue};
    ///
    /// let q = Queue::bounded(1);
    /// q.put(1).unwrap();
    /// q.shutdown();
    /// q.shutdown(); // harmless
    /// assert!(q.is_shutdown());
    /// assert_eq!(q.put(2), Err(PutError::ShutDown(2))); // even though full
    /// assert_eq!(q.get(), Ok(1));
    /// ```
    pub fn shutdown(&self) {
        on_core!(self, c => c.shutdown());
        self.waiters.wake_all();
    }

    /// Shuts down like [`shutdown`](Self::shutdown), and also removes every queued item and
    /// returns them in the order gets would have (CPython's `shutdown(immediate=True)` throws
    /// them away; Java's `shutdownNow` hands them back, and so do we).
    ///
    /// The removed items no longer count as unfinished tasks, so [`join`](Self::join) returns
    /// once the tasks already taken out are done.
    ///
    /// ```
    /// use queue::{GetError, Queue};
    ///
    /// let q = Queue::unbounded();
    /// for i in 0..3 { q.put(i).unwrap() }
    /// assert_eq!(q.shutdown_now(), vec![0, 1, 2]);
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// assert_eq!(q.get(), Err(GetError::ShutDown));
    /// q.join(); // returns at once
    /// ```
    pub fn shutdown_now(&self) -> Vec<T> {
        let removed = on_core!(self, c => c.shutdown_now());
        self.waiters.wake_all();
        removed
    }

    /// The number of queued items. Like Python's `qsize()`, it may be stale by the time you
    /// act on it when other threads use the queue.
    ///
    /// ```
    /// let q = queue::Queue::unbounded();
    /// q.put('a').unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.counters().len
    }

    /// True when no item is queued.
    ///
    /// ```
    /// let q: queue::Queue<u8> = queue::Queue::unbounded();
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when a bounded queue holds `capacity` items (never for an unbounded one).
    ///
    /// ```
    /// let q = queue::Queue::bounded(1);
    /// q.put(0).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.capacity().is_some_and(|cap| self.len() >= cap)
    }

    /// The capacity given to [`bounded`](Self::bounded); `None` for an unbounded queue.
    ///
    /// ```
    /// assert_eq!(queue::Queue::<u8>::bounded(3).capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        on_core!(self, c => c.capacity)
    }

    /// True once [`shutdown`](Self::shutdown) or [`shutdown_now`](Self::shutdown_now) ran.
    ///
    /// ```
    /// let q: queue::Queue<u8> = queue::Queue::unbounded();
    /// assert!(!q.is_shutdown());
    /// q.shutdown();
    /// assert!(q.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.counters().shutdown
    }
}

impl<T, O: Order<T>> Default for BlockingQueue<T, O> {
    /// An unbounded queue, like Python's `Queue()`.
    ///
    /// ```
    /// let q: queue::Queue<u8> = Default::default();
    /// assert_eq!(q.capacity(), None);
    /// ```
    fn default() -> Self {
        Self::unbounded()
    }
}

// By hand: a derive would need `T: Debug` and `O: Debug`, and printing the items would take
// the lock for as long as formatting them takes. The counters are what a reader debugs.
impl<T, O: Order<T>> fmt::Debug for BlockingQueue<T, O> {
    /// Shows the counters, not the items.
    ///
    /// ```
    /// let q = queue::Queue::bounded(2);
    /// q.put(1).unwrap();
    /// assert_eq!(
    ///     format!("{q:?}"),
    ///     "BlockingQueue { len: 1, capacity: Some(2), unfinished_tasks: 1, failed_tasks: 0, is_shutdown: false }"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counters = self.counters();
        f.debug_struct("BlockingQueue")
            .field("len", &counters.len)
            .field("capacity", &self.capacity())
            .field("unfinished_tasks", &counters.unfinished)
            .field("failed_tasks", &counters.failed)
            .field("is_shutdown", &counters.shutdown)
            .finish()
    }
}
