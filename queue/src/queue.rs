//! The one blocking, task-tracking implementation, shared by all three orders.
//!
//! # The lock design
//!
//! Exactly CPython's `queue.Queue`: one `Mutex` guards all state (the storage and every
//! counter), and three `Condvar`s name the three things a thread can wait for. A thread always
//! re-checks its condition in a `while` loop after waking, so a wakeup is only ever a hint.
//!
//! | condition        | who waits on it        | who notifies it                  | how          |
//! |------------------|------------------------|----------------------------------|--------------|
//! | `not_empty`      | `get`, `get_batch`     | a put (one per item added)       | `notify_one` |
//! | `not_full`       | `put`, `put_batch`     | a get (one per slot freed)       | `notify_one` |
//! | `all_tasks_done` | `join`                 | the `task_done` that reaches 0   | `notify_all` |
//! | all three        |                        | `shutdown`, `shutdown_now`       | `notify_all` |
//!
//! Why `notify_one` for items and slots: one item can satisfy only one getter, and one free
//! slot only one putter, so waking more would just make them fight for the lock and go back to
//! sleep (a thundering herd). It cannot lose a wakeup, because a woken thread always either
//! uses what it was woken for or, if a barging thread took it first, goes back to waiting with
//! nothing lost — that barging thread was served instead. The one way a woken thread could
//! leave without using its wakeup is a storage call that panics without changing the length
//! (possible for a custom [`Order`]; the built-in `Priority` keeps or drops the item, so its
//! length always changes); [`StoreCall`] then passes the wakeup on. When a batch adds or frees `n` at once, up to `n` threads are
//! woken (all of them, with one `notify_all`, when `n` covers every waiter).
//!
//! Why `notify_all` for `all_tasks_done` and shutdown: those are broadcast facts — every joiner
//! wants to know the count reached zero, every blocked thread must learn of the shutdown
//! (CPython gh-117531 was a shutdown that woke only some of them).
//!
//! Before its first sleep, a getter or putter spins briefly on a lock-free copy of the length
//! (`spin.rs`); that is a speed-up only — the protocol above is the same with or without it,
//! and loom builds leave it out.
//!
//! Each condition also has a count of the threads waiting on it, kept under the lock: a put
//! with no getter asleep skips the `notify` (a system call on most platforms). A waiter
//! increments the count before it waits and decrements it after it wakes, so the count is never
//! lower than the number of sleepers: a notify may be wasted, never missing.
//!
//! # Counters follow the storage
//!
//! Every change to the storage goes through [`StoreCall`], which compares the storage's length
//! before and after and does all the bookkeeping (unfinished tasks, notifications) from that
//! difference — on the normal path and when the storage call panics alike. That one rule is
//! what keeps the queue consistent when a user's `Ord` panics (see [`Priority`]).

use std::marker::PhantomData;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::order::{Fifo, Lifo, Order, Priority};
use crate::spin::LenHint;
use crate::sync::{Condvar, Mutex, MutexGuard};
use crate::{GetError, PutError};

/// A blocking queue with task tracking, generic over its storage order `O`.
///
/// Use it through the aliases [`Queue`], [`LifoQueue`] and [`PriorityQueue`]; the order only
/// decides which item a get returns, every other behaviour is this one implementation.
/// Share it by reference (scoped threads) or in an `Arc`.
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
    pub(crate) state: Mutex<State<O>>,
    pub(crate) not_empty: Condvar,
    pub(crate) not_full: Condvar,
    pub(crate) all_tasks_done: Condvar,
    /// Fixed at construction, so it lives outside the lock. `None` = unbounded.
    pub(crate) capacity: Option<usize>,
    /// The length, readable without the lock, for the spin before sleeping (`spin.rs`).
    len_hint: LenHint,
    // `fn() -> T`, not `T`: the queue owns its items through `O`; this only names `T`, and it
    // must not make the queue `!Sync` for a `T` that is `Send` but not `Sync`.
    _item: PhantomData<fn() -> T>,
}

/// First in, first out: Python's `queue.Queue`.
///
/// ```
/// let q = queue::Queue::unbounded();
/// q.put_batch([111, 333, 222]).unwrap();
/// assert_eq!(q.get_batch(3), Ok(vec![111, 333, 222]));
/// ```
pub type Queue<T> = BlockingQueue<T, Fifo<T>>;

/// Last in, first out: Python's `queue.LifoQueue`.
///
/// ```
/// let q = queue::LifoQueue::unbounded();
/// q.put_batch([111, 333, 222]).unwrap();
/// assert_eq!(q.get_batch(3), Ok(vec![222, 333, 111]));
/// ```
pub type LifoQueue<T> = BlockingQueue<T, Lifo<T>>;

/// Smallest first: Python's `queue.PriorityQueue` (see [`Priority`] for largest first and
/// for what happens when `T`'s `Ord` panics).
///
/// ```
/// let q = queue::PriorityQueue::unbounded();
/// q.put_batch([111, 333, 222]).unwrap();
/// assert_eq!(q.get_batch(3), Ok(vec![111, 222, 333]));
/// ```
pub type PriorityQueue<T> = BlockingQueue<T, Priority<T>>;

/// Everything the lock guards.
pub(crate) struct State<O> {
    pub(crate) store: O,
    /// Items put and not yet marked done (CPython's `unfinished_tasks`).
    pub(crate) unfinished: usize,
    /// Tasks that ended in a panic (a `TaskGuard` dropped while unwinding, an item lost in a
    /// panicking storage call).
    pub(crate) failed: usize,
    pub(crate) shutdown: bool,
    /// Threads asleep on each condvar (see "The lock design").
    pub(crate) waiting_getters: usize,
    pub(crate) waiting_putters: usize,
    pub(crate) waiting_joiners: usize,
}

/// One of the three conditions of the lock design.
#[derive(Clone, Copy)]
pub(crate) enum Cond {
    NotEmpty,
    NotFull,
    AllTasksDone,
}

/// How long an operation may block.
#[derive(Clone, Copy)]
pub(crate) enum Wait {
    /// `try_*`: not at all.
    Never,
    Until(Instant),
    Forever,
}

impl Wait {
    /// A deadline `timeout` from now; one that overflows `Instant` (`Duration::MAX`) is no
    /// deadline at all rather than a panic.
    pub(crate) fn timeout(timeout: Duration) -> Wait {
        Instant::now()
            .checked_add(timeout)
            .map_or(Wait::Forever, Wait::Until)
    }
}

pub(crate) type Guard<'a, O> = MutexGuard<'a, State<O>>;

impl<T, O: Order<T>> BlockingQueue<T, O> {
    pub(crate) fn with_capacity(capacity: Option<usize>) -> Self {
        BlockingQueue {
            state: Mutex::new(State {
                store: O::default(),
                unfinished: 0,
                failed: 0,
                shutdown: false,
                waiting_getters: 0,
                waiting_putters: 0,
                waiting_joiners: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
            capacity,
            len_hint: LenHint::new(),
            _item: PhantomData,
        }
    }

    /// Locks the state, recovering from poisoning.
    ///
    /// Why that is sound: the only code that can panic while the lock is held is a storage call
    /// (a user's `Ord`, or an allocation failure), and it always runs inside a [`StoreCall`],
    /// whose drop restores every invariant *before* the unwinding releases the lock. So a
    /// poisoned lock guards consistent state, and refusing it would only turn one panic into a
    /// panic on every later call.
    pub(crate) fn lock(&self) -> Guard<'_, O> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn has_room(&self, st: &State<O>) -> bool {
        self.capacity.map_or(true, |cap| st.store.len() < cap)
    }

    fn condvar(&self, cond: Cond) -> &Condvar {
        match cond {
            Cond::NotEmpty => &self.not_empty,
            Cond::NotFull => &self.not_full,
            Cond::AllTasksDone => &self.all_tasks_done,
        }
    }

    /// Sleeps on `cond` until `ready` holds (returns true) or the wait is over (returns false).
    ///
    /// `ready` is checked first and again after every wakeup — including the last one before
    /// the deadline, so a thread woken just as its time runs out still takes what it was woken
    /// for (CPython's `while` loop). A spurious wakeup recomputes the remaining time.
    pub(crate) fn wait_until<'a>(
        &'a self,
        mut st: Guard<'a, O>,
        cond: Cond,
        wait: Wait,
        ready: impl Fn(&State<O>) -> bool,
    ) -> (Guard<'a, O>, bool) {
        let mut spun = false;
        loop {
            if ready(&st) {
                return (st, true);
            }
            if !spun && self.may_spin(cond, wait) {
                // The fast path (`spin.rs`): before the first sleep, unlock and watch the
                // length for a moment; whatever it shows, lock again and re-check above.
                spun = true;
                drop(st);
                self.spin(cond);
                st = self.lock();
                continue;
            }
            let timeout = match wait {
                Wait::Never => return (st, false),
                Wait::Forever => None,
                Wait::Until(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return (st, false),
                },
            };
            *st.waiters(cond) += 1;
            let cv = self.condvar(cond);
            st = match timeout {
                None => cv.wait(st).unwrap_or_else(PoisonError::into_inner),
                Some(left) => {
                    cv.wait_timeout(st, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            *st.waiters(cond) -= 1;
        }
    }

    /// Whether to spin before sleeping on `cond` (see `spin.rs`): never under loom, never for
    /// a `try_*`, and never for `join`, which waits for work to be done — rarely brief.
    fn may_spin(&self, cond: Cond, wait: Wait) -> bool {
        LenHint::ENABLED && !matches!((cond, wait), (Cond::AllTasksDone, _) | (_, Wait::Never))
    }

    /// Spins briefly until the length hint suggests `cond` may hold.
    fn spin(&self, cond: Cond) {
        let cap = self.capacity.unwrap_or(usize::MAX);
        match cond {
            Cond::NotEmpty => self.len_hint.spin_until(|len| len > 0),
            Cond::NotFull => self.len_hint.spin_until(|len| len < cap),
            Cond::AllTasksDone => {}
        }
    }

    /// Wakes up to `n` of the threads waiting on `cond`, and no one if none waits.
    pub(crate) fn notify(&self, st: &mut State<O>, cond: Cond, n: usize) {
        let waiting = *st.waiters(cond);
        if waiting == 0 || n == 0 {
            return;
        }
        let cv = self.condvar(cond);
        if n >= waiting {
            cv.notify_all();
        } else {
            (0..n).for_each(|_| cv.notify_one());
        }
    }

    /// Runs one storage call under the lock; see [`StoreCall`].
    pub(crate) fn store_call<R>(&self, st: &mut State<O>, f: impl FnOnce(&mut O) -> R) -> R {
        let len_before = st.store.len();
        let mut call = StoreCall {
            queue: self,
            st,
            len_before,
            returned: false,
        };
        let out = f(&mut call.st.store);
        call.returned = true;
        out
    }

    pub(crate) fn put_inner(&self, item: T, wait: Wait) -> Result<(), PutError<T>> {
        let st = self.lock();
        // Shut down wins over full: CPython 3.13 checks `is_shutdown` first, and so do we.
        let (mut st, ready) = self.wait_until(st, Cond::NotFull, wait, |st| {
            st.shutdown || self.has_room(st)
        });
        match (ready, st.shutdown, wait) {
            (_, true, _) => Err(PutError::ShutDown(item)),
            (true, false, _) => {
                self.store_call(&mut st, |store| store.push(item));
                Ok(())
            }
            (false, false, Wait::Never) => Err(PutError::Full(item)),
            (false, false, _) => Err(PutError::Timeout(item)),
        }
    }

    pub(crate) fn get_inner(&self, wait: Wait) -> Result<T, GetError> {
        let st = self.lock();
        let (mut st, ready) = self.wait_until(st, Cond::NotEmpty, wait, |st| {
            st.shutdown || !st.store.is_empty()
        });
        if !st.store.is_empty() {
            // Even when shut down: what was put before the shutdown is still delivered.
            let item = self.store_call(&mut st, |store| store.pop());
            return Ok(item.expect("Order::pop returned None although len() > 0"));
        }
        Err(match (ready, wait) {
            (true, _) => GetError::ShutDown,
            (false, Wait::Never) => GetError::Empty,
            (false, _) => GetError::Timeout,
        })
    }
}

impl<O> State<O> {
    pub(crate) fn waiters(&mut self, cond: Cond) -> &mut usize {
        match cond {
            Cond::NotEmpty => &mut self.waiting_getters,
            Cond::NotFull => &mut self.waiting_putters,
            Cond::AllTasksDone => &mut self.waiting_joiners,
        }
    }
}

/// A drop guard around one storage call that makes the counters follow the storage.
///
/// When the call returns, its drop sees the length change and does the bookkeeping: `n` items
/// added are `n` more unfinished tasks and wake up to `n` getters; `n` items removed wake up to
/// `n` putters. When the call **panics** (a user's `Ord`), the same drop runs during the
/// unwinding, before the lock is released, and additionally:
/// - items that left the storage without reaching the caller (a `BinaryHeap::pop` drops the
///   item it was taking; a panicking `get_batch` drops what it had taken) are counted as done
///   and failed, so `join` does not wait for them forever;
/// - the wakeup this thread may have consumed is passed on: if items remain, a getter is
///   woken; if room remains, a putter; if no task is left, every joiner.
pub(crate) struct StoreCall<'a, T, O: Order<T>> {
    queue: &'a BlockingQueue<T, O>,
    st: &'a mut State<O>,
    len_before: usize,
    returned: bool,
}

impl<T, O: Order<T>> Drop for StoreCall<'_, T, O> {
    fn drop(&mut self) {
        let (queue, st) = (self.queue, &mut *self.st);
        let (before, after) = (self.len_before, st.store.len());
        queue.len_hint.set(after);
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
