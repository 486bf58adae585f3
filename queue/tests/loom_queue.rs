//! loom models of both cores (`src/one_lock.rs`, `src/two_sides.rs`; each model runs on
//! each design, see `on_each_design`): every interleaving (up to
//! `LOOM_MAX_PREEMPTIONS` preemptions) of a few threads is run, and loom fails a model that
//! deadlocks — which is what a lost wakeup looks like. loom never fires a `wait_timeout`, so the
//! models use only untimed and `try_` operations.
//!
//! Not modelled here: a panicking `Ord` under the lock. loom 0.7's `Mutex` cannot be poisoned
//! (its `lock` unwraps the poison itself), so the recovery path is tested with real threads in
//! `tests/panicking_ord.rs` instead.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!       cargo nextest run --release -p queue -E 'binary(/^loom/)'`
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use queue::{Design, GetError, PutError, Queue};

/// Runs `model` under loom once per design (spinning is compiled out under loom, so
/// `TwoSidesSpinning` would repeat `TwoSides`).
fn on_each_design(model: fn(Design)) {
    for design in [Design::OneLock, Design::TwoSides] {
        loom::model(move || model(design));
    }
}

/// Two producers block on a full capacity-1 queue while a consumer drains it: every item
/// arrives exactly once and nobody sleeps forever.
#[test]
fn producers_block_on_full_queue_against_a_consumer() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        let producers: Vec<_> = [1, 2]
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.put(i).unwrap())
            })
            .into();
        let mut got = vec![q.get().unwrap(), q.get().unwrap()];
        producers.into_iter().for_each(|p| p.join().unwrap());
        got.sort();
        assert_eq!(got, [1, 2]);
        assert!(q.is_empty());
    });
}

/// `join` returns only after the last `task_done` (the worker counts its work before calling
/// it), and always then (a deadlock would fail the model).
#[test]
fn join_returns_after_the_last_task_done() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(None, design));
        let processed = Arc::new(AtomicUsize::new(0));
        q.put(1).unwrap();
        q.put(2).unwrap();
        let worker = {
            let (q, processed) = (q.clone(), processed.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    q.get().unwrap();
                    processed.fetch_add(1, Ordering::SeqCst);
                    q.task_done().unwrap();
                }
            })
        };
        q.join();
        assert_eq!(processed.load(Ordering::SeqCst), 2);
        assert_eq!(q.unfinished_tasks(), 0);
        worker.join().unwrap();
    });
}

/// `shutdown` wakes every getter blocked on an empty queue.
#[test]
fn shutdown_wakes_every_blocked_getter() {
    on_each_design(|design| {
        let q = Arc::new(Queue::<u8>::with_design(None, design));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || q.get())
            })
            .collect();
        q.shutdown();
        for g in getters {
            assert_eq!(g.join().unwrap(), Err(GetError::ShutDown));
        }
    });
}

/// `shutdown` wakes every putter blocked on a full queue; they get their items back.
#[test]
fn shutdown_wakes_every_blocked_putter() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        q.put(0).unwrap();
        let putters: Vec<_> = [1, 2]
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.put(i))
            })
            .into();
        q.shutdown();
        for (p, i) in putters.into_iter().zip([1, 2]) {
            assert_eq!(p.join().unwrap(), Err(PutError::ShutDown(i)));
        }
        assert_eq!(q.get(), Ok(0)); // what was queued still drains
    });
}

/// `shutdown_now` wakes a blocked putter and a blocked joiner, and returns the queued item.
#[test]
fn shutdown_now_wakes_putter_and_joiner() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        q.put(0).unwrap();
        let putter = {
            let q = q.clone();
            thread::spawn(move || q.put(1))
        };
        let joiner = {
            let q = q.clone();
            thread::spawn(move || q.join())
        };
        assert_eq!(q.shutdown_now(), vec![0]);
        assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown(1)));
        joiner.join().unwrap();
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

/// `shutdown_now` racing a getter: the item goes to exactly one of them, and a getter that
/// found the queue empty is woken.
#[test]
fn shutdown_now_races_a_getter() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(None, design));
        let getter = {
            let q = q.clone();
            thread::spawn(move || q.get())
        };
        q.put(7).unwrap();
        let drained = q.shutdown_now();
        match getter.join().unwrap() {
            Ok(item) => {
                assert_eq!(item, 7);
                assert!(drained.is_empty());
                assert_eq!(q.unfinished_tasks(), 1); // taken, not yet done
            }
            Err(e) => {
                assert_eq!(e, GetError::ShutDown);
                assert_eq!(drained, vec![7]);
                assert_eq!(q.unfinished_tasks(), 0);
            }
        }
    });
}

/// A `TaskGuard` dropped while its thread panics marks the task done (releasing `join`) and
/// counts the failure.
#[test]
fn task_guard_dropped_in_a_panic_releases_join() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(None, design));
        q.put(1).unwrap();
        let worker = {
            let q = q.clone();
            thread::spawn(move || {
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let _task = q.get_task().unwrap();
                    panic!("worker fails on its task");
                }));
                assert!(caught.is_err());
            })
        };
        q.join();
        assert_eq!(q.failed_tasks(), 1);
        worker.join().unwrap();
    });
}

/// `get_batch` frees two slots at once: both blocked putters must be woken (one wakeup per
/// freed slot). The consumer takes nothing more until both putters are done, so a putter left
/// asleep with room in the queue deadlocks the model.
#[test]
fn get_batch_wakes_a_putter_per_freed_slot() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(2), design));
        q.put_batch([0, 1]).unwrap();
        let putters: Vec<_> = [2, 3]
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.put(i).unwrap())
            })
            .into();
        assert_eq!(q.get_batch(2), Ok(vec![0, 1]));
        putters.into_iter().for_each(|p| p.join().unwrap());
        let mut rest = q.get_batch(2).unwrap();
        rest.sort();
        assert_eq!(rest, [2, 3]);
    });
}

/// `put_batch` blocked on a full queue against two getters: each item added wakes a getter,
/// and the batch goes in as room appears.
#[test]
fn put_batch_feeds_blocked_getters() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || q.get().unwrap())
            })
            .collect();
        q.put_batch([1, 2]).unwrap();
        let mut got: Vec<i32> = getters.into_iter().map(|g| g.join().unwrap()).collect();
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

/// Two producers and two consumers over a capacity-1 queue (four threads): every item is
/// delivered exactly once, whichever thread each wakeup goes to.
#[test]
fn two_producers_two_consumers_on_capacity_one() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        let producers: Vec<_> = [1, 2]
            .map(|i| {
                let q = q.clone();
                thread::spawn(move || q.put(i).unwrap())
            })
            .into();
        let consumer = {
            let q = q.clone();
            thread::spawn(move || q.get().unwrap())
        };
        let mine = q.get().unwrap();
        producers.into_iter().for_each(|p| p.join().unwrap());
        let mut got = [mine, consumer.join().unwrap()];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

/// The article's worker pattern, end to end: two workers loop over `get_task`, the main
/// thread puts, joins, and shuts down; `join` sees every task done and both workers exit.
#[test]
fn workers_join_then_shutdown() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        let done = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (q, done) = (q.clone(), done.clone());
                thread::spawn(move || {
                    while let Ok(task) = q.get_task() {
                        done.fetch_add(*task, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        q.put(1).unwrap();
        q.put(2).unwrap();
        q.join();
        assert_eq!(done.load(Ordering::SeqCst), 3);
        q.shutdown();
        workers.into_iter().for_each(|w| w.join().unwrap());
    });
}

/// The wakeup that crosses the two sides (`src/queue.rs`): the first get moves both queued
/// items to the head, so the next get frees a slot holding only the head's lock, while the
/// producer may be deciding to sleep on the full queue. Counting itself in under the head's
/// lock must leave the producer no interleaving in which it sleeps through that slot (counting
/// in under `state`'s lock instead makes loom find one).
#[test]
fn a_get_from_the_head_wakes_a_putter_on_a_full_queue() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(2), design));
        q.put(0).unwrap();
        q.put(1).unwrap();
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                q.put(2).unwrap();
                q.put(3).unwrap();
            })
        };
        let got: Vec<i32> = (0..4).map(|_| q.get().unwrap()).collect();
        producer.join().unwrap();
        assert_eq!(got, [0, 1, 2, 3]);
    });
}

/// Two getters, one of which may refill the head with both items while the other is on its
/// way to sleep on the put side: each still gets one item, and nobody sleeps forever (the
/// sleeping getter was counted on the put side, so the second put wakes it, and it looks in
/// the head before the storage).
#[test]
fn two_getters_share_a_refilled_head() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(None, design));
        let getter = {
            let q = q.clone();
            thread::spawn(move || q.get().unwrap())
        };
        q.put(1).unwrap();
        q.put(2).unwrap();
        let mine = q.get().unwrap();
        let mut got = [mine, getter.join().unwrap()];
        got.sort();
        assert_eq!(got, [1, 2]);
        assert!(q.is_empty());
    });
}
