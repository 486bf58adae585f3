//! `store_call`: the two-sided core's storage calls for an order that runs user code (a
//! user's `Ord`), with the bookkeeping that follows from them — also when they panic.
//! `Fifo` and `Lifo` run none: `two_sides.rs` writes their bookkeeping out in place.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::order::Order;
use crate::reentry::HookScope;
use crate::two_sides::{State, TwoSides};
use crate::wait::Cond;

/// A panic caught in a storage call, to be resumed by the caller once it released its locks
/// (and dropped whatever items it still holds) — see `TwoSides::store_call`.
pub(crate) type Caught = Box<dyn Any + Send + 'static>;

impl<T, O: Order<T>> TwoSides<T, O> {
    /// Runs one storage call under `state`'s lock and makes the counters follow the queue's
    /// length (the storage's, plus the head's when the call moves items there — `head` is
    /// given, its lock held, exactly then).
    ///
    /// The bookkeeping comes from the length before and after: `n` items added are `n` more
    /// unfinished tasks and wake up to `n` getters; `n` items removed wake up to `n` putters;
    /// items moved to the head change nothing but the head's recorded length.
    ///
    /// # When the call panics
    ///
    /// A user's `Ord` may panic. The panic is caught *here*, with the locks still held, so
    /// that nothing of the unwinding (an item's `Drop`, a `Waker`) runs under them; the caller
    /// gets it back as `Err`, releases its locks, drops what it holds, and resumes it. Why
    /// `AssertUnwindSafe` is sound: the state the call could leave half-changed is the storage
    /// and the head, and both stay valid — `Priority`'s heap is a permutation of its items,
    /// marked unordered (`heap.rs`), and the head is a `VecDeque` only pushed to — while
    /// every counter is recomputed below from their lengths. On a panic, additionally:
    /// - items that left the storage without reaching the head (an order of the user's that
    ///   drops an item while panicking) are counted as done and failed, so `join` does not
    ///   wait for them forever;
    /// - the wakeup this thread may have consumed is passed on: if items remain, a getter is
    ///   woken; if room remains, a putter; if no task is left, every joiner.
    pub(crate) fn store_call<R>(
        &self,
        st: &mut State<O>,
        mut head: Option<&mut VecDeque<T>>,
        f: impl FnOnce(&mut O, Option<&mut VecDeque<T>>) -> R,
    ) -> Result<R, Caught> {
        let queued = |st: &State<O>, head: &Option<&mut VecDeque<T>>| {
            st.store.len() + head.as_ref().map_or(0, |head| head.len())
        };
        let before = queued(st, &head);
        let out = {
            // Only orders that run user code mark the call (`reentry.rs`); for the others the
            // branch is gone at compile time.
            let _inside = O::CALLS_USER_CODE.then(|| HookScope::enter(self.id()));
            catch_unwind(AssertUnwindSafe(|| f(&mut st.store, head.as_deref_mut())))
        };
        let after = queued(st, &head);
        match &head {
            Some(head) => self.record_refill(st, head),
            None => self.store_hint.set(!st.store.is_empty()),
        }
        let panicked = out.is_err();
        if after > before {
            st.unfinished += after - before;
            self.notify(st, Cond::NotEmpty, after - before);
        } else if after < before {
            if panicked {
                let lost = before - after;
                st.unfinished = st.unfinished.saturating_sub(lost);
                st.failed += lost;
            }
            self.notify(st, Cond::NotFull, before - after);
        }
        if panicked {
            if after > 0 {
                self.notify(st, Cond::NotEmpty, 1);
            }
            if self.has_room_after_refresh(st) {
                self.notify(st, Cond::NotFull, 1);
            }
            if st.unfinished == 0 {
                self.notify(st, Cond::AllTasksDone, usize::MAX);
            }
        }
        out
    }
}
