//! The optional fast path: spin briefly on a lock-free hint before going to sleep.
//!
//! Sleeping on a `Condvar` costs two system calls (the sleeper's wait, the notifier's wake)
//! and a trip through the scheduler — microseconds, while a hand-off between two busy threads
//! takes nanoseconds. So a thread that finds the queue empty (or full) first watches a mirror
//! of the queue's length for a short, bounded while (`crossbeam_utils::Backoff`: a few spins,
//! then a few `yield_now`s) and only then takes the lock and sleeps as usual.
//!
//! This only affects speed, never correctness: the hint is read without the lock and may be
//! stale, so it is never trusted — after spinning, the thread locks and re-checks the real
//! state, exactly as if it had not spun. That is also why loom builds compile it away (loom
//! checks the protocol, and a spin loop would only multiply the interleavings to explore).

#[cfg(not(loom))]
mod imp {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crossbeam_utils::{Backoff, CachePadded};

    /// A copy of the storage's length, written under the lock, read without it.
    pub(crate) struct LenHint {
        // On a cache line of its own: spinners read it in a loop, and sharing a line with
        // the mutex would slow down every lock operation of the thread they wait for.
        len: CachePadded<AtomicUsize>,
    }

    impl LenHint {
        pub(crate) const ENABLED: bool = true;

        pub(crate) fn new() -> Self {
            LenHint {
                len: CachePadded::new(AtomicUsize::new(0)),
            }
        }

        /// Called with the lock held, after every storage change. `Relaxed`: the value is a
        /// hint; the lock orders everything that matters.
        pub(crate) fn set(&self, len: usize) {
            self.len.store(len, Ordering::Relaxed);
        }

        /// Spins (boundedly) until `ready(len)` looks true or the backoff is exhausted.
        pub(crate) fn spin_until(&self, ready: impl Fn(usize) -> bool) {
            let backoff = Backoff::new();
            while !backoff.is_completed() {
                if ready(self.len.load(Ordering::Relaxed)) {
                    return;
                }
                backoff.snooze();
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    /// Under loom: no hint and no spinning (see the module docs).
    pub(crate) struct LenHint;

    impl LenHint {
        pub(crate) const ENABLED: bool = false;

        pub(crate) fn new() -> Self {
            LenHint
        }
        pub(crate) fn set(&self, _len: usize) {}
        pub(crate) fn spin_until(&self, _ready: impl Fn(usize) -> bool) {}
    }
}

pub(crate) use imp::LenHint;
