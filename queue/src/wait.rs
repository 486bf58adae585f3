//! The deadline-and-sleep primitive both cores wait with (CPython's `Condition.wait`): a
//! deadline built once ([`Wait`]), the time left before it, one sleep on a `Condvar`, and a
//! notify that skips the system call when nobody sleeps. Each core's `while` loop around
//! them is in the core itself (`one_lock.rs`, `two_sides.rs`); which condition means what,
//! and who notifies it, is the table in `one_lock.rs`.

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use crate::sync::{Condvar, MutexGuard};
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
///
/// `#[inline]`: the test is what almost every put and get runs (no one sleeps), and a generic
/// queue's code is compiled in its user's crate, where a plain function of ours is a call.
#[inline]
pub(crate) fn notify(cv: &Condvar, waiting: usize, n: usize) {
    if waiting != 0 && n != 0 {
        notify_sleepers(cv, waiting, n);
    }
}

/// The threads asleep on `not_empty`, counted so that a put wakes one waiter — a thread or a
/// task, not one of each (`api.rs::put_on_core`): besides how many sleep, how many of them a
/// notify has already woken and have not yet run.
///
/// A `Condvar` cannot say which thread a notify woke, or whether a thread woke for a notify
/// at all (a spurious wakeup, a timeout). So `woken` counts notifies, and *any* sleeper that
/// wakes uses one up. With `awake` the counted threads that are not in the condvar's queue
/// (woken by a notify, spuriously, or by their timeout, and not yet counted out), the
/// invariant is `woken ≤ awake`: a notify adds one to each (it moves a thread out of the
/// queue), or only to `woken` when `woken < awake` held, i.e. a thread already out of the
/// queue will re-check anyway; a wakeup without a notify adds to `awake` only; counting out
/// takes one from each (from `woken` only if it is positive). So when `asleep` (`waiting −
/// woken`) is 0, no counted thread is in the queue: every one of them will lock and re-check,
/// and a notify would wake nobody — the item goes to a task instead. All under the core's
/// lock.
#[derive(Default)]
pub(crate) struct Sleepers {
    /// Counted in before the sleep, out after it.
    waiting: usize,
    /// Notifies not yet used up by a sleeper that woke (see above).
    woken: usize,
}

impl Sleepers {
    /// Just before a thread sleeps (under the lock it sleeps with).
    pub(crate) fn count_in(&mut self) {
        self.waiting += 1;
    }

    /// Just after a thread woke, whatever woke it (under the lock).
    pub(crate) fn count_out(&mut self) {
        self.waiting -= 1;
        self.woken = self.woken.saturating_sub(1);
    }

    /// Notifies given so far and not yet used up: a call's own notifies are the difference
    /// between two reads under one hold of the lock (nobody else can change it meanwhile, and
    /// only a sleeper counting out lowers it).
    pub(crate) fn woken(&self) -> usize {
        self.woken
    }

    /// Wakes up to `n` of the sleepers a notify has not woken yet; returns how many. The
    /// caller gives the rest of its `n` to the task waiters.
    #[inline]
    pub(crate) fn notify(&mut self, cv: &Condvar, n: usize) -> usize {
        let asleep = self.waiting - self.woken;
        let woken = n.min(asleep);
        if woken != 0 {
            self.woken += woken;
            notify_sleepers(cv, asleep, woken);
        }
        woken
    }

    /// Wakes every sleeper (a shutdown, a panicking `Ord`).
    pub(crate) fn notify_all(&mut self, cv: &Condvar) {
        self.notify(cv, usize::MAX);
    }
}

/// `notify`'s system calls, out of line.
#[inline(never)]
fn notify_sleepers(cv: &Condvar, waiting: usize, n: usize) {
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
