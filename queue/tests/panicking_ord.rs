//! The intent of CPython's `FailingQueue` tests: a storage operation that fails while the lock
//! is held leaves the queue consistent. Here the failure is a `PriorityQueue` item whose `Ord`
//! panics (user code under the lock). After the panic: it reached the caller, later calls do
//! not panic with a `PoisonError`, no item is duplicated, `len()` is what gets can still
//! return, `unfinished_tasks()` matches the accepted items, `join` returns once they are done,
//! and threads that were waiting for what changed are woken.

use std::cell::Cell;
use std::cmp::Ordering;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use queue::{GetError, PriorityQueue};

thread_local! {
    /// Comparisons this thread may still make before one panics; `None`: never.
    static CMPS_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Makes the comparison after `n` more comparisons on this thread panic (once).
fn arm(n: usize) {
    CMPS_LEFT.with(|c| c.set(Some(n)));
}

#[derive(Debug, PartialEq, Eq)]
struct Touchy(i32);

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> Ordering {
        CMPS_LEFT.with(|c| match c.get() {
            Some(0) => {
                c.set(None);
                panic!("Ord panicked");
            }
            Some(n) => c.set(Some(n - 1)),
            None => {}
        });
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Runs `f`, asserting that it panics with the `Ord`'s own message (the panic reaches the
/// caller unchanged, not as a `PoisonError`).
fn assert_ord_panics<R>(f: impl FnOnce() -> R) {
    let payload = catch_unwind(AssertUnwindSafe(f))
        .err()
        .expect("expected a panic");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"Ord panicked"));
}

fn filled(items: impl IntoIterator<Item = i32>) -> PriorityQueue<Touchy> {
    let q = PriorityQueue::unbounded();
    q.put_batch(items.into_iter().map(Touchy)).unwrap();
    q
}

/// Takes everything (no panics armed), marks it done, and checks the accounting on the way.
fn drain_and_finish(q: &PriorityQueue<Touchy>) -> Vec<i32> {
    let len = q.len();
    assert_eq!(
        q.unfinished_tasks(),
        len,
        "unfinished must match the queued items"
    );
    let mut got: Vec<i32> = (0..len).map(|_| q.try_get().unwrap().0).collect();
    assert_eq!(
        q.try_get(),
        Err(GetError::Empty),
        "len() must be what gets can return"
    );
    (0..len).for_each(|_| q.task_done().unwrap());
    assert!(
        q.join_timeout(std::time::Duration::ZERO),
        "join must return once all are done"
    );
    got.sort_unstable();
    got
}

#[test]
fn panic_in_put_keeps_the_item_as_an_accepted_task() {
    let q = filled([1, 3, 5, 7]);
    arm(0);
    assert_ord_panics(|| q.put(Touchy(2)));
    // The item is in (BinaryHeap's push is panic-safe), and counted once.
    assert_eq!(q.len(), 5);
    assert_eq!(drain_and_finish(&q), [1, 2, 3, 5, 7]);
    assert_eq!(q.failed_tasks(), 0);
    q.put(Touchy(9)).unwrap(); // still usable: no PoisonError
    assert_eq!(q.get(), Ok(Touchy(9)));
}

#[test]
fn panic_in_get_drops_the_smallest_item_as_a_failed_task() {
    let q = filled([1, 2, 3, 4, 5]);
    arm(0);
    assert_ord_panics(|| q.get());
    // The item being taken (the smallest) was dropped while unwinding: done, and failed.
    assert_eq!(q.len(), 4);
    assert_eq!(q.failed_tasks(), 1);
    assert_eq!(drain_and_finish(&q), [2, 3, 4, 5]);
}

#[test]
fn panic_midway_through_get_batch_counts_every_lost_item() {
    let q = filled(1..=8);
    arm(4); // a few pops succeed, then one panics
    assert_ord_panics(|| q.get_batch(5));
    let (left, failed) = (q.len(), q.failed_tasks());
    assert!(left < 8, "at least the item being popped left the heap");
    assert_eq!(
        left + failed,
        8,
        "every item is queued or counted as failed, once"
    );
    let rest = drain_and_finish(&q);
    assert_eq!(rest.len(), left);
    rest.windows(2)
        .for_each(|w| assert!(w[0] < w[1], "no duplicates"));
}

#[test]
fn panic_midway_through_put_batch_keeps_what_went_in() {
    let q = filled([10]);
    arm(2);
    assert_ord_panics(|| q.put_batch([5, 4, 3, 2].map(Touchy)));
    let left = q.len();
    assert!(
        (2..=5).contains(&left),
        "{left}: the pushed items stay, the rest is dropped"
    );
    let rest = drain_and_finish(&q);
    assert_eq!(rest.len(), left);
    assert!(rest.contains(&10));
}

/// A get whose pop panics frees a slot: the putter blocked on the full queue must wake.
#[test]
fn a_slot_freed_by_a_panicking_get_wakes_a_blocked_putter() {
    let q = PriorityQueue::bounded(4);
    q.put_batch([1, 2, 3, 4].map(Touchy)).unwrap();
    thread::scope(|s| {
        let putter = s.spawn(|| q.put(Touchy(9))); // blocks (or finds the slot already free)
        arm(0);
        assert_ord_panics(|| q.get());
        assert_eq!(putter.join().unwrap(), Ok(()));
    });
    assert_eq!(q.failed_tasks(), 1);
    assert_eq!(drain_and_finish(&q), [2, 3, 4, 9]);
}

/// A panicking `put_batch` that got items in must still wake the getters waiting for them.
#[test]
fn items_kept_by_a_panicking_put_batch_wake_blocked_getters() {
    let q: PriorityQueue<Touchy> = PriorityQueue::unbounded();
    thread::scope(|s| {
        let getters: Vec<_> = (0..2).map(|_| s.spawn(|| q.get().map(|t| t.0))).collect();
        arm(0); // the first push compares nothing; the second one's comparison panics
        assert_ord_panics(|| q.put_batch([1, 2, 3].map(Touchy)));
        let mut got: Vec<i32> = getters
            .into_iter()
            .map(|g| g.join().unwrap().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
    assert_eq!(q.unfinished_tasks(), 2);
}

/// `join` waits for the accepted items and returns once they are done, panic or not.
#[test]
fn join_returns_after_a_panic_once_the_rest_is_done() {
    let q = filled([1, 2, 3, 4]);
    arm(0);
    assert_ord_panics(|| q.get());
    thread::scope(|s| {
        s.spawn(|| {
            while q.try_get().is_ok() {
                q.task_done().unwrap();
            }
        });
        q.join();
    });
    assert_eq!((q.unfinished_tasks(), q.failed_tasks()), (0, 1));
}
