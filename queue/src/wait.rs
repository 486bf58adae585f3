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
