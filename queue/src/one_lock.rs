//! The one-lock core: CPython's `queue.Queue` (and Doug Lea's `ArrayBlockingQueue`).
//!
//! One `Mutex` guards the storage and every counter; three `Condvar`s on it name the three
//! things a thread can wait for. Every operation is one function that reads top to bottom:
//! lock; a `while` loop that sleeps until its condition holds or its deadline passes; the
//! storage hook (`Order`: CPython's `_put`/`_get`); the counters; the notify.
//!
//! | condition        | who waits on it        | who notifies it                  | how          |
//! |------------------|------------------------|----------------------------------|--------------|
//! | `not_empty`      | `get`, `get_batch`     | a put (one per item added)       | `notify_one` |
//! | `not_full`       | `put`, `put_batch`     | a get (one per slot freed)       | `notify_one` |
//! | `all_tasks_done` | `join`                 | the `task_done` that reaches 0   | `notify_all` |
//! | all three        |                        | `shutdown`, `shutdown_now`       | `notify_all` |
//!
//! `notify_one` for items and slots: one item satisfies one getter, one slot one putter; a
//! woken thread re-checks in its loop, so a wakeup is a hint and a barging thread loses
//! nothing. `notify_all` for broadcast facts: the count reached zero, the queue shut down.
//! Each condition counts its sleepers, so that a put with nobody asleep skips the notify (a
//! system call); a sleeper counts itself in and out under the lock. For `not_empty` the count
//! also says how many sleepers a notify already woke (`wait.rs::Sleepers`), so that a put
//! wakes one waiter — a thread here, or a task of the async face's.
//!
//! A user's `Ord` may panic inside a hook. The panic is caught under the lock, the counters are
//! made to follow the storage's length (`settle`), and the caller resumes it after unlocking:
//! no item is dropped while the lock is held. This is the design `LifoQueue` and
//! `PriorityQueue` run on; `Queue` adds two sides to it (`two_sides.rs`).

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::PoisonError;

use crate::batch::push_front_items;
use crate::order::Order;
use crate::reentry::{self, HookScope};
use crate::sync::{Condvar, Mutex, MutexGuard};
use crate::tasks::mark_done;
use crate::wait::{notify, sleep_on, Sleepers, Wait};
use crate::{queue::Counters, store_call::Caught, GetError, PutError, TaskDoneError};

pub(crate) struct OneLock<T, O: Order<T>> {
    state: Mutex<State<O>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_tasks_done: Condvar,
    pub(crate) capacity: Option<usize>,
    // Owns its items through `O`; `fn() -> T` keeps the queue `Sync` for a `T: Send`.
    _item: PhantomData<fn() -> T>,
}

#[derive(Default)]
struct State<O> {
    store: O,
    unfinished: usize,
    failed: usize,
    shutdown: bool,
    /// Sleepers on `not_empty` (and how many a put already woke: a put wakes one waiter,
    /// thread or task — `Sleepers`), `not_full`, `all_tasks_done`.
    getters: Sleepers,
    putters: usize,
    joiners: usize,
}

impl<T, O: Order<T>> OneLock<T, O> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        OneLock {
            state: Mutex::new(State::default()),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
            capacity,
            _item: PhantomData,
        }
    }

    /// Puts `item`; `Ok` says how many sleeping getters it woke (0 or 1): with none, the
    /// caller wakes a task instead (`api.rs::put_on_core`).
    pub(crate) fn put(&self, item: T, wait: Wait) -> Result<usize, PutError<T>> {
        let mut st = self.lock();
        // Shut down wins over full, as in CPython 3.13.
        while !st.shutdown && self.room(&st) == 0 {
            let Some(left) = wait.time_left() else {
                return Err(wait.put_error(item));
            };
            st.putters += 1;
            st = sleep_on(&self.not_full, st, left);
            st.putters -= 1;
        }
        if st.shutdown {
            return Err(PutError::ShutDown(item));
        }
        let woken_before = st.getters.woken();
        let pushed = self.hook(&mut st, |store| store.push(item));
        let woke = st.getters.woken() - woken_before; // the notify in `hook`, if any
        drop(st);
        pushed.map(|()| woke).or_else(|panic| resume_unwind(panic))
    }

    /// One part of a batch: waits until there is room (or the queue is shut down), then moves
    /// as many of `items` as fit, from the front. `Ok((moved, woke))`: how many, and how many
    /// sleeping getters that woke; the caller wakes tasks for the rest, with the lock released,
    /// before it waits for room again (`batch.rs::put_batch`). `Err`: shut down, nothing moved.
    /// A panicking `Ord` is resumed after unlocking; the items not moved stay in `items`.
    pub(crate) fn put_part(&self, items: &mut VecDeque<T>) -> Result<(usize, usize), ()> {
        let mut st = self.lock();
        while !st.shutdown && !items.is_empty() && self.room(&st) == 0 {
            st.putters += 1;
            st = sleep_on(&self.not_full, st, None);
            st.putters -= 1;
        }
        if st.shutdown {
            return Err(());
        }
        let n = self.room(&st).min(items.len());
        let woken_before = st.getters.woken();
        let pushed = self.hook(&mut st, |store| push_front_items(store, items, n));
        let woke = st.getters.woken() - woken_before;
        drop(st);
        pushed
            .map(|()| (n, woke))
            .or_else(|panic| resume_unwind(panic))
    }

    pub(crate) fn get(&self, wait: Wait) -> Result<T, GetError> {
        self.get_with(wait, |store| store.pop().expect("not empty"))
    }

    pub(crate) fn get_batch(&self, max: usize, wait: Wait) -> Result<Vec<T>, GetError> {
        self.get_with(wait, |store| {
            let mut out = Vec::new();
            let popping = catch_unwind(AssertUnwindSafe(|| {
                for item in std::iter::from_fn(|| store.pop()).take(max) {
                    out.push(item);
                }
            }));
            if let Err(panic) = popping {
                // What this batch popped before the panic goes back, so nothing is lost and
                // `hook` sees no change: `Priority`'s heap, marked unordered by the panic,
                // appends without comparing, and serves them first again once rebuilt.
                out.into_iter().for_each(|item| store.push(item));
                resume_unwind(panic);
            }
            out
        })
    }

    /// Every get: waits while nothing is stored, then runs `take` on the storage.
    fn get_with<R>(&self, wait: Wait, take: impl FnOnce(&mut O) -> R) -> Result<R, GetError> {
        let mut st = self.lock();
        while st.store.is_empty() && !st.shutdown {
            let Some(left) = wait.time_left() else {
                return Err(wait.get_error());
            };
            st.getters.count_in();
            st = sleep_on(&self.not_empty, st, left);
            st.getters.count_out();
        }
        if st.store.is_empty() {
            return Err(GetError::ShutDown); // drained after a shutdown
        }
        let taken = self.hook(&mut st, take);
        drop(st);
        Ok(taken.unwrap_or_else(|panic| resume_unwind(panic)))
    }

    pub(crate) fn shutdown(&self) {
        let mut st = self.lock();
        st.shutdown = true;
        self.notify_all(&mut st);
    }

    pub(crate) fn shutdown_now(&self) -> Vec<T> {
        let mut st = self.lock();
        st.shutdown = true;
        // `take` runs no `Ord`; sorting (`into_vec`) waits until the lock is released.
        let taken = std::mem::take(&mut st.store);
        st.unfinished = st.unfinished.saturating_sub(taken.len());
        self.notify_all(&mut st);
        drop(st);
        taken.into_vec()
    }

    pub(crate) fn finish_task(&self, failed: bool) -> Result<(), TaskDoneError> {
        let st = &mut *self.lock();
        if mark_done(&mut st.unfinished, &mut st.failed, failed)? {
            notify(&self.all_tasks_done, st.joiners, usize::MAX);
        }
        Ok(())
    }

    pub(crate) fn join(&self, wait: Wait) -> bool {
        let mut st = self.lock();
        while st.unfinished > 0 {
            let Some(left) = wait.time_left() else {
                return false;
            };
            st.joiners += 1;
            st = sleep_on(&self.all_tasks_done, st, left);
            st.joiners -= 1;
        }
        true
    }

    pub(crate) fn counters(&self) -> Counters {
        let st = self.lock();
        Counters {
            len: st.store.len(),
            unfinished: st.unfinished,
            failed: st.failed,
            shutdown: st.shutdown,
        }
    }

    /// Free slots (`usize::MAX` when unbounded).
    fn room(&self, st: &State<O>) -> usize {
        self.capacity
            .map_or(usize::MAX, |cap| cap.saturating_sub(st.store.len()))
    }

    /// Runs a storage hook under the lock, then makes the counters follow the storage: `n`
    /// items added are `n` tasks and wake up to `n` getters; `n` removed wake up to `n`
    /// putters. A panic is caught (the caller resumes it after unlocking); then items that
    /// left the storage were dropped by an `Order` of the user's and count as done and failed.
    fn hook<R>(&self, st: &mut State<O>, f: impl FnOnce(&mut O) -> R) -> Result<R, Caught> {
        let before = st.store.len();
        let out = {
            let _inside =
                O::CALLS_USER_CODE.then(|| HookScope::enter(std::ptr::from_ref(self) as usize));
            catch_unwind(AssertUnwindSafe(|| f(&mut st.store)))
        };
        let after = st.store.len();
        if after > before {
            st.unfinished += after - before;
            st.getters.notify(&self.not_empty, after - before);
        } else if after < before {
            notify(&self.not_full, st.putters, before - after);
        }
        if out.is_err() {
            let lost = before.saturating_sub(after);
            st.unfinished = st.unfinished.saturating_sub(lost);
            st.failed += lost;
            // This thread may have used up a wakeup meant for the call; wake everyone rather
            // than argue which (a panicking `Ord` is no path to optimize).
            self.notify_all(st);
        }
        out
    }

    fn notify_all(&self, st: &mut State<O>) {
        st.getters.notify_all(&self.not_empty);
        notify(&self.not_full, st.putters, usize::MAX);
        if st.unfinished == 0 {
            notify(&self.all_tasks_done, st.joiners, usize::MAX);
        }
    }

    /// Locks, recovering from poisoning: the only code that can panic under this lock is a
    /// hook, and `hook` catches that panic and restores every invariant before unlocking. For
    /// an order that runs user code, a contended lock first checks that this thread is not
    /// inside one of this queue's hooks, which would wait for itself (`reentry.rs`).
    fn lock(&self) -> MutexGuard<'_, State<O>> {
        if !O::CALLS_USER_CODE {
            return self.state.lock().unwrap_or_else(PoisonError::into_inner);
        }
        reentry::lock(&self.state, std::ptr::from_ref(self) as usize)
    }
}
