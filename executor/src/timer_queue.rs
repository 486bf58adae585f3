//! The timer queue: whom to wake (a task id or a waker, `task_timers.rs::Target`), ordered by
//! (deadline, sequence number) — the deadline exact to the nanosecond within 292 years of the
//! queue's base, to the whole second (rounded up) beyond. No clock inside — the caller says what
//! "now" is, which keeps this file trivially testable and loom-free.
//!
//! Why a `BTreeMap` and not a `BinaryHeap`: a dropped `Sleep` must take its entry out *now*
//! (a heap can only lazily skip cancelled entries, which build up under `timeout`-heavy loads),
//! and a re-polled `Sleep` must find its entry to swap the waker. The map does both in
//! O(log n) with no tombstones. The sequence number makes keys unique and makes timers with
//! equal deadlines fire in the order they were set — what asyncio's loop does too.
//!
//! The entries live in `TimerEntries` (`timer_run.rs`, a layer): the B-tree, plus a sorted run
//! that takes the timers set in deadline order (the common case) with an O(1) push and pop.
//! Same operations, same order; `--cfg executor_btree_timers` leaves only the B-tree.
//!
//! An entry's target is a `Waker`, or the task itself (`Target::Task`, its id) when the `Sleep`
//! was polled with its task's own waker (a memory layer: `task_timers.rs`).

use std::time::Instant;

pub(crate) use crate::task_timers::Target;
use crate::timer_run::{EntryKeys, TimerEntries};

/// Identifies one timer: its deadline and its insertion number.
pub(crate) type TimerKey = (Instant, u64);

#[derive(Debug)]
pub(crate) struct TimerQueue {
    entries: TimerEntries,
    next_seq: u64,
    /// How the entries store a key: the deadline as one `u64` (a layer, `timer_run.rs`).
    keys: EntryKeys,
}

impl TimerQueue {
    pub(crate) fn new(base: Instant) -> Self {
        TimerQueue {
            entries: TimerEntries::default(),
            next_seq: 0,
            keys: EntryKeys::new(base),
        }
    }

    /// Adds a timer; the returned key removes or updates it later.
    pub(crate) fn insert(&mut self, deadline: Instant, target: Target) -> TimerKey {
        let key = (deadline, self.next_seq);
        self.next_seq += 1;
        self.entries.insert(self.keys.key(key), target);
        key
    }

    /// The target of the pending timer `key` (`None` if it fired or was removed), to update
    /// (`task_timers.rs`).
    pub(crate) fn target_mut(&mut self, key: TimerKey) -> Option<&mut Target> {
        self.entries.get_mut(self.keys.key(key))
    }

    /// Removes the timer `key` if it has not fired; returns its target (to drop outside
    /// borrows).
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Target> {
        self.entries.remove(self.keys.key(key))
    }

    /// The earliest deadline, if any timer is pending.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let (ticks, _) = self.entries.first()?;
        self.keys.instant(ticks)
    }

    /// Removes and returns the earliest timer whose deadline is `<= now` (never an early one).
    /// One at a time, so the caller can wake it without holding a borrow of the queue.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Target> {
        let now = self.keys.now(now);
        match self.entries.first() {
            Some((deadline, _)) if deadline <= now => self.entries.pop_first(),
            _ => None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// Takes every entry out (executor shutdown), to be dropped outside the borrow.
    pub(crate) fn take_all(&mut self) -> impl Iterator<Item = Target> {
        std::mem::take(&mut self.entries).into_targets()
    }
}

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::{Wake, Waker};
    use std::time::Duration;

    /// A waker that records its label in a shared log when woken.
    struct Log(usize, Arc<Mutex<Vec<usize>>>);
    impl Wake for Log {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }
    fn raw(label: usize, log: &Arc<Mutex<Vec<usize>>>) -> Waker {
        Waker::from(Arc::new(Log(label, log.clone())))
    }
    fn waker(label: usize, log: &Arc<Mutex<Vec<usize>>>) -> Target {
        Target::Waker(raw(label, log))
    }
    fn fire_all(timers: &mut TimerQueue, now: Instant) {
        while let Some(target) = timers.pop_due(now) {
            let Target::Waker(w) = target else {
                panic!("these tests file wakers only")
            };
            w.wake();
        }
    }

    /// The layout a sleeping task's memory relies on: an entry of the sorted run (`timer_run.rs`)
    /// is four words — the key as two `u64`s, the target — not five.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_timer_entry_is_four_words() {
        assert_eq!(
            std::mem::size_of::<(crate::timer_run::EntryKey, Target)>(),
            32
        );
    }

    #[test]
    fn fires_by_deadline_then_by_insertion_order_and_never_early() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut timers = TimerQueue::new(t0);
        timers.insert(t0 + ms(20), waker(0, &log));
        timers.insert(t0 + ms(10), waker(1, &log));
        timers.insert(t0 + ms(20), waker(2, &log));
        timers.insert(t0 + ms(10), waker(3, &log));
        assert_eq!(timers.next_deadline(), Some(t0 + ms(10)));
        fire_all(&mut timers, t0 + ms(10) - Duration::from_nanos(1));
        assert!(log.lock().unwrap().is_empty(), "nothing fires early");
        fire_all(&mut timers, t0 + ms(10));
        assert_eq!(*log.lock().unwrap(), [1, 3]);
        fire_all(&mut timers, t0 + ms(100));
        assert_eq!(*log.lock().unwrap(), [1, 3, 0, 2]);
        assert!(timers.is_empty());
    }

    /// Deadlines centuries away are kept in whole seconds: whole seconds apart they still fire
    /// in deadline order (within one second, in the order set), and never before their time.
    #[test]
    fn far_deadlines_fire_in_order_and_never_early() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let year = Duration::from_secs(365 * 86_400);
        let mut timers = TimerQueue::new(t0);
        let late = t0 + 3000 * year + Duration::from_nanos(1);
        timers.insert(late, waker(0, &log));
        timers.insert(t0 + 1000 * year, waker(1, &log));
        timers.insert(t0 + 100 * year, waker(2, &log));
        fire_all(&mut timers, t0 + 1000 * year - Duration::from_nanos(1));
        assert_eq!(*log.lock().unwrap(), [2]);
        fire_all(&mut timers, t0 + 1000 * year);
        fire_all(&mut timers, late - Duration::from_nanos(1));
        assert_eq!(
            *log.lock().unwrap(),
            [2, 1],
            "not early, even within its second"
        );
        assert!(timers.next_deadline().is_some_and(|next| next >= late));
        fire_all(&mut timers, t0 + 3001 * year);
        assert_eq!(*log.lock().unwrap(), [2, 1, 0]);
    }

    #[test]
    fn removed_timers_leave_nothing_behind() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut timers = TimerQueue::new(t0);
        for i in 0..1000 {
            let key = timers.insert(t0 + Duration::from_secs(i), waker(0, &log));
            assert!(timers.remove(key).is_some());
        }
        assert_eq!(timers.len(), 0);
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn update_swaps_the_waker_of_a_pending_entry_and_never_revives_a_fired_one() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut timers = TimerQueue::new(t0);
        let key = timers.insert(t0, waker(0, &log));
        let replaced = timers.update(key, None, &raw(7, &log));
        assert!(replaced.is_some());
        fire_all(&mut timers, t0);
        assert_eq!(*log.lock().unwrap(), [7]);
        assert!(timers.update(key, None, &raw(8, &log)).is_none());
        assert!(timers.is_empty(), "a fired entry stays gone");
    }
}
