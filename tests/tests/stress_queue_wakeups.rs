//! Stress tests of the queue's wakeups: batches that free or fill `n` slots wake `n` blocked
//! threads, timed getters and putters whose deadline passes as they are notified pass the
//! wakeup on, and huge timeouts mean "no deadline". A lost wakeup leaves a thread asleep, which
//! the shared watchdog (see `common`) turns into a failure.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{assert_same_items, describe, jitter, watchdog, Rng, Shared};
use queue::{Fifo, Queue};

/// `get_batch` freeing `n` slots wakes all `n` putters blocked on them, and `put_batch` adding
/// `n` items wakes all `n` blocked getters; a wakeup too few would leave one asleep forever.
#[test]
fn batches_wake_as_many_blocked_threads_as_they_free_or_fill() {
    for seed in 0..40 {
        let mut rng = Rng::new(seed);
        let n = 1 + rng.below(5) as usize;
        let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(n));
        let q2 = q.clone();
        watchdog(
            &format!("batch wakeups (seed {seed}, n {n})"),
            describe(&q),
            move || {
                let q = &*q2;
                let start = Barrier::new(n + 1);
                let start = &start;
                q.put_batch(0..n as u64).unwrap();
                thread::scope(|s| {
                    for i in 0..n as u64 {
                        s.spawn(move || {
                            start.wait();
                            q.put(100 + i).unwrap();
                        });
                    }
                    start.wait();
                    jitter(&mut rng, 5_000); // putters asleep, or about to be, or spinning
                    assert_eq!(q.get_batch(n), Ok((0..n as u64).collect()));
                }); // all putters returned
                let mut late = q.get_batch(n).unwrap();
                late.sort_unstable();
                assert_eq!(late, (100..100 + n as u64).collect::<Vec<_>>());

                let got = thread::scope(|s| {
                    let getters: Vec<_> = (0..n)
                        .map(|_| {
                            s.spawn(move || {
                                start.wait();
                                q.get().unwrap()
                            })
                        })
                        .collect();
                    start.wait();
                    jitter(&mut rng, 5_000);
                    q.put_batch(200..200 + n as u64).unwrap();
                    getters
                        .into_iter()
                        .map(|g| g.join().unwrap())
                        .collect::<Vec<_>>()
                });
                assert_same_items(got, (200..200 + n as u64).collect(), "getters");
            },
        );
    }
}

/// Getters with short timeouts sleep next to getters that wait forever, and items arrive one
/// by one around the timed getters' deadlines. A timed getter notified just as its deadline
/// passes must take the item: if it left with the wakeup, the item would sit in the queue next
/// to a getter asleep forever. Each timed getter tries once and puts back what it got (a fresh
/// notify), so a swallowed wakeup is not rescued by a later attempt.
///
/// Two layers prevent it today: `wait_until` re-checks readiness before reporting a timeout,
/// and `get` takes an item that is present even when the wait reported one. (A mutant that
/// breaks only the first layer passes this test, but not the putters' version below, which has
/// no second layer.)
#[test]
fn timed_out_getters_do_not_swallow_wakeups() {
    for seed in 0..60 {
        let q: Shared<Fifo<u64>> = Arc::new(Queue::unbounded());
        let q2 = q.clone();
        watchdog(
            &format!("timed getters (seed {seed})"),
            describe(&q),
            move || {
                let q = &*q2;
                let (forever, timed) = (2u64, 6u64);
                let start = Barrier::new((forever + timed + 1) as usize);
                let start = &start;
                thread::scope(|s| {
                    let sleepers: Vec<_> = (0..forever)
                        .map(|_| {
                            s.spawn(move || {
                                start.wait();
                                q.get().unwrap()
                            })
                        })
                        .collect();
                    for t in 0..timed {
                        s.spawn(move || {
                            let mut rng = Rng::new(seed * 10 + t);
                            start.wait();
                            // Half expire around the puts, half are still asleep for them.
                            let micros = if t % 2 == 0 {
                                50 + rng.below(1_000)
                            } else {
                                20_000
                            };
                            let timeout = Duration::from_micros(micros);
                            if let Ok(item) = q.get_timeout(timeout) {
                                q.put(item).unwrap();
                            }
                        });
                    }
                    let mut rng = Rng::new(seed);
                    start.wait();
                    for item in 0..forever {
                        jitter(&mut rng, 3_000);
                        q.put(item).unwrap();
                    }
                    let got: Vec<u64> = sleepers.into_iter().map(|g| g.join().unwrap()).collect();
                    assert_same_items(got, (0..forever).collect(), "forever getters");
                });
            },
        );
    }
}

/// The same for putters: timed putters (some expiring around the moment slots free up, some
/// still asleep then) next to putters that wait forever, on a full queue of capacity 1 that
/// the test drains one get at a time. A timed putter notified of a free slot must use it (or
/// pass it on) even if its deadline has just passed — `put` cannot, like `get`, fall back on
/// finding the item in the storage. Otherwise a forever putter sleeps next to a free slot and
/// the test's next `get` waits forever.
#[test]
fn timed_out_putters_do_not_swallow_wakeups() {
    for seed in 0..100 {
        let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(1));
        let q2 = q.clone();
        watchdog(
            &format!("timed putters (seed {seed})"),
            describe(&q),
            move || {
                let q = &*q2;
                let (forever, timed) = (2u64, 6u64);
                let start = Barrier::new((forever + timed + 1) as usize);
                let start = &start;
                q.put(100).unwrap();
                let seen = thread::scope(|s| {
                    for i in 0..forever {
                        s.spawn(move || {
                            start.wait();
                            q.put(i).unwrap();
                        });
                    }
                    for t in 0..timed {
                        s.spawn(move || {
                            let mut rng = Rng::new(seed * 10 + t);
                            start.wait();
                            let micros = if t % 2 == 0 {
                                50 + rng.below(1_000)
                            } else {
                                20_000
                            };
                            let _ = q.put_timeout(200 + t, Duration::from_micros(micros));
                        });
                    }
                    let mut rng = Rng::new(seed);
                    start.wait();
                    let mut seen = Vec::new();
                    while !(0..forever).all(|i| seen.contains(&i)) {
                        jitter(&mut rng, 3_000);
                        seen.push(q.get().unwrap());
                    }
                    seen
                });
                let mut unique = seen.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), seen.len(), "an item was received twice");
                assert_eq!(seen[0], 100);
            },
        );
    }
}

/// Timeouts too large for `Instant` (or just short of that) wait without a deadline — for the
/// batch get and `join_timeout` too — and never panic.
#[test]
fn huge_timeouts_on_batches_and_join_wait_without_a_deadline() {
    let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(1));
    let q2 = q.clone();
    watchdog("huge timeouts", describe(&q), move || {
        let q = &*q2;
        let huge = [
            Duration::MAX,
            Duration::from_secs(u64::MAX / 2),
            Duration::from_secs(1 << 40),
        ];
        for timeout in huge {
            thread::scope(|s| {
                s.spawn(|| {
                    q.put(1).unwrap();
                    q.put_timeout(2, timeout).unwrap(); // blocks until the get below
                });
                assert_eq!(q.get_batch_timeout(5, timeout), Ok(vec![1]));
                assert_eq!(q.get_timeout(timeout), Ok(2));
                s.spawn(|| {
                    q.task_done().unwrap();
                    q.task_done().unwrap();
                });
                assert!(q.join_timeout(timeout));
            });
        }
    });
}
