//! The intent of CPython's `FailingQueue` tests: a storage operation that fails while the lock
//! is held leaves the queue consistent. Here the failure is a `PriorityQueue` item whose `Ord`
//! panics (user code under the lock). After the panic: it reached the caller, later calls do
//! not panic with a `PoisonError`, no queued item is lost or duplicated, `len()` is what gets
//! can still return, `unfinished_tasks()` matches the accepted items, `join` returns once they
//! are done, threads that were waiting for what changed are woken, and priority order is back
//! as soon as `Ord` stops panicking. (The rules are in `Priority`'s docs.)

use std::cell::Cell;
use std::cmp::Ordering;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use queue::{GetError, PriorityQueue};

thread_local! {
    /// Comparisons this thread may still make before one panics; `None`: never.
    static CMPS_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
    /// Comparisons this thread has made.
    static CMPS_MADE: Cell<usize> = const { Cell::new(0) };
}

/// How many comparisons `f` makes on this thread.
fn count_cmps<R>(f: impl FnOnce() -> R) -> usize {
    let before = CMPS_MADE.with(Cell::get);
    f();
    CMPS_MADE.with(Cell::get) - before
}

/// Makes the comparison after `n` more comparisons on this thread panic (once).
fn arm(n: usize) {
    CMPS_LEFT.with(|c| c.set(Some(n)));
}

#[derive(Debug, PartialEq, Eq)]
struct Touchy(i32);

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> Ordering {
        CMPS_MADE.with(|c| c.set(c.get() + 1));
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

/// The put that panicked left its item out of heap order; the next get rebuilds the heap, so
/// the smallest item still comes first.
#[test]
fn priority_order_is_restored_after_a_panicking_put() {
    let q = filled([5, 6, 7, 8]);
    arm(0);
    assert_ord_panics(|| q.put(Touchy(1)));
    assert_eq!(q.get(), Ok(Touchy(1)));
    assert_eq!(q.get(), Ok(Touchy(5)));
}

#[test]
fn panic_in_get_keeps_the_item_it_was_taking() {
    let q = filled([1, 2, 3, 4, 5]);
    arm(0);
    assert_ord_panics(|| q.get());
    // Nothing left the queue: no task finished, none failed.
    assert_eq!((q.len(), q.unfinished_tasks(), q.failed_tasks()), (5, 5, 0));
    assert_eq!(q.get(), Ok(Touchy(1)));
    q.task_done().unwrap();
    assert_eq!(drain_and_finish(&q), [2, 3, 4, 5]);
}

/// The numbers: 16 items, and the 3rd pop of `get_batch(5)` panics. Exact outcome:
/// nothing is dropped or counted as failed, all 16 stay queued (the two already taken wait on
/// the get side, served first), and they come out in priority order, each once.
#[test]
fn a_get_batch_whose_third_pop_panics_keeps_all_sixteen_items_in_order() {
    // The comparisons two pops make, measured on an identical queue: the next one panics.
    let two_pops = count_cmps(|| filled(1..=16).get_batch(2).unwrap());
    let q = filled(1..=16);
    arm(two_pops);
    assert_ord_panics(|| q.get_batch(5));
    assert_eq!(
        (q.len(), q.unfinished_tasks(), q.failed_tasks()),
        (16, 16, 0)
    );
    let keys = |batch: Vec<Touchy>| batch.into_iter().map(|t| t.0).collect::<Vec<_>>();
    assert_eq!(keys(q.get_batch(3).unwrap()), [1, 2, 3]);
    assert_eq!(keys(q.get_batch(16).unwrap()), (4..=16).collect::<Vec<_>>());
    (0..16).for_each(|_| q.task_done().unwrap());
    assert!(q.join_timeout(std::time::Duration::ZERO));
}

/// A get after a panicking comparison first rebuilds the heap, calling `Ord` again: if that
/// panics too, the get panics and the items stay; the next get succeeds, in order.
#[test]
fn a_rebuild_that_panics_again_panics_the_get_and_keeps_the_items() {
    let q = filled([5, 6, 7, 8]);
    arm(0);
    assert_ord_panics(|| q.put(Touchy(1)));
    arm(0);
    assert_ord_panics(|| q.get());
    assert_eq!((q.len(), q.unfinished_tasks(), q.failed_tasks()), (5, 5, 0));
    assert_eq!(drain_and_finish(&q), [1, 5, 6, 7, 8]);
}

#[test]
fn panic_midway_through_put_batch_keeps_what_went_in() {
    let q = filled([10]);
    // The pushes of 5 and 4 compare once each; the push of 3 panics in its first comparison.
    arm(2);
    assert_ord_panics(|| q.put_batch([5, 4, 3, 2].map(Touchy)));
    // 5, 4 and 3 are in (3's push stored it before comparing); 2 was never accepted.
    assert_eq!((q.len(), q.unfinished_tasks(), q.failed_tasks()), (4, 4, 0));
    assert_eq!(drain_and_finish(&q), [3, 4, 5, 10]);
}

/// A get whose pop panics frees no slot (the item stays); the putter blocked on the full queue
/// stays blocked until a get that succeeds frees one, and then it must wake.
#[test]
fn a_panicking_get_frees_no_slot_and_the_next_get_wakes_the_putter() {
    let q = PriorityQueue::bounded(4);
    q.put_batch([1, 2, 3, 4].map(Touchy)).unwrap();
    thread::scope(|s| {
        let putter = s.spawn(|| q.put(Touchy(9))); // blocks: the queue is full
        arm(0);
        assert_ord_panics(|| q.get());
        assert_eq!(
            q.try_put(Touchy(0)).map_err(|e| e.into_inner()),
            Err(Touchy(0))
        );
        assert_eq!(q.get(), Ok(Touchy(1)));
        q.task_done().unwrap();
        assert_eq!(putter.join().unwrap(), Ok(()));
    });
    assert_eq!(q.failed_tasks(), 0);
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
    assert_eq!((q.unfinished_tasks(), q.failed_tasks()), (0, 0));
}
