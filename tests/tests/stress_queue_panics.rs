//! Stress tests of the queue under panics: workers that die holding `TaskGuard`s, a
//! `PriorityQueue` whose `Ord` panics during puts, gets and `shutdown_now`, and a storage whose
//! `push` panics before storing. No item is lost uncounted, no thread is left asleep, and `join`
//! returns. The intended panics are kept off stderr by `common::quiet_intended_panics`.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;

use common::{
    assert_same_items, describe, id, is_intended, jitter, quiet_intended_panics, watchdog, Rng,
    Shared, INTENDED,
};
use queue::{BlockingQueue, Fifo, GetError, Order, Queue, TaskDoneError};

/// Workers that panic on some items while holding `TaskGuard`s — some catch the panic and go
/// on, some die — and a `join` that must still return, with every panic counted.
#[test]
fn task_guards_dropped_by_panicking_workers_release_join() {
    quiet_intended_panics();
    let (items, workers) = (400u64, 6u64);
    let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(3));
    let q2 = q.clone();
    watchdog("task_guard_panics", describe(&q), move || {
        let q = &*q2;
        let done = AtomicUsize::new(0);
        let done = &done;
        thread::scope(|s| {
            let workers: Vec<_> = (0..workers)
                .map(|w| {
                    s.spawn(move || loop {
                        // Worker 0 dies at its first bad item; the others survive each panic.
                        let step = panic::catch_unwind(AssertUnwindSafe(|| {
                            let Ok(task) = q.get_task() else { return false };
                            if *task % 7 == 0 {
                                panic::panic_any(INTENDED); // the guard is dropped while unwinding
                            }
                            done.fetch_add(1, SeqCst);
                            true
                        }));
                        match step {
                            Ok(true) => {}
                            Ok(false) => break,
                            Err(p) if w == 0 => panic::resume_unwind(p),
                            Err(p) => assert!(is_intended(&*p), "an unexpected panic"),
                        }
                    })
                })
                .collect();
            for i in 1..=items {
                q.put(i).unwrap();
            }
            q.join();
            q.shutdown(); // ends the surviving workers' loops (before any assert can fail)
            let failed = (1..=items).filter(|i| i % 7 == 0).count();
            assert_eq!(q.failed_tasks(), failed);
            assert_eq!(done.load(SeqCst), items as usize - failed);
            assert_eq!(q.unfinished_tasks(), 0);
            assert_eq!(
                q.task_done(),
                Err(TaskDoneError),
                "no guard left a task behind"
            );
            let died: Vec<bool> = workers.into_iter().map(|w| w.join().is_err()).collect();
            // Worker 0 dies if it meets a bad item (almost surely); the others never do.
            assert!(
                !died[1..].contains(&true),
                "only worker 0 lets its panic escape"
            );
        });
    });
}

/// An item whose `Ord` panics when a "poisoned" item takes part in a comparison — once per
/// poisoned item (its fuse burns), so that the queue, which keeps every item through such a
/// panic, is not stuck with an item that makes every later comparison panic. A thread can also
/// arm its next comparison (`ARMED`) whatever the items: that is how a test makes a get panic
/// for certain, since a poisoned item's fuse usually burns in its own put.
#[derive(Debug)]
struct Touchy {
    id: u64,
    poisoned: std::cell::Cell<bool>,
}

impl Touchy {
    fn new(id: u64, poisoned: bool) -> Self {
        Touchy {
            id,
            poisoned: std::cell::Cell::new(poisoned),
        }
    }
}

thread_local! {
    /// Set: the next comparison on this thread panics (and clears it).
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let armed = ARMED.with(|armed| armed.replace(false));
        if self.poisoned.replace(false) | other.poisoned.replace(false) | armed {
            panic::panic_any(INTENDED);
        }
        self.id.cmp(&other.id)
    }
}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Touchy {}

/// Many threads on a small `PriorityQueue` whose `Ord` panics now and then, during puts and
/// gets alike. Afterwards: no item is received twice; every item is received (a panicking get
/// keeps the item it was taking; a put that panicked still counts as accepted), and none is
/// counted as failed; no thread is left asleep (a panicking call passes its wakeup on); and
/// `join` returns.
///
/// Whether a poisoned item panics in a get rather than in its own put depends on the schedule,
/// so the gets are also made to panic for certain: the consumers start once the producers have
/// filled the queue, and each consumer arms its first get. The first get to take the lock
/// finds four items, so its pop compares (a heap of three or more does) and panics.
#[test]
fn priority_queue_with_a_panicking_ord_under_contention() {
    quiet_intended_panics();
    let (producers, per, consumers) = (3u64, 300u64, 3u64);
    let q = Arc::new(queue::PriorityQueue::<Touchy>::bounded(4));
    let (q2, q3) = (q.clone(), q.clone());
    watchdog(
        "panicking Ord",
        move || format!("{q3:?}"),
        move || {
            let q = &*q2;
            let gets_panicked = &AtomicUsize::new(0);
            let received = thread::scope(|s| {
                let ps: Vec<_> = (0..producers)
                    .map(|p| {
                        s.spawn(move || {
                            let mut rng = Rng::new(p);
                            for seq in 0..per {
                                let item = Touchy::new(id(p, seq), rng.below(10) == 0);
                                match panic::catch_unwind(AssertUnwindSafe(|| q.put(item))) {
                                    Ok(result) => result.expect("not shut down yet"),
                                    Err(payload) => assert!(is_intended(&*payload)),
                                }
                            }
                        })
                    })
                    .collect();
                // Not a sleep that orders events: the producers block once the queue is full,
                // and the watchdog bounds this wait.
                while !q.is_full() {
                    thread::yield_now();
                }
                let cs: Vec<_> = (0..consumers)
                    .map(|_| {
                        s.spawn(move || {
                            let mut log = Vec::new();
                            ARMED.with(|armed| armed.set(true));
                            loop {
                                let got = panic::catch_unwind(AssertUnwindSafe(|| q.get()));
                                ARMED.with(|armed| armed.set(false)); // a get that did not compare
                                match got {
                                    Ok(Ok(item)) => {
                                        log.push(item.id);
                                        q.task_done().unwrap();
                                    }
                                    Ok(Err(GetError::ShutDown)) => return log,
                                    Ok(Err(e)) => panic!("a blocking get failed with {e:?}"),
                                    Err(payload) => {
                                        assert!(is_intended(&*payload));
                                        gets_panicked.fetch_add(1, SeqCst);
                                    }
                                }
                            }
                        })
                    })
                    .collect();
                ps.into_iter().for_each(|p| p.join().unwrap());
                q.shutdown();
                cs.into_iter()
                    .flat_map(|c| c.join().unwrap())
                    .collect::<Vec<u64>>()
            });
            let mut unique = received.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), received.len(), "an item was received twice");
            let total = (producers * per) as usize;
            assert!(
                gets_panicked.load(SeqCst) > 0,
                "the test must make some gets panic"
            );
            assert_eq!(received.len(), total, "items lost");
            assert_eq!(q.failed_tasks(), 0, "nothing was lost, so nothing failed");
            assert_eq!((q.len(), q.unfinished_tasks()), (0, 0));
            q.join();
        },
    );
}

/// `shutdown_now` sorts a `PriorityQueue`'s items after releasing the lock, which runs `Ord`.
/// If that panics, the items must not vanish: they were removed from the unfinished count, so
/// every one comes back (unsorted, as `Priority`'s docs say) and `shutdown_now` returns normally.
#[test]
fn shutdown_now_with_a_panicking_ord_returns_every_item() {
    quiet_intended_panics();
    let q = queue::PriorityQueue::unbounded();
    q.put(Touchy::new(1, false)).unwrap();
    q.put(Touchy::new(2, false)).unwrap();
    // A poisoned item: its own put panics in the sift, and it stays queued (documented).
    let put = panic::catch_unwind(AssertUnwindSafe(|| q.put(Touchy::new(3, true))));
    assert!(put.is_err());
    // That left the heap unordered, so the next put only appends: this poisoned item has not
    // been compared yet, and the sort will be the first to.
    q.put(Touchy::new(4, true)).unwrap();
    assert_eq!((q.len(), q.unfinished_tasks()), (4, 4));
    let returned = panic::catch_unwind(AssertUnwindSafe(|| q.shutdown_now()))
        .expect("the sort's panic is contained inside shutdown_now");
    assert!(
        returned.iter().all(|t| !t.poisoned.get()),
        "the sort compared the item"
    );
    assert_eq!(returned.len(), 4, "every removed item is returned");
    assert_eq!(
        q.unfinished_tasks(),
        0,
        "shutdown_now removed them from the count"
    );
    assert_eq!(q.failed_tasks(), 0, "nothing was lost, so nothing failed");
}

/// A FIFO storage whose `push` panics *before* storing the item [`REFUSED`]: unlike
/// `BinaryHeap`, whose panicking push keeps the item, this leaves the length unchanged.
#[derive(Default)]
struct RefusingFifo(std::collections::VecDeque<u64>);

const REFUSED: u64 = u64::MAX;

impl Order<u64> for RefusingFifo {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: u64) {
        if item == REFUSED {
            panic::panic_any(INTENDED);
        }
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<u64> {
        self.0.pop_front()
    }
    fn into_vec(self) -> Vec<u64> {
        self.0.into()
    }
}

/// A putter woken for a free slot whose storage call panics without using the slot must pass
/// the wakeup on (`store_call.rs`): otherwise another putter sleeps next to a free slot.
/// Several putters of the refused item and of good items sleep on a full queue of capacity 1;
/// single gets free one slot at a time; every good item must get in.
#[test]
fn a_put_that_panics_without_storing_passes_its_wakeup_on() {
    quiet_intended_panics();
    for seed in 0..30 {
        let q: Shared<RefusingFifo> = Arc::new(BlockingQueue::bounded(1));
        let q2 = q.clone();
        watchdog(
            &format!("refused put (seed {seed})"),
            describe(&q),
            move || {
                let q = &*q2;
                let mut rng = Rng::new(seed);
                let (good, refused) = (3u64, 3u64);
                let start = Barrier::new((good + refused + 1) as usize);
                let start = &start;
                q.put(0).unwrap();
                let got = thread::scope(|s| {
                    for i in 0..good + refused {
                        s.spawn(move || {
                            start.wait();
                            if i < refused {
                                let put = panic::catch_unwind(AssertUnwindSafe(|| q.put(REFUSED)));
                                assert!(put.is_err_and(|p| is_intended(&*p)));
                            } else {
                                q.put(i).unwrap();
                            }
                        });
                    }
                    start.wait();
                    jitter(&mut rng, 5_000);
                    // One slot at a time: each get wakes one putter, who must use it or pass it on.
                    (0..=good).map(|_| q.get().unwrap()).collect::<Vec<u64>>()
                });
                assert_same_items(
                    got,
                    [0].into_iter().chain(refused..good + refused).collect(),
                    "got",
                );
                assert_eq!((q.len(), q.unfinished_tasks()), (0, good as usize + 1));
            },
        );
    }
}
