//! The optional fast path: spin briefly on lock-free hints before going to sleep.
//!
//! Sleeping on a `Condvar` costs two system calls (the sleeper's wait, the notifier's wake)
//! and a trip through the scheduler — microseconds, while a hand-off between two busy threads
//! takes nanoseconds. So a thread that finds the queue empty (or full) first watches the
//! lock-free copies of the lengths for a short, bounded while (`crossbeam_utils::Backoff`: a
//! few spins, then a few `yield_now`s; three times, see `ROUNDS`) and only then takes the lock
//! and sleeps as usual.
//!
//! This only affects speed, never correctness: the hints are read without the lock and may be
//! stale, so they are never trusted — after spinning, the thread locks and re-checks the real
//! state, exactly as if it had not spun. That is also why loom builds compile it away (loom
//! checks the protocol, and a spin loop would only multiply the interleavings to explore).
//!
//! What the put side publishes is only *whether* the storage holds items, and it writes that
//! only when it changes. A spinning getter keeps a copy of the hint's cache line; a putter that
//! wrote its length on every put would have to take that line back from the spinner's core
//! every time, and that write would sit on the putter's critical path.

use crate::order::Order;
use crate::sync::Ordering;
use crate::two_sides::TwoSides;
use crate::wait::Cond;

#[cfg(not(loom))]
mod imp {
    use std::sync::atomic::{AtomicBool, Ordering};

    use crossbeam_utils::{Backoff, CachePadded};

    /// Whether the storage holds items: written under `state`'s lock, read without it.
    pub(crate) struct StoreHint {
        // On a cache line of its own: spinners read it in a loop, and sharing a line with
        // the mutex would slow down every lock operation of the thread they wait for.
        has_items: CachePadded<AtomicBool>,
    }

    impl StoreHint {
        pub(crate) const ENABLED: bool = true;

        pub(crate) fn new() -> Self {
            StoreHint {
                has_items: CachePadded::new(AtomicBool::new(false)),
            }
        }

        /// Called with the lock held, after every storage change; writes only a change (the
        /// load keeps a shared copy of the line, the store would take it from every reader).
        /// `Relaxed`: the value is a hint; the lock orders everything that matters.
        #[inline]
        pub(crate) fn set(&self, has_items: bool) {
            if self.has_items.load(Ordering::Relaxed) != has_items {
                self.has_items.store(has_items, Ordering::Relaxed);
            }
        }

        #[inline]
        pub(crate) fn has_items(&self) -> bool {
            self.has_items.load(Ordering::Relaxed)
        }
    }

    /// How many times `Backoff`'s schedule (spins growing to 64 pauses, then a few
    /// `yield_now`s) runs before a thread gives up and sleeps.
    ///
    /// Why more than one: a sleeping thread takes longer to be woken than one schedule lasts,
    /// and a hand-off partner that arrives meanwhile finds nobody, spins, and goes to sleep
    /// too — once one side sleeps, both tend to keep sleeping. A spin that outlasts a wakeup
    /// breaks that chain. The price: a thread about to block burns that much CPU first. How
    /// the number was chosen, and what it bought, is in `docs/decisions.md`.
    const ROUNDS: usize = 3;

    /// Spins (boundedly) until `ready()` looks true or `ROUNDS` backoffs are exhausted.
    pub(crate) fn spin_until(ready: impl Fn() -> bool) {
        for _ in 0..ROUNDS {
            // A fresh `Backoff` each round: after its yields, look often again at first.
            let backoff = Backoff::new();
            while !backoff.is_completed() {
                if ready() {
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
    pub(crate) struct StoreHint;

    impl StoreHint {
        pub(crate) const ENABLED: bool = false;

        pub(crate) fn new() -> Self {
            StoreHint
        }
        pub(crate) fn set(&self, _has_items: bool) {}
        pub(crate) fn has_items(&self) -> bool {
            unreachable!("nothing spins under loom")
        }
    }

    pub(crate) fn spin_until(_ready: impl Fn() -> bool) {}
}

pub(crate) use imp::{spin_until, StoreHint};

/// The layer's seam into the two-sided core: `two_sides.rs::wait_until` asks
/// `spins_before_sleeping` before its first sleep, and then calls `spin` instead of sleeping —
/// the one place it spins (a getter that sees the hints say "empty" enters that loop before it
/// takes the putters' lock: `take_from_head`).
impl<T, O: Order<T>> TwoSides<T, O> {
    /// Whether a thread about to sleep on `cond` spins first: only on
    /// [`Design::TwoSidesSpinning`](crate::Design), never under loom, and never for `join`,
    /// which waits for work to be done — rarely brief. (A `try_*` never gets this far: its
    /// wait is over before it would sleep.)
    pub(crate) fn spins_before_sleeping(&self, cond: Cond) -> bool {
        self.spins && StoreHint::ENABLED && !matches!(cond, Cond::AllTasksDone)
    }

    /// Whether the hints say a get may find an item: the head or the storage holds some. They
    /// may be stale; a stale "no" costs a spin or a re-poll, never an item. Only where the
    /// hints exist (`StoreHint::ENABLED`).
    pub(crate) fn hints_say_items(&self) -> bool {
        self.head_len.load(Ordering::Relaxed) > 0 || self.store_hint.has_items()
    }

    /// Whether a getter may skip the locks and go straight to `wait_until`'s spin: the spin
    /// layer is on (never under loom) and its hints say nothing is queued, head or storage.
    /// A stale "empty" only sends the getter to the wait loop, which checks under the lock.
    #[inline]
    pub(crate) fn hints_say_empty(&self) -> bool {
        self.spins_before_sleeping(Cond::NotEmpty) && !self.hints_say_items()
    }

    /// Spins briefly until the hints suggest `cond` may hold. For a getter: the head or the
    /// storage has items. For a putter: the head shrank (a get), or the storage is empty and
    /// the head has room (gets emptied the queue).
    pub(crate) fn spin(&self, cond: Cond) {
        let head_len = || self.head_len.load(Ordering::Relaxed);
        match cond {
            // The head first: it is the getters' own line; the hint's is the putters'.
            Cond::NotEmpty => spin_until(|| self.hints_say_items()),
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
