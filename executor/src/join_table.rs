//! A layer: what a task's `JoinHandle` waits for — whoever awaits an unfinished task, and the
//! outcome of a finished one — lives in a table in the executor, keyed by task id, only for
//! tasks whose handle is alive.
//!
//! The textbook place is the task itself (a cell holding the result and the awaiter's waker,
//! shared by the task and its handle through an `Rc`): a second allocation per task, and 16
//! bytes for a waker that most tasks never have. Here a task is just its future's box
//! (`task.rs`), and:
//! - a handle polled while its task is unfinished leaves its waker here (`register`);
//! - a task that finishes with its handle alive (its slot's `joined` flag) leaves its outcome
//!   here and wakes that waker (`finish`); a detached task leaves nothing;
//! - the handle takes the outcome (`take`), or drops its entry when dropped (`forget`).
//!
//! The table is shared by the executor and the handles (`Rc`): a handle outliving its executor
//! still reads the outcome teardown left it (cancelled, or the output of a task that finished
//! before). Costs: a hash lookup per handle poll and per finished task that has a handle — with
//! a multiply-shift hash of the id (`IdHasher`), not std's default SipHash, which is built to
//! resist keys an attacker chooses; a task id is ours, and SipHash made spawn+await measurably
//! slower (`docs/decisions.md`).
//!
//! As everywhere, a waker or an outcome is woken or dropped outside the table's borrow: its
//! `wake` and `Drop` are user code, which may await another handle (and so register here).

use std::collections::hash_map::{Entry, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::task::Waker;

use crate::slab::TaskId;
use crate::task::Outcome;

/// One handle's entry.
pub(crate) enum Joined {
    /// The task is unfinished; this waker awaits it.
    Waiting(Waker),
    /// The task finished; the handle has not read it yet.
    Finished(Outcome),
}

/// Who waits for which task, and the outcomes not read yet.
#[derive(Default)]
pub(crate) struct JoinTable {
    entries: HashMap<TaskId, Joined, BuildHasherDefault<IdHasher>>,
}

/// Hashes a `TaskId` (two `u32`s) by multiplying each word into the state with a large odd
/// constant and rotating (the scheme of rustc's `FxHasher`): a few cycles, and the slot
/// index's low bits spread into the high bits the table looks at.
#[derive(Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u64(u64::from(b)));
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_u64(&mut self, word: u64) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl JoinTable {
    /// `waker` waits for the unfinished task `id`; returns the waker it replaces, to be dropped
    /// outside the borrow (none if the stored one would wake the same task: no clone).
    pub(crate) fn register(&mut self, id: TaskId, waker: &Waker) -> Option<Waker> {
        match self.entries.entry(id) {
            Entry::Occupied(mut old) => match old.get() {
                Joined::Waiting(stored) if stored.will_wake(waker) => None,
                Joined::Waiting(_) => match old.insert(Joined::Waiting(waker.clone())) {
                    Joined::Waiting(replaced) => Some(replaced),
                    Joined::Finished(_) => unreachable!("matched `Waiting` just above"),
                },
                Joined::Finished(_) => unreachable!("the handle takes an outcome before waiting"),
            },
            Entry::Vacant(slot) => {
                slot.insert(Joined::Waiting(waker.clone()));
                None
            }
        }
    }

    /// Task `id`, whose handle is alive, finished with `outcome`; returns its awaiter's waker.
    pub(crate) fn finish(&mut self, id: TaskId, outcome: Outcome) -> Option<Waker> {
        match self.entries.insert(id, Joined::Finished(outcome)) {
            Some(Joined::Waiting(waker)) => Some(waker),
            None => None,
            // Ids are never reused (the slab retires a slot before its generation wraps), so
            // an outcome nobody read cannot be here under a new task's id.
            Some(Joined::Finished(_)) => unreachable!("two tasks finished under one id"),
        }
    }

    /// The outcome of task `id`, if it has finished.
    pub(crate) fn take(&mut self, id: TaskId) -> Option<Outcome> {
        if !matches!(self.entries.get(&id), Some(Joined::Finished(_))) {
            return None;
        }
        let outcome = match self.entries.remove(&id) {
            Some(Joined::Finished(outcome)) => outcome,
            _ => unreachable!("looked just above"),
        };
        self.shrink_if_sparse();
        Some(outcome)
    }

    /// True when no handle waits and no outcome waits for its handle.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The handle of task `id` is gone: its entry (a waker, or an outcome nobody will read), to
    /// be dropped outside the borrow.
    pub(crate) fn forget(&mut self, id: TaskId) -> Option<Joined> {
        if self.entries.is_empty() {
            return None; // the common case: a detached task, nobody waiting
        }
        let joined = self.entries.remove(&id);
        self.shrink_if_sparse();
        joined
    }

    /// A burst of awaited tasks must not keep its table for the executor's life: once at most a
    /// quarter of the table is used, it halves (to twice what it holds), so the memory follows
    /// the handles alive, and shrinking, like growing, costs O(1) per entry amortized.
    fn shrink_if_sparse(&mut self) {
        const SMALLEST_SHRUNK: usize = 64;
        let capacity = self.entries.capacity();
        if capacity > SMALLEST_SHRUNK && self.entries.len() * 4 < capacity {
            self.entries.shrink_to(self.entries.len() * 2);
        }
    }

    /// How many entries the table has room for (a test's view of its memory).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity()
    }
}
