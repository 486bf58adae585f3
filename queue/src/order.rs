//! The storages: *which* item a get returns. No locking here — see `queue.rs` for that.
//!
//! This is CPython's split: `queue.Queue` does all the locking and calls four hooks
//! (`_init`, `_qsize`, `_put`, `_get`) that `LifoQueue` and `PriorityQueue` override. Here the
//! hooks are the [`Order`] trait and the three orders are three small types; the one blocking
//! implementation, [`BlockingQueue`](crate::BlockingQueue), is generic over them.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::heap::Heap;

/// Storage hooks for [`BlockingQueue`](crate::BlockingQueue): CPython's `_init` (`Default`),
/// `_qsize` (`len`), `_put` (`push`) and `_get` (`pop`).
///
/// The queue calls these while holding its putters' lock and never concurrently, so an
/// implementation does no synchronization. It must keep `len` exact: the queue's capacity
/// checks and its recovery from a panicking hook (see [`Priority`]) are computed from it.
///
/// # When a hook panics
///
/// The queue catches the panic while it still holds its locks, reconciles its counters from
/// `len` (before and after the call), releases the locks, and only then lets the panic go on
/// to the caller (for an order whose [`CALLS_USER_CODE`](Self::CALLS_USER_CODE) is true,
/// the default: the others promise not to panic). So a hook that panics should still hold every item it was given or has not
/// handed out — an item it drops instead is dropped while the lock is held (it cannot use the
/// queue from its `Drop`) and is counted as a finished, failed task. [`Priority`] keeps them
/// all. A hook must not call back into its own queue: for an order whose
/// [`CALLS_USER_CODE`](Self::CALLS_USER_CODE) is true, the queue detects that and panics
/// instead of deadlocking.
///
/// ```
/// use queue::{Fifo, Order};
///
/// let mut store = Fifo::default();
/// store.push(1);
/// store.push(2);
/// assert_eq!(store.len(), 2);
/// assert_eq!(store.pop(), Some(1));
/// assert_eq!(store.into_vec(), vec![2]);
/// ```
pub trait Order<T>: Default {
    /// Whether the hooks run code the queue does not control (`T`'s `Ord`, for [`Priority`]),
    /// which might call back into the queue or panic. When true, the queue marks its storage
    /// calls so that such a call back gets a clear panic instead of a deadlock, and the
    /// two-sided core catches a panic there (see "When a hook panics"); [`Fifo`] and [`Lifo`]
    /// run none and skip that work. Say false only for hooks that can neither call back nor
    /// panic. The default, true, is the safe answer for a new order.
    ///
    /// ```
    /// use queue::{Fifo, Order, Priority};
    ///
    /// assert!(!<Fifo<u8> as Order<u8>>::CALLS_USER_CODE);
    /// assert!(<Priority<u8> as Order<u8>>::CALLS_USER_CODE);
    /// ```
    const CALLS_USER_CODE: bool = true;

    /// Whether [`move_to_head`](Self::move_to_head) moves *everything* (nothing put later can
    /// be served before what is queued, as in [`Fifo`]). Such an order gets the two-sided
    /// design from `bounded`/`unbounded`; any other runs on one lock (see
    /// [`Design`](crate::Design)). The default, false, is right for any order.
    ///
    /// ```
    /// use queue::{Fifo, Lifo, Order};
    ///
    /// assert!(<Fifo<u8> as Order<u8>>::MOVES_ALL);
    /// assert!(!<Lifo<u8> as Order<u8>>::MOVES_ALL);
    /// ```
    const MOVES_ALL: bool = false;

    /// The number of items stored.
    fn len(&self) -> usize;

    /// True when nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores one item.
    fn push(&mut self, item: T);

    /// Removes the item this order serves next; `None` only when empty.
    fn pop(&mut self) -> Option<T>;

    /// Moves items to the back of `head`, the getters' side of the queue (see "The two
    /// sides" in `queue.rs`): at least `min(max, len)` of them, in the order `pop` serves them.
    ///
    /// Getters call this under both locks when `head` has fewer items than they want, then
    /// serve from `head` without the putters' lock. The default moves exactly that many, one
    /// `pop` each — right for any order, since an item put later may have to be served first.
    /// [`Fifo`] moves *everything*: nothing put later can overtake what is already queued, so
    /// every item may wait in `head`, and getters need the putters' lock once per batch
    /// instead of once per item.
    ///
    /// ```
    /// use std::collections::VecDeque;
    /// use queue::{Fifo, Lifo, Order};
    ///
    /// let (mut fifo, mut lifo) = (Fifo::default(), Lifo::default());
    /// for x in 1..=3 { fifo.push(x); lifo.push(x) }
    /// let mut head = VecDeque::new();
    /// fifo.move_to_head(&mut head, 1);
    /// assert_eq!(head, [1, 2, 3]); // all of it
    /// head.clear();
    /// lifo.move_to_head(&mut head, 1);
    /// assert_eq!(head, [3]); // just what was asked for
    /// ```
    fn move_to_head(&mut self, head: &mut VecDeque<T>, max: usize) {
        // One `push_back` per item, rather than `extend`: if a `pop` panics, every item moved
        // so far is plainly in `head` already.
        for _ in 0..max {
            match self.pop() {
                Some(item) => head.push_back(item),
                None => break,
            }
        }
    }

    /// All items, in the order `pop` would have returned them.
    ///
    /// `shutdown_now` moves the whole storage out with `std::mem::take` under the lock (no user
    /// code runs) and calls this after unlocking, so a `Priority` sort never holds the lock.
    fn into_vec(self) -> Vec<T>;
}

/// First in, first out (`queue.Queue`).
///
/// ```
/// use queue::{Fifo, Order};
/// let mut s = Fifo::default();
/// for x in [111, 333, 222] { s.push(x) }
/// assert_eq!(s.into_vec(), vec![111, 333, 222]);
/// ```
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out (`queue.LifoQueue`): a stack.
///
/// ```
/// use queue::{Lifo, Order};
/// let mut s = Lifo::default();
/// for x in [111, 333, 222] { s.push(x) }
/// assert_eq!(s.into_vec(), vec![222, 333, 111]);
/// ```
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);

/// Smallest first (`queue.PriorityQueue`, a `heapq` min-heap).
///
/// For largest first, put `std::cmp::Reverse(item)` into the queue.
///
/// ```
/// use std::cmp::Reverse;
/// use queue::PriorityQueue;
///
/// let q = PriorityQueue::unbounded();
/// for x in [111, 333, 222] { q.put(Reverse(x)).unwrap() }
/// assert_eq!(q.get().unwrap().0, 333); // largest first
/// ```
///
/// # When `Ord` panics
///
/// `T::cmp` is user code and runs while the queue's lock is held (a shared heap cannot be
/// ordered otherwise). If it panics, the panic reaches the caller of the operation, after the
/// queue has released its locks, and **no item is lost, duplicated or dropped**: the heap
/// (`src/heap.rs`) only ever swaps items, so every queued item is still queued.
/// - **`put`**: the item is in — the put counts as accepted, and it needs a `task_done` like
///   any other.
/// - **`put_batch`**: the items pushed before the panic and the one being pushed are in; the
///   ones not yet pushed were never accepted and are dropped, after the locks are released.
/// - **`get`**: the item it was taking stays queued; no task is finished or failed.
/// - **`get_batch`**: the items it took before the panic stay on the queue's get side, where
///   they are served first (they were the smallest when taken); the one being taken stays in
///   the heap. Nothing is counted as done or failed.
/// - **`shutdown_now`**: its sort runs after the locks are released; if it panics, the panic
///   is caught and every item is returned, unsorted.
///
/// After a panicking comparison the heap is marked unordered: puts append without comparing,
/// and the next get rebuilds the heap first (calling `Ord` again — if that panics too, the get
/// panics and the items stay). So priority order is back as soon as `Ord` stops panicking.
///
/// `cmp` must not use its own queue (not even `len()`): the queue detects such a call back
/// on the thread that holds its lock and panics with a message saying so, rather than
/// deadlocking. (It cannot detect a `cmp` that waits for *another* thread using the queue.)
/// A `cmp` that is inconsistent (but does not panic) only yields a surprising order.
#[derive(Debug)]
pub struct Priority<T>(Heap<T>);

// By hand, not derived: a derive would add a needless `T: Default` bound.
impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(Heap::new())
    }
}

impl<T> Order<T> for Fifo<T> {
    const CALLS_USER_CODE: bool = false;
    const MOVES_ALL: bool = true;
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn move_to_head(&mut self, head: &mut VecDeque<T>, _max: usize) {
        if head.is_empty() {
            // The common case, O(1): the getters take the whole storage, and the putters keep
            // the emptied buffer (and its allocation) to fill next.
            std::mem::swap(head, &mut self.0);
        } else {
            head.append(&mut self.0);
        }
    }
    fn into_vec(self) -> Vec<T> {
        self.0.into()
    }
}

impl<T> Order<T> for Lifo<T> {
    const CALLS_USER_CODE: bool = false;
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn into_vec(mut self) -> Vec<T> {
        self.0.reverse();
        self.0
    }
}

impl<T: Ord> Order<T> for Priority<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn into_vec(self) -> Vec<T> {
        // Only the sort runs `T::cmp`. If that panics, the slice sort still leaves every item
        // in `items` (std guarantees a permutation), and letting the unwind drop them would
        // lose every queued item at once. So the panic stops here and the items come back
        // unsorted: no item is ever lost to a bad `Ord`.
        let mut items = self.0.into_unordered();
        let _unsorted_on_panic = catch_unwind(AssertUnwindSafe(|| items.sort()));
        items
    }
}
