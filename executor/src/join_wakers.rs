//! A layer: the wakers of whoever awaits an unfinished task's `JoinHandle` live in a table in
//! the executor, keyed by task id, instead of in every task.
//!
//! The textbook place is a field of the task (`Cell<Option<Waker>>`, 16 bytes), which every
//! task pays for, awaited or not — and a task for a small future sits just past a malloc chunk
//! boundary with it (`task.rs`). Here only the tasks somebody is waiting for *right now* have an
//! entry: a handle registers when it finds the task unfinished, and whoever finishes the task
//! takes the entry out and wakes it — the run loop after a task's last poll (`run_loop.rs`),
//! `JoinHandle::abort` when it cancels an idle task, teardown for every task it cancels.
//! Costs: a hash lookup per handle poll that waits, and one per finished task while any entry
//! exists — with a multiply-shift hash of the id (`IdHasher`), not std's default SipHash,
//! which is built to resist keys an attacker chooses; a task id is ours, and SipHash made
//! spawn+await measurably slower (`docs/decisions.md`).
//!
//! As everywhere, a waker is woken or dropped outside the table's borrow: its `wake` and `Drop`
//! are user code, which may await another handle (and so register here).

use std::collections::hash_map::{Entry, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::task::Waker;

use crate::drop_queue::wake_quietly;
use crate::run_loop::Core;
use crate::slab::TaskId;

/// Who waits for which task.
#[derive(Debug, Default)]
pub(crate) struct JoinWakers {
    waiting: HashMap<TaskId, Waker, BuildHasherDefault<IdHasher>>,
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

impl JoinWakers {
    /// `waker` waits for task `id`; returns the waker it replaces, to be dropped outside the
    /// borrow (none if the stored one would wake the same task: the common case, no clone).
    pub(crate) fn register(&mut self, id: TaskId, waker: &Waker) -> Option<Waker> {
        match self.waiting.entry(id) {
            Entry::Occupied(old) if old.get().will_wake(waker) => None,
            Entry::Occupied(mut old) => Some(old.insert(waker.clone())),
            Entry::Vacant(slot) => {
                slot.insert(waker.clone());
                None
            }
        }
    }

    /// Every waiting waker (executor teardown), to be woken outside the borrow.
    pub(crate) fn take_all(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.waiting).into_values().collect()
    }
}

impl Core {
    /// Task `id` has finished: wakes whoever awaits its handle. A panic in that waker is theirs,
    /// caught and dropped (as tokio does), never unwinding out of the run loop, `abort` or
    /// teardown.
    pub(crate) fn wake_joiner(&self, id: TaskId) {
        let waker = {
            let mut joiners = self.join_wakers.borrow_mut();
            if joiners.waiting.is_empty() {
                return; // the common case: nobody waits for an unfinished task
            }
            joiners.waiting.remove(&id)
        };
        if let Some(waker) = waker {
            wake_quietly(waker);
        }
    }
}
