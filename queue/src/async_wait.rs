//! The task waiters: for each of the three conditions, a list of `Waker`s beside the
//! `Condvar` sleepers of the core, so that a thread and a task can wait on the same queue.
//!
//! **A layer over both cores, at the public methods.** Every public operation that can make a
//! condition true (a put: `not_empty`; a get: `not_full`; a `task_done`: `all_tasks_done`;
//! a shutdown: all three) first runs on its core, which notifies the sleeping threads as
//! before, and then, after every core lock is released, calls [`AsyncWaiters::wake`]. A put
//! wakes one waiter per item, a thread or a task: the core tells how many sleeping getters it
//! woke (`wait.rs::Sleepers`, which never counts a getter twice), and only the items no thread
//! was woken for wake a task. The other conditions wake on both sides: a get that frees a slot
//! wakes at most one thread *and* at most one task waiting for room (a woken waiter always
//! re-checks, so the extra wakeup costs a poll, never an item), and a `task_done` that reaches
//! zero or a shutdown wakes everyone.
//!
//! **Why no wakeup is lost.** A future registers its waker here first and only then tries the
//! operation again on the core (`async_face.rs`). A notifier changes the core first and only
//! then looks at the count here. Both halves go through the core's lock that guards the
//! change, so either the retry sees the change or the notifier's look comes after the
//! registration and finds the waker. The one change made under another lock — a getter of the
//! two-sided core frees slots under the head's lock — is covered the way the core covers its
//! own putters: a registering putter passes through that lock before its retry
//! (`async_face.rs::PutAsync::poll`).
//!
//! **The blocking path's price:** one atomic load per operation (the count), no lock when no
//! task waits. **Cancellation:** a waker taken out by `wake` is a wakeup given; a future
//! dropped after it was given one passes it on to the next task waiter (`cancel`).
//!
//! No `Waker` is woken or dropped while this lock is held: they are collected, then woken or
//! dropped after unlocking.

use std::collections::VecDeque;
use std::sync::PoisonError;
use std::task::Waker;

use crossbeam_utils::CachePadded;

use crate::order::Order;
use crate::queue::BlockingQueue;
use crate::sync::{AtomicUsize, Mutex, Ordering};
use crate::wait::Cond;

/// The task waiters of one queue, one list per condition.
pub(crate) struct AsyncWaiters {
    lists: [CachePadded<WaiterList>; 3],
}

struct WaiterList {
    /// The number of wakers in `inner`, readable without its lock (written under it).
    count: AtomicUsize,
    inner: Mutex<Registered>,
}

#[derive(Default)]
struct Registered {
    next_key: u64,
    /// Oldest first: a wakeup goes to the task that has waited longest.
    wakers: VecDeque<(u64, Waker)>,
}

impl AsyncWaiters {
    pub(crate) fn new() -> Self {
        let list = || {
            CachePadded::new(WaiterList {
                count: AtomicUsize::new(0),
                inner: Mutex::new(Registered::default()),
            })
        };
        AsyncWaiters {
            lists: [list(), list(), list()],
        }
    }

    fn list(&self, cond: Cond) -> &WaiterList {
        &self.lists[cond as usize]
    }

    /// Registers (or refreshes) the waker of the future whose key is `key`, giving it a key on
    /// its first registration. Returns the waker it replaced, for the caller to drop after this
    /// returns (it is dropped outside the lock by the caller's scope).
    pub(crate) fn register(&self, cond: Cond, key: &mut Option<u64>, waker: &Waker) {
        let list = self.list(cond);
        let mut reg = list.lock();
        let k = *key.get_or_insert_with(|| {
            reg.next_key += 1;
            reg.next_key
        });
        let old = match reg.wakers.iter_mut().find(|(id, _)| *id == k) {
            Some((_, w)) if w.will_wake(waker) => None,
            Some((_, w)) => Some(std::mem::replace(w, waker.clone())),
            None => {
                reg.wakers.push_back((k, waker.clone()));
                None
            }
        };
        list.count.store(reg.wakers.len(), Ordering::SeqCst);
        drop(reg);
        drop(old); // a `Waker`'s drop may run user code: never under the lock
    }

    /// Wakes up to `n` task waiters of `cond` (`usize::MAX`: all), oldest first. Called after the
    /// core's locks are released; with no task waiting it is one atomic load.
    #[inline]
    pub(crate) fn wake(&self, cond: Cond, n: usize) {
        if n != 0 && self.any(cond) {
            self.wake_registered(cond, n);
        }
    }

    /// `wake`'s slow half, out of line so that the blocking path inlines only the test.
    #[inline(never)]
    fn wake_registered(&self, cond: Cond, n: usize) {
        let list = self.list(cond);
        let mut reg = list.lock();
        let take = n.min(reg.wakers.len());
        let woken: Vec<(u64, Waker)> = reg.wakers.drain(..take).collect();
        list.count.store(reg.wakers.len(), Ordering::SeqCst);
        drop(reg);
        woken.into_iter().for_each(|(_, w)| w.wake());
    }

    /// Whether any task waits on `cond` (one atomic load).
    #[inline]
    pub(crate) fn any(&self, cond: Cond) -> bool {
        self.list(cond).count.load(Ordering::SeqCst) > 0
    }

    /// Wakes every task waiter of every condition (shutdown, a panicking `Ord`).
    pub(crate) fn wake_all(&self) {
        for cond in [Cond::NotEmpty, Cond::NotFull, Cond::AllTasksDone] {
            self.wake(cond, usize::MAX);
        }
    }

    /// A future that completed: takes its waker out, if still registered, without passing
    /// anything on (it used whatever wakeup it got). A future that never registered — every
    /// one that completes at its first poll — pays one test, inlined.
    #[inline]
    pub(crate) fn finish(&self, cond: Cond, key: &mut Option<u64>) {
        if let Some(k) = key.take() {
            self.finish_registered(cond, k);
        }
    }

    /// `finish`'s slow half, out of line (as `wake_registered`).
    #[inline(never)]
    fn finish_registered(&self, cond: Cond, k: u64) {
        let list = self.list(cond);
        let mut reg = list.lock();
        let removed = remove(&mut reg, k);
        list.count.store(reg.wakers.len(), Ordering::SeqCst);
        drop(reg);
        drop(removed);
    }

    /// A future dropped while pending. If its waker is still registered it was never woken:
    /// take it out. If not, `wake` gave it a wakeup it will never use: pass it on to the next
    /// task waiter, so that no task sleeps while an item (or a slot) waits for it. Inlined
    /// test, out-of-line work, as `finish`.
    #[inline]
    pub(crate) fn cancel(&self, cond: Cond, key: &mut Option<u64>) {
        if let Some(k) = key.take() {
            self.cancel_registered(cond, k);
        }
    }

    /// `cancel`'s slow half, out of line.
    #[inline(never)]
    fn cancel_registered(&self, cond: Cond, k: u64) {
        let list = self.list(cond);
        let mut reg = list.lock();
        let (removed, passed_on) = match remove(&mut reg, k) {
            Some(w) => (Some(w), None),
            None => (None, reg.wakers.pop_front().map(|(_, w)| w)),
        };
        list.count.store(reg.wakers.len(), Ordering::SeqCst);
        drop(reg);
        drop(removed);
        if let Some(w) = passed_on {
            w.wake();
        }
    }
}

fn remove(reg: &mut Registered, key: u64) -> Option<Waker> {
    let at = reg.wakers.iter().position(|(id, _)| *id == key)?;
    reg.wakers.remove(at).map(|(_, w)| w)
}

impl WaiterList {
    /// Locks, recovering from poisoning: nothing that can panic runs under this lock (no
    /// `Waker` is woken, cloned into user code, or dropped while it is held — `clone` of a
    /// waker is the one exception, and a panicking clone leaves the list as it was).
    fn lock(&self) -> crate::sync::MutexGuard<'_, Registered> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The wake points: each public operation that can make a condition true calls one of these
/// after its core returned, with every core lock released.
impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// After a `task_done`: wakes the joining tasks if no task is left unfinished. It looks
    /// at the count (two locks) only when a task is joining.
    pub(crate) fn woke_joiners(&self) {
        if self.waiters.any(Cond::AllTasksDone) && self.counters().unfinished == 0 {
            self.waiters.wake(Cond::AllTasksDone, usize::MAX);
        }
    }

    /// For an order that runs a user's `Ord` (which may panic inside the core, after the core
    /// woke its threads but before this layer woke its tasks): a guard that wakes every task
    /// if the operation unwinds, as the core wakes every thread then. Nothing for the others.
    pub(crate) fn wake_all_on_unwind(&self) -> Option<WakeAllOnUnwind<'_>> {
        // `then`, not `then_some`: an eager guard would be built and dropped (its `Drop` asking
        // `thread::panicking`) on every put and get of the other orders.
        O::CALLS_USER_CODE.then(|| WakeAllOnUnwind(&self.waiters))
    }
}

/// See [`BlockingQueue::wake_all_on_unwind`].
pub(crate) struct WakeAllOnUnwind<'a>(&'a AsyncWaiters);

impl Drop for WakeAllOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.wake_all();
        }
    }
}
