//! The queue users name, over one of two cores: the one-lock design (`one_lock.rs`, CPython's)
//! or the two-sided one (`two_sides.rs`, Java's `LinkedBlockingQueue`), chosen at
//! construction ([`Design`]).
//!
//! Why a value chosen at construction, not a type: every public method, `TaskGuard`, `Iter`
//! and `WorkerPool` are written once, over both cores; the differential tests and the
//! ablation build both designs as the same type. The price is one `match` per operation on a
//! field that never changes — a branch the processor predicts every time.

use crate::async_wait::AsyncWaiters;
use crate::one_lock::OneLock;
use crate::order::{Fifo, Lifo, Order, Priority};
use crate::two_sides::TwoSides;

/// A blocking queue with task tracking, generic over its storage order `O`.
///
/// Use it through the aliases [`Queue`], [`LifoQueue`] and [`PriorityQueue`]; the order only
/// decides which item a get returns. Share it by reference (scoped threads) or in an `Arc`.
///
/// ```
/// use queue::Queue;
///
/// let q = Queue::bounded(2);
/// std::thread::scope(|s| {
///     s.spawn(|| for i in 0..5 { q.put(i).unwrap() });
///     let got: Vec<i32> = (0..5).map(|_| q.get().unwrap()).collect();
///     assert_eq!(got, [0, 1, 2, 3, 4]);
/// });
/// ```
pub struct BlockingQueue<T, O: Order<T>> {
    pub(crate) core: Core<T, O>,
    /// The tasks waiting beside the core's threads (`async_wait.rs`).
    pub(crate) waiters: AsyncWaiters,
}

// A queue is built once and shared: the padding of the two-sided variant costs memory once,
// while a `Box` would cost a pointer chase on every operation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Core<T, O: Order<T>> {
    OneLock(OneLock<T, O>),
    TwoSides(TwoSides<T, O>),
}

/// Which core a queue runs on (see [`BlockingQueue::with_design`]). Every design gives the
/// same observable results; they differ in speed only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// CPython's: one lock, three condition variables. `LifoQueue` and `PriorityQueue`.
    OneLock,
    /// Two locks, one for putters, one for getters (Java's `LinkedBlockingQueue`); sleeps
    /// at once when it must wait.
    TwoSides,
    /// `TwoSides`, and spins briefly on lock-free hints before it sleeps. `Queue`.
    TwoSidesSpinning,
}

/// First in, first out: Python's `queue.Queue` (on [`Design::TwoSidesSpinning`]).
///
/// ```
/// let q = queue::Queue::unbounded();
/// q.put_batch([111, 333, 222]).unwrap();
/// assert_eq!(q.get_batch(3), Ok(vec![111, 333, 222]));
/// ```
pub type Queue<T> = BlockingQueue<T, Fifo<T>>;

/// Last in, first out: Python's `queue.LifoQueue` (on [`Design::OneLock`]).
///
/// ```
/// let q = queue::LifoQueue::unbounded();
/// q.put_batch([111, 333, 222]).unwrap();
/// assert_eq!(q.get_batch(3), Ok(vec![222, 333, 111]));
/// ```
pub type LifoQueue<T> = BlockingQueue<T, Lifo<T>>;

/// Smallest first: Python's `queue.PriorityQueue`, on [`Design::OneLock`] (see [`Priority`]
/// for largest first and for what happens when `T`'s `Ord` panics).
///
/// ```
/// let q = queue::PriorityQueue::unbounded();
/// q.put_batch([111, 333, 222]).unwrap();
/// assert_eq!(q.get_batch(3), Ok(vec![111, 222, 333]));
/// ```
pub type PriorityQueue<T> = BlockingQueue<T, Priority<T>>;

/// The counters, read under the lock(s) in one go.
pub(crate) struct Counters {
    pub(crate) len: usize,
    pub(crate) unfinished: usize,
    pub(crate) failed: usize,
    pub(crate) shutdown: bool,
}

/// Runs the same expression on whichever core the queue has.
macro_rules! on_core {
    ($queue:expr, $core:ident => $body:expr) => {
        match &$queue.core {
            $crate::queue::Core::OneLock($core) => $body,
            $crate::queue::Core::TwoSides($core) => $body,
        }
    };
}
pub(crate) use on_core;

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// A queue on the core of your choice; `capacity` `None` is unbounded. `bounded` and
    /// `unbounded` choose [`Design::TwoSidesSpinning`] for a FIFO order (one that
    /// [moves all](Order::MOVES_ALL) to the getters' side) and [`Design::OneLock`] for any
    /// other: the two sides only pay off when getters can take a whole batch at once.
    ///
    /// # Panics
    ///
    /// If `capacity` is `Some(0)`, as [`bounded`](Self::bounded) does.
    ///
    /// ```
    /// use queue::{Design, Queue};
    ///
    /// let q: Queue<u8> = Queue::with_design(Some(2), Design::OneLock);
    /// q.put_batch([1, 2]).unwrap();
    /// assert!(q.is_full());
    /// assert_eq!(q.get(), Ok(1));
    /// ```
    pub fn with_design(capacity: Option<usize>, design: Design) -> Self {
        assert!(
            capacity != Some(0),
            "a queue's capacity must be at least 1; for a queue without a limit use unbounded()"
        );
        let core = match design {
            Design::OneLock => Core::OneLock(OneLock::new(capacity)),
            Design::TwoSides => Core::TwoSides(TwoSides::new(capacity, false)),
            Design::TwoSidesSpinning => Core::TwoSides(TwoSides::new(capacity, true)),
        };
        BlockingQueue {
            core,
            waiters: AsyncWaiters::new(),
        }
    }

    pub(crate) fn with_capacity(capacity: Option<usize>) -> Self {
        let design = if O::MOVES_ALL {
            Design::TwoSidesSpinning
        } else {
            Design::OneLock
        };
        Self::with_design(capacity, design)
    }

    /// The core this queue runs on.
    ///
    /// ```
    /// use queue::{Design, LifoQueue, Queue};
    ///
    /// assert_eq!(Queue::<u8>::unbounded().design(), Design::TwoSidesSpinning);
    /// assert_eq!(LifoQueue::<u8>::unbounded().design(), Design::OneLock);
    /// ```
    pub fn design(&self) -> Design {
        match &self.core {
            Core::OneLock(_) => Design::OneLock,
            Core::TwoSides(c) if c.spins => Design::TwoSidesSpinning,
            Core::TwoSides(_) => Design::TwoSides,
        }
    }

    pub(crate) fn counters(&self) -> Counters {
        on_core!(self, c => c.counters())
    }
}
