//! User code that calls back into the queue: an item's `Drop`, a `Waker`'s drop, an `Ord`.
//!
//! The rule under test: no item `Drop` and no `Waker` runs while the queue (or a `Pending`'s
//! slot) holds a lock, on any path — so such code may use the queue freely — and an `Ord`,
//! which must run under the storage lock, gets a clear panic when it calls back into its own
//! queue instead of deadlocking. Every body runs under a watchdog, so a deadlock fails the test
//! with a message instead of hanging it.

use std::cell::Cell;
use std::cmp::Ordering;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use queue::{PriorityQueue, WorkerPool};

mod watchdog;
use watchdog::within_deadline;

/// What a `Hostile`'s `cmp` does besides comparing.
#[derive(Clone, Copy, PartialEq)]
enum OnCmp {
    Compare,
    /// Panic at the comparison after this many more.
    PanicAfter(usize),
    /// Call `len()` on the queue (taking both of its locks).
    CallLen,
    /// Call `unfinished_tasks()` on the queue (taking its put side's lock).
    CallUnfinished,
}

thread_local! {
    /// The queue the items of this thread call back into.
    static QUEUE: Cell<Option<&'static PriorityQueue<Hostile>>> = const { Cell::new(None) };
    static ON_CMP: Cell<OnCmp> = const { Cell::new(OnCmp::Compare) };
    /// Drops that called back into the queue and got an answer.
    static DROPS_CALLED_BACK: Cell<usize> = const { Cell::new(0) };
}

/// A new leaked queue that this thread's items call back into.
fn hostile_queue(keys: impl IntoIterator<Item = i32>) -> &'static PriorityQueue<Hostile> {
    let q: &'static PriorityQueue<Hostile> = Box::leak(Box::new(PriorityQueue::unbounded()));
    q.put_batch(keys.into_iter().map(Hostile)).unwrap();
    QUEUE.with(|c| c.set(Some(q)));
    q
}

fn on_cmp(what: OnCmp) {
    ON_CMP.with(|c| c.set(what));
}

/// An item whose `Drop` calls `len()` on its queue, and whose `Ord` does what `ON_CMP` says.
#[derive(Debug, PartialEq, Eq)]
struct Hostile(i32);

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(q) = QUEUE.with(Cell::get) {
            let _ = q.len();
            DROPS_CALLED_BACK.with(|c| c.set(c.get() + 1));
        }
    }
}

impl Ord for Hostile {
    fn cmp(&self, other: &Self) -> Ordering {
        match ON_CMP.with(Cell::get) {
            OnCmp::Compare => {}
            OnCmp::PanicAfter(0) => {
                on_cmp(OnCmp::Compare);
                panic!("Ord panicked");
            }
            OnCmp::PanicAfter(n) => on_cmp(OnCmp::PanicAfter(n - 1)),
            OnCmp::CallLen => {
                let _ = QUEUE.with(Cell::get).unwrap().len();
            }
            OnCmp::CallUnfinished => {
                let _ = QUEUE.with(Cell::get).unwrap().unfinished_tasks();
            }
        }
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Hostile {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The message of the panic `f` raises; fails the test if `f` returns.
fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f))
        .err()
        .expect("expected a panic");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .expect("a panic with a message")
}

fn keys(q: &PriorityQueue<Hostile>) -> Vec<i32> {
    std::iter::from_fn(|| q.try_get().ok().map(|item| item.0)).collect()
}

#[test]
fn a_get_whose_ord_panics_drops_no_item_under_the_lock() {
    within_deadline("get with a panicking Ord", || {
        let q = hostile_queue(1..=8);
        on_cmp(OnCmp::PanicAfter(0));
        assert_eq!(panic_message(|| q.get()), "Ord panicked");
        // Nothing was dropped (the item being taken stays queued), nothing counted as failed.
        assert_eq!((q.len(), q.unfinished_tasks(), q.failed_tasks()), (8, 8, 0));
        assert_eq!(DROPS_CALLED_BACK.with(Cell::get), 0);
        assert_eq!(keys(q), (1..=8).collect::<Vec<_>>());
    });
}

#[test]
fn a_get_batch_whose_ord_panics_midway_drops_no_item_under_the_lock() {
    within_deadline("get_batch with a panicking Ord", || {
        let q = hostile_queue(1..=8);
        on_cmp(OnCmp::PanicAfter(3));
        assert_eq!(panic_message(|| q.get_batch(5)), "Ord panicked");
        assert_eq!((q.len(), q.unfinished_tasks(), q.failed_tasks()), (8, 8, 0));
        assert_eq!(DROPS_CALLED_BACK.with(Cell::get), 0);
        assert_eq!(keys(q), (1..=8).collect::<Vec<_>>());
    });
}

#[test]
fn a_put_batch_whose_ord_panics_drops_the_rest_after_releasing_the_lock() {
    within_deadline("put_batch with a panicking Ord", || {
        let q = hostile_queue([10]);
        on_cmp(OnCmp::PanicAfter(0)); // the first push's first comparison
        let message = panic_message(|| q.put_batch([5, 4, 3, 2].map(Hostile)));
        assert_eq!(message, "Ord panicked");
        // 5 went in (its push stored it before comparing); 4, 3 and 2 were never accepted and
        // were dropped — each drop called `len()`, which could only answer outside the lock.
        assert_eq!(DROPS_CALLED_BACK.with(Cell::get), 3);
        assert_eq!((q.len(), q.unfinished_tasks(), q.failed_tasks()), (2, 2, 0));
        assert_eq!(keys(q), [5, 10]);
    });
}

#[test]
fn an_ord_that_calls_len_during_a_put_gets_a_clear_panic() {
    within_deadline("Ord calling len() from a put", || {
        let q = hostile_queue([1, 3]);
        on_cmp(OnCmp::CallLen);
        let message = panic_message(|| q.put(Hostile(2)));
        on_cmp(OnCmp::Compare);
        assert!(
            message.contains("called back into its own queue"),
            "{message}"
        );
        // The panic left the queue consistent: the item went in, as with any panicking Ord.
        assert_eq!((q.len(), q.unfinished_tasks()), (3, 3));
        assert_eq!(keys(q), [1, 2, 3]);
    });
}

#[test]
fn an_ord_that_calls_back_during_a_get_gets_a_clear_panic() {
    within_deadline("Ord calling back from a get", || {
        for call_back in [OnCmp::CallLen, OnCmp::CallUnfinished] {
            let q = hostile_queue([4, 1, 3, 2]);
            on_cmp(call_back);
            let message = panic_message(|| q.get());
            on_cmp(OnCmp::Compare);
            assert!(
                message.contains("called back into its own queue"),
                "{message}"
            );
            assert_eq!((q.len(), q.failed_tasks()), (4, 0));
            assert_eq!(keys(q), [1, 2, 3, 4]);
        }
    });
}

/// A waker whose drop lets the job finish and then waits (`WorkerPool::join`) for it — which
/// can only happen if the job's completion can lock the result's slot.
struct JoinOnDrop {
    pool: Arc<WorkerPool>,
    release: mpsc::Sender<()>,
}

impl Wake for JoinOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for JoinOnDrop {
    fn drop(&mut self) {
        self.release.send(()).unwrap();
        self.pool.join();
    }
}

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// A pool of one worker running a job that returns 7 once released, and a waker that
/// releases it (and joins the pool) when dropped.
fn held_job() -> (Arc<WorkerPool>, queue::Pending<u32>, Waker) {
    let pool = Arc::new(WorkerPool::new(1));
    let (release, released) = mpsc::channel();
    let pending = pool.submit(move || {
        released.recv().unwrap();
        7
    });
    let waker = Waker::from(Arc::new(JoinOnDrop {
        pool: pool.clone(),
        release,
    }));
    (pool, pending, waker)
}

#[test]
fn wait_drops_a_stored_waker_outside_the_slot_lock() {
    within_deadline("Pending::wait dropping a waker", || {
        let (_pool, mut pending, waker) = held_job();
        let poll = std::pin::Pin::new(&mut pending).poll_fn_once(&waker);
        assert!(poll.is_pending());
        drop(waker); // the slot now holds the only reference
        assert_eq!(pending.wait().unwrap(), 7);
    });
}

#[test]
fn a_repoll_with_a_new_waker_drops_the_old_one_outside_the_slot_lock() {
    within_deadline("Pending::poll replacing a waker", || {
        let (_pool, mut pending, waker) = held_job();
        assert!(std::pin::Pin::new(&mut pending)
            .poll_fn_once(&waker)
            .is_pending());
        drop(waker);
        let other = Waker::from(Arc::new(Noop));
        // Replacing the stored waker drops it: that releases the job and waits for it.
        let _ = std::pin::Pin::new(&mut pending).poll_fn_once(&other);
        assert_eq!(pending.wait().unwrap(), 7);
    });
}

/// One `poll` with `waker`.
trait PollOnce {
    type Out;
    fn poll_fn_once(self, waker: &Waker) -> Poll<Self::Out>;
}

impl<F: std::future::Future + Unpin> PollOnce for std::pin::Pin<&mut F> {
    type Out = F::Output;
    fn poll_fn_once(self, waker: &Waker) -> Poll<F::Output> {
        std::future::Future::poll(self, &mut Context::from_waker(waker))
    }
}
