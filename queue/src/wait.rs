//! Sleeping and waking: the `while` loop every blocking call waits in, and the notifications
//! that end it. Which condition means what, and who notifies it, is "The lock design" in
//! `queue.rs`.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::order::Order;
use crate::spin::{spin_until, StoreHint};
use crate::sync::{Condvar, MutexGuard, Ordering};
use crate::two_sides::{Guard, State, TwoSides};
use crate::{GetError, PutError};

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

    /// How long a thread that is about to sleep may sleep: `None` when the wait is over (a
    /// `try_*`, or the deadline passed), `Some(None)` for no limit. Asked again after every
    /// wakeup, so a spurious wakeup never ends a timed wait early.
    pub(crate) fn time_left(self) -> Option<Option<Duration>> {
        match self {
            Wait::Never => None,
            Wait::Forever => Some(None),
            Wait::Until(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(Some(left)),
                _ => None,
            },
        }
    }

    /// The error of a put whose wait is over: `Full` for a `try_put`, else `Timeout`.
    pub(crate) fn put_error<T>(self, item: T) -> PutError<T> {
        match self {
            Wait::Never => PutError::Full(item),
            _ => PutError::Timeout(item),
        }
    }

    /// The error of a get whose wait is over: `Empty` for a `try_get`, else `Timeout`.
    pub(crate) fn get_error(self) -> GetError {
        match self {
            Wait::Never => GetError::Empty,
            _ => GetError::Timeout,
        }
    }
}

/// Wakes up to `n` of the `waiting` sleepers on `cv` (all of them with one `notify_all` when
/// `n` covers them), and no one if none sleeps: a notify is a system call, skipped when no
/// one would hear it. Both cores call it with the lock held under which sleepers count in.
pub(crate) fn notify(cv: &Condvar, waiting: usize, n: usize) {
    if waiting == 0 || n == 0 {
        return;
    }
    if n >= waiting {
        cv.notify_all();
    } else {
        (0..n).for_each(|_| cv.notify_one());
    }
}

/// One sleep on `cv`, at most `left` (`None`: no limit), recovering from poisoning (each
/// core's `lock` says why its invariants hold). The caller's `while` loop re-checks.
pub(crate) fn sleep_on<'a, S>(
    cv: &Condvar,
    guard: MutexGuard<'a, S>,
    left: Option<Duration>,
) -> MutexGuard<'a, S> {
    match left {
        None => cv.wait(guard).unwrap_or_else(PoisonError::into_inner),
        Some(left) => {
            cv.wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0
        }
    }
}

impl<T, O: Order<T>> TwoSides<T, O> {
    /// Sleeps on `cond` until `ready` holds (returns true) or the wait is over (returns false).
    ///
    /// `ready` is checked first and again after every wakeup — including the last one before
    /// the deadline, so a thread woken just as its time runs out still takes what it was woken
    /// for (CPython's `while` loop). A spurious wakeup recomputes the remaining time.
    ///
    /// Before it sleeps, the thread counts itself as waiting and checks `ready` once more: for
    /// a putter, which lets go of the lock to count itself (`announce_putter`), that second look
    /// is half of "The one wakeup that crosses sides" (`queue.rs`); for the others it is
    /// merely redundant.
    pub(crate) fn wait_until<'a>(
        &'a self,
        mut st: Guard<'a, O>,
        cond: Cond,
        wait: Wait,
        mut ready: impl FnMut(&mut State<O>) -> bool,
    ) -> (Guard<'a, O>, bool) {
        let mut spun = false;
        loop {
            if ready(&mut st) {
                return (st, true);
            }
            // Getters spin before they lock anything (`take_from_head`), not here.
            if !spun && !matches!(cond, Cond::NotEmpty) && self.may_spin(cond, wait) {
                // The fast path (`spin.rs`): before the first sleep, unlock and watch the
                // lengths for a moment; whatever they show, lock again and re-check above.
                spun = true;
                drop(st);
                self.spin(cond);
                st = self.lock();
                continue;
            }
            let Some(left) = wait.time_left() else {
                return (st, false);
            };
            st = self.count_in(st, cond);
            if !ready(&mut st) {
                st = sleep_on(self.condvar(cond), st, left);
            }
            self.count_out(&mut st, cond);
        }
    }

    /// Wakes up to `n` of the threads waiting on `cond`, and no one if none waits. Called with
    /// `state`'s lock held (`st`), under which every waiter counts and uncounts itself.
    pub(crate) fn notify(&self, st: &mut State<O>, cond: Cond, n: usize) {
        notify(self.condvar(cond), self.waiters(st, cond), n);
    }

    fn condvar(&self, cond: Cond) -> &Condvar {
        match cond {
            Cond::NotEmpty => &self.not_empty,
            Cond::NotFull => &self.not_full,
            Cond::AllTasksDone => &self.all_tasks_done,
        }
    }

    fn waiters(&self, st: &State<O>, cond: Cond) -> usize {
        match cond {
            Cond::NotEmpty => st.waiting_getters,
            // Relaxed suffices: a sleeping putter counted itself in before it took this lock
            // to sleep, so the lock orders that increment before this read.
            Cond::NotFull => self.waiting_putters.load(Ordering::Relaxed),
            Cond::AllTasksDone => st.waiting_joiners,
        }
    }

    /// Counts this thread in as a waiter on `cond`, just before it sleeps. For getters and
    /// joiners that is one counter under `state`'s lock; a putter announces itself instead
    /// (`announce_putter`), which takes another lock.
    fn count_in<'a>(&'a self, mut st: Guard<'a, O>, cond: Cond) -> Guard<'a, O> {
        match cond {
            Cond::NotEmpty => st.waiting_getters += 1,
            Cond::AllTasksDone => st.waiting_joiners += 1,
            Cond::NotFull => return self.announce_putter(st),
        }
        st
    }

    /// Counts this thread out as a waiter on `cond`, after it woke. A putter may do it without
    /// `head`'s lock: it is awake, so a getter that still counts it only wastes a notify.
    fn count_out(&self, st: &mut State<O>, cond: Cond) {
        match cond {
            Cond::NotEmpty => st.waiting_getters -= 1,
            Cond::AllTasksDone => st.waiting_joiners -= 1,
            Cond::NotFull => {
                self.waiting_putters.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// The putter's half of "The one wakeup that crosses sides" (`queue.rs`): lets go of
    /// `state`'s lock, counts itself in `waiting_putters` under `head`'s lock (the lock getters
    /// free slots under), and takes `state`'s lock again; the caller then re-checks for room.
    fn announce_putter<'a>(&'a self, st: Guard<'a, O>) -> Guard<'a, O> {
        drop(st);
        let head = self.lock_head();
        self.waiting_putters.fetch_add(1, Ordering::Relaxed);
        drop(head);
        self.lock()
    }

    /// Whether to spin before sleeping on `cond` (see `spin.rs`): never under loom, never for
    /// a `try_*`, and never for `join`, which waits for work to be done — rarely brief.
    pub(crate) fn may_spin(&self, cond: Cond, wait: Wait) -> bool {
        self.spins
            && StoreHint::ENABLED
            && !matches!((cond, wait), (Cond::AllTasksDone, _) | (_, Wait::Never))
    }

    /// Spins briefly until the hints suggest `cond` may hold. For a putter that means: the head
    /// shrank (a get), or the storage is empty and the head has room (gets emptied the queue).
    pub(crate) fn spin(&self, cond: Cond) {
        let head_len = || self.head_len.load(Ordering::Relaxed);
        match cond {
            // The head first: it is the getters' own line; the hint's is the putters'.
            Cond::NotEmpty => spin_until(|| head_len() > 0 || self.store_hint.has_items()),
            Cond::NotFull => {
                let (head_before, cap) = (head_len(), self.capacity.unwrap_or(usize::MAX));
                spin_until(|| {
                    let head_now = head_len();
                    head_now < head_before || (head_now < cap && !self.store_hint.has_items())
                })
            }
            Cond::AllTasksDone => {}
        }
    }
}
