//! A layer: the timer queue's ordered entries, with timers that are set in deadline order — by
//! far the common case: many `sleep(d)` with one `d`, `timeout`s of one length, the deadlines
//! of a schedule — appended to a sorted run (a `VecDeque`) instead of inserted into the B-tree.
//!
//! What it buys: a timer set later than every pending one is a push at the back, and the
//! earliest timer a pop at the front — O(1) each, touching memory in order — where the B-tree
//! walks its nodes and, filled in key order, leaves each node about half full. A timer set out
//! of order goes to the B-tree (`timer_queue.rs`'s textbook structure); the earliest entry is
//! the earlier of the two fronts, so the order is unchanged: by deadline, then by the order the
//! timers were set.
//!
//! Removing an entry from the middle of the run (a dropped `Sleep`) leaves a tombstone (its
//! target is taken out at once, so a waker is dropped then, as before); tombstones at the front are
//! dropped at once, and the run is compacted when they outnumber its live entries, so
//! cancelled timers never build up. **Invariant:** the run is sorted by key, and its front
//! entry, if any, is live.
//!
//! The entries store a key's deadline as one `u64` after a base instant (`EntryKeys`), not as
//! an `Instant`: 8 bytes fewer per entry, which with a 16-byte target makes an entry four words
//! — a sleeping task's timer entry, in the run or the B-tree.
//!
//! `--cfg executor_btree_timers` switches the run off: every timer goes to the B-tree (the
//! ablation, see `scripts/ablation-executor`).

use crate::slab::TaskId;
use std::time::{Duration, Instant};

use crate::timer_queue::{Target, TimerKey};
use std::collections::{BTreeMap, VecDeque};

/// A key as the entries store it: the deadline as one `u64` after `EntryKeys::base` (exact
/// nanoseconds up to `FAR`, whole seconds beyond), so an entry (with its 16-byte target) is 32
/// bytes, not 40 (an `Instant` is 16).
pub(crate) type EntryKey = (u64, u64);

/// 2⁶³ ns, 292 years: deadlines this far after `base` are kept in whole seconds, `FAR + secs`
/// (rounded up for a deadline and down for "now", so a timer never fires early — up to a second
/// late, three centuries on).
const FAR: u64 = 1 << 63;

/// Turns the queue's keys into `EntryKey`s and back.
#[derive(Debug)]
pub(crate) struct EntryKeys {
    /// No earlier than any "now" the queue is asked about (the clock's time when the executor
    /// was made: clocks only move forward). A deadline before it is due, whenever it is asked:
    /// it is filed at 0 (such timers fire in the order they were set).
    base: Instant,
}

impl EntryKeys {
    pub(crate) fn new(base: Instant) -> Self {
        EntryKeys { base }
    }

    pub(crate) fn key(&self, (deadline, seq): TimerKey) -> EntryKey {
        (self.ticks(deadline, true), seq)
    }

    /// "now" as an entry key's first half: an entry is due if its own is not greater.
    pub(crate) fn now(&self, now: Instant) -> u64 {
        self.ticks(now, false)
    }

    /// The deadline an entry key's first half stands for (rounded up past `FAR`).
    pub(crate) fn instant(&self, ticks: u64) -> Option<Instant> {
        let since = match ticks.checked_sub(FAR) {
            None => Duration::from_nanos(ticks),
            Some(secs) => Duration::from_secs(secs),
        };
        self.base.checked_add(since)
    }

    /// `at` as a key's first half (`FAR`'s docs); `up`: round a sub-second part up.
    fn ticks(&self, at: Instant, up: bool) -> u64 {
        let since = at.saturating_duration_since(self.base);
        match u64::try_from(since.as_nanos()) {
            Ok(nanos) if nanos < FAR => nanos,
            _ => {
                let secs = since
                    .as_secs()
                    .saturating_add(u64::from(up && since.subsec_nanos() > 0));
                FAR.saturating_add(secs)
            }
        }
    }
}

/// Marks a removed entry of the run: a task id no slab ever gives out (`MAIN`'s), so even
/// fired it would wake nothing.
const TOMBSTONE: Target = Target::Task(TaskId::MAIN);

fn is_tombstone(target: &Target) -> bool {
    matches!(target, Target::Task(id) if *id == TaskId::MAIN)
}

/// Compaction waits for at least this many tombstones: a short run is cheap either way.
const MIN_COMPACTION: usize = 64;

/// The timers, ordered by key: a sorted run for those set in key order, a B-tree for the rest.
#[derive(Debug, Default)]
pub(crate) struct TimerEntries {
    tree: BTreeMap<EntryKey, Target>,
    /// A tombstone is `TOMBSTONE` in place of a target: an `Option` would cost every entry a
    /// word (a `Target` has no spare niche), the difference between 32 and 40 bytes.
    run: VecDeque<(EntryKey, Target)>,
    /// Tombstones in `run`.
    cancelled: usize,
}

impl TimerEntries {
    /// Adds a timer. `key` must be new (the queue's sequence number makes it so).
    pub(crate) fn insert(&mut self, key: EntryKey, waker: Target) {
        let in_order = self.run.back().map_or(true, |&(last, _)| last < key);
        if in_order && !cfg!(executor_btree_timers) {
            self.run.push_back((key, waker));
        } else {
            self.tree.insert(key, waker);
        }
    }

    /// The target of the pending timer `key`.
    pub(crate) fn get_mut(&mut self, key: EntryKey) -> Option<&mut Target> {
        match self.run.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(at) => Some(&mut self.run[at].1).filter(|target| !is_tombstone(target)),
            Err(_) => self.tree.get_mut(&key),
        }
    }

    /// Removes the timer `key`; returns its target.
    pub(crate) fn remove(&mut self, key: EntryKey) -> Option<Target> {
        let Ok(at) = self.run.binary_search_by_key(&key, |&(k, _)| k) else {
            return self.tree.remove(&key);
        };
        if is_tombstone(&self.run[at].1) {
            return None;
        }
        let waker = std::mem::replace(&mut self.run[at].1, TOMBSTONE);
        self.cancelled += 1;
        self.trim_front();
        if self.cancelled >= MIN_COMPACTION && 2 * self.cancelled > self.run.len() {
            self.run.retain(|(_, target)| !is_tombstone(target));
            self.cancelled = 0;
        }
        Some(waker)
    }

    /// The earliest key.
    pub(crate) fn first(&self) -> Option<EntryKey> {
        let run = self.run.front().map(|&(key, _)| key);
        let tree = self.tree.first_key_value().map(|(&key, _)| key);
        match (run, tree) {
            (Some(run), Some(tree)) => Some(run.min(tree)),
            (run, tree) => run.or(tree),
        }
    }

    /// Removes the earliest timer; returns its target.
    pub(crate) fn pop_first(&mut self) -> Option<Target> {
        let from_tree = match (self.run.front(), self.tree.first_key_value()) {
            (Some(&(run, _)), Some((&tree, _))) => tree < run,
            (run, _) => run.is_none(),
        };
        if from_tree {
            return self.tree.pop_first().map(|(_, waker)| waker);
        }
        let (_, target) = self.run.pop_front()?;
        self.trim_front();
        Some(target) // live: the front always is (module docs)
    }

    /// The number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.tree.len() + self.run.len() - self.cancelled
    }

    /// Every pending timer's target (executor shutdown), to be dropped outside the borrow.
    pub(crate) fn into_targets(self) -> impl Iterator<Item = Target> {
        let run = self.run.into_iter().map(|(_, target)| target);
        let run = run.filter(|target| !is_tombstone(target));
        self.tree.into_values().chain(run)
    }

    /// Drops the tombstones at the front, so the front entry is live.
    fn trim_front(&mut self) {
        while self
            .run
            .front()
            .is_some_and(|(_, target)| is_tombstone(target))
        {
            self.run.pop_front();
            self.cancelled -= 1;
        }
    }
}

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    use super::*;

    fn waker() -> Target {
        Target::Waker(crate::waker::noop_waker())
    }

    #[test]
    fn in_order_and_out_of_order_timers_come_out_by_key() {
        let at = |ms: u64, seq: u64| (ms * 1_000_000, seq);
        let mut entries = TimerEntries::default();
        // 10, 20, 30 go to the run; 15 and 5 (set later, due earlier) to the tree.
        for (seq, ms) in [10, 20, 30, 15, 5, 30].into_iter().enumerate() {
            entries.insert(at(ms, seq as u64), waker());
        }
        assert_eq!(entries.len(), 6);
        let mut order = Vec::new();
        while let Some(key) = entries.first() {
            order.push(key.1);
            assert!(entries.pop_first().is_some());
        }
        assert_eq!(
            order,
            [4, 0, 3, 1, 2, 5],
            "by deadline, then by the order set"
        );
        assert_eq!(entries.len(), 0);
    }

    #[test]
    #[cfg(not(executor_btree_timers))] // the run is switched off there
    fn removed_run_entries_leave_no_tombstones_behind() {
        let mut entries = TimerEntries::default();
        let keys: Vec<EntryKey> = (0..10_000).map(|i| (i * 1_000, i)).collect();
        for &key in &keys {
            entries.insert(key, waker());
        }
        // Every other one from the middle: tombstones, compacted as they build up.
        for &key in keys.iter().skip(1).step_by(2) {
            assert!(entries.remove(key).is_some());
            assert!(entries.remove(key).is_none(), "removed once");
            assert!(entries.get_mut(key).is_none());
        }
        assert_eq!(entries.len(), 5_000);
        assert!(entries.run.len() <= 2 * 5_000 + MIN_COMPACTION);
        for &key in keys.iter().step_by(2) {
            assert!(entries.remove(key).is_some());
        }
        assert_eq!((entries.len(), entries.run.len()), (0, 0));
        assert_eq!(entries.first(), None);
    }
}
