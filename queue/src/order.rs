//! The storages: *which* item a get returns. No locking here — see `queue.rs` for that.
//!
//! This is CPython's split: `queue.Queue` does all the locking and calls four hooks
//! (`_init`, `_qsize`, `_put`, `_get`) that `LifoQueue` and `PriorityQueue` override. Here the
//! hooks are the [`Order`] trait and the three orders are three small types; the one blocking
//! implementation, [`BlockingQueue`](crate::BlockingQueue), is generic over them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Storage hooks for [`BlockingQueue`](crate::BlockingQueue): CPython's `_init` (`Default`),
/// `_qsize` (`len`), `_put` (`push`) and `_get` (`pop`).
///
/// The queue calls these while holding its putters' lock and never concurrently, so an
/// implementation does no synchronization. It must keep `len` exact: the queue's capacity
/// checks and its recovery from a panicking hook (see [`Priority`]) are computed from it.
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
        head.extend((0..max).map_while(|_| self.pop()));
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
/// Rust's `BinaryHeap` is a max-heap, so items are stored as `Reverse<T>`. For largest first,
/// put `std::cmp::Reverse(item)` into the queue: the two reversals cancel.
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
/// `T::cmp` is user code and runs while the queue's lock is held. If it panics, the panic
/// reaches the caller of `put`/`get` and the queue stays usable (its counters are reconciled
/// from `len` before and after; see `queue.rs`). What happens to the item involved follows from
/// `BinaryHeap`, which is panic-safe:
/// - a panic during **push** leaves the new item *in* the queue: the put counts as accepted — a
///   later `get` returns it and it needs a `task_done` like any other. Its comparison never
///   finished, so it (and the items a later sift meets) may come out of priority order;
/// - a panic during **pop** drops the item being taken (the smallest) while unwinding: the
///   queue counts it as a finished, *failed* task (see `failed_tasks`), so `join` is not
///   left waiting for it. The other items stay and can still be got.
///
/// - a panic during **`shutdown_now`**'s sort (after the lock is released) is caught there: every
///   item is still returned, unsorted. Losing the whole queue to one bad comparison would be
///   worse than a wrong order.
///
/// A `cmp` that is inconsistent (but does not panic) only yields a surprising order.
#[derive(Debug)]
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

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
        Priority(BinaryHeap::new())
    }
}

impl<T> Order<T> for Fifo<T> {
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
        self.0.push(Reverse(item))
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn into_vec(self) -> Vec<T> {
        // `BinaryHeap::into_vec` runs no comparison; only the sort runs `T::cmp`. If that panics,
        // the slice sort still leaves every item in `items` (std guarantees a permutation), and
        // letting the unwind drop them would lose every queued item at once. So the panic stops
        // here and the items come back unsorted: no item is ever lost to a bad `Ord`.
        let mut items: Vec<T> = self.0.into_vec().into_iter().map(|Reverse(x)| x).collect();
        let _unsorted_on_panic = catch_unwind(AssertUnwindSafe(|| items.sort()));
        items
    }
}
