//! Stress tests of the queue's shutdowns: `shutdown` and `shutdown_now` at random moments
//! against blocked putters, getters, joiners, batch producers and consumers, and iterators.
//! Every item ends up exactly once: received, handed back by a failed put, or returned by
//! `shutdown_now`. Each scenario runs under the shared watchdog (see `common`).

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{
    assert_same_items, consume, describe, id, jitter, made_progress, produce, watchdog, Rng, Shared,
};
use queue::{BlockingQueue, Fifo, Lifo, Order, Priority, PutError, Queue};

/// What one thread of the shutdown race ended with.
#[derive(Default)]
struct Outcome {
    received: Vec<u64>,
    handed_back: Vec<u64>,
}

/// A full queue of `cap` with putters blocked on it, getters (`get`, `get_batch`, the iterator,
/// `get_task`), and joiners (`join`, `join_timeout(Duration::MAX)`), all released by one
/// `shutdown` or `shutdown_now` at a random moment. Every item ends up exactly once: received,
/// handed back by a failed put, or returned by `shutdown_now`; every thread returns; and `join`
/// is released because every received item is marked done.
fn shutdown_race<O: Order<u64> + Send + 'static>(seed: u64) {
    let mut rng = Rng::new(seed);
    let cap = 1 + rng.below(2) as usize;
    let (putters, getters) = (1 + rng.below(4), rng.below(4));
    let now = rng.below(2) == 0;
    // Without getters, only `shutdown_now` takes the queued items and so releases the joiners;
    // a plain `shutdown` then has only putters to release (they stay asleep on a full queue).
    let joiners = if getters > 0 || now {
        1 + rng.below(3)
    } else {
        0
    };
    let q: Shared<O> = Arc::new(BlockingQueue::bounded(cap));
    let prefill: Vec<u64> = (0..cap as u64).map(|s| id(99, s)).collect();
    q.put_batch(prefill.clone()).unwrap();
    let name = format!(
        "shutdown_race(seed {seed}: cap {cap}, {putters} putters, {getters} getters, \
         {joiners} joiners, shutdown_now {now})"
    );
    let (q2, label) = (q.clone(), name.clone());
    watchdog(&label, describe(&q), move || {
        let q = &*q2;
        let start = Barrier::new((putters + getters + joiners + 1) as usize);
        let (start, rng_seed) = (&start, seed * 1000);
        let (outcomes, from_shutdown_now) = thread::scope(|s| {
            let mut threads = Vec::new();
            for p in 0..putters {
                threads.push(s.spawn(move || {
                    start.wait();
                    let handed_back = produce(q, p, 3, rng_seed + p);
                    Outcome {
                        handed_back,
                        ..Outcome::default()
                    }
                }));
            }
            for g in 0..getters {
                threads.push(s.spawn(move || {
                    start.wait();
                    let received = match g % 3 {
                        0 => consume(q, rng_seed + 500 + g),
                        1 => q.iter().inspect(|_| q.task_done().unwrap()).collect(),
                        _ => std::iter::from_fn(|| q.get_task().ok().map(|t| t.into_inner()))
                            .collect(),
                    };
                    Outcome {
                        received,
                        ..Outcome::default()
                    }
                }));
            }
            for j in 0..joiners {
                threads.push(s.spawn(move || {
                    start.wait();
                    if j % 2 == 0 {
                        q.join();
                    } else {
                        assert!(q.join_timeout(Duration::MAX), "no deadline: all tasks done");
                    }
                    Outcome::default()
                }));
            }
            start.wait();
            jitter(&mut rng, 20_000);
            let from_shutdown_now = if now {
                q.shutdown_now()
            } else {
                q.shutdown();
                vec![]
            };
            let outcomes: Vec<Outcome> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            (outcomes, from_shutdown_now)
        });
        let mut all = from_shutdown_now;
        // What nobody took (no getters and a plain `shutdown`) is drained here.
        all.extend(std::iter::from_fn(|| q.try_get().ok()).inspect(|_| q.task_done().unwrap()));
        for o in outcomes {
            all.extend(o.received);
            all.extend(o.handed_back);
        }
        let expected = prefill
            .into_iter()
            .chain((0..putters).flat_map(|p| (0..3).map(move |s| id(p, s))));
        assert_same_items(all, expected.collect(), &name);
        assert_eq!((q.len(), q.unfinished_tasks()), (0, 0), "{name}");
        assert_eq!(q.put(0), Err(PutError::ShutDown(0)));
    });
}

#[test]
fn shutdown_races_blocked_putters_getters_and_joiners() {
    for seed in 0..60 {
        shutdown_race::<Fifo<u64>>(seed);
    }
    for seed in 60..80 {
        shutdown_race::<Lifo<u64>>(seed);
        shutdown_race::<Priority<u64>>(seed + 20);
    }
}

/// `shutdown_now` racing `put_batch` producers and `get_batch` consumers: every item is
/// received, handed back by `put_batch`'s `ShutDown`, or returned by `shutdown_now` — exactly
/// once — and `join` returns once the consumers have marked what they received done.
fn shutdown_now_vs_batches<O: Order<u64> + Send + 'static>(seed: u64) {
    let mut rng = Rng::new(seed);
    let cap = 1 + rng.below(4) as usize;
    let (producers, consumers, per) = (3u64, 2u64, 200u64);
    let q: Shared<O> = Arc::new(BlockingQueue::bounded(cap));
    let name = format!("shutdown_now_vs_batches(seed {seed}, cap {cap})");
    let (q2, label) = (q.clone(), name.clone());
    watchdog(&label, describe(&q), move || {
        let q = &*q2;
        let start = Barrier::new((producers + consumers + 1) as usize);
        let start = &start;
        let mut all = thread::scope(|s| {
            let ps: Vec<_> = (0..producers)
                .map(|p| {
                    s.spawn(move || {
                        start.wait();
                        for chunk in (0..per).collect::<Vec<_>>().chunks(1 + p as usize * 3) {
                            if let Err(e) = q.put_batch(chunk.iter().map(|&s| id(p, s))) {
                                let mut back = e.into_inner();
                                let next = chunk.last().unwrap() + 1;
                                back.extend((next..per).map(|s| id(p, s)));
                                return back;
                            }
                        }
                        Vec::new()
                    })
                })
                .collect();
            let cs: Vec<_> = (0..consumers)
                .map(|c| {
                    s.spawn(move || {
                        start.wait();
                        let mut log = Vec::new();
                        while let Ok(batch) = q.get_batch(1 + c as usize * 2) {
                            made_progress(batch.len() as u64);
                            batch.iter().for_each(|_| q.task_done().unwrap());
                            log.extend(batch);
                        }
                        log
                    })
                })
                .collect();
            start.wait();
            jitter(&mut rng, 200_000);
            let mut all = q.shutdown_now();
            q.join(); // the consumers mark everything they received done
            ps.into_iter()
                .chain(cs)
                .for_each(|t| all.extend(t.join().unwrap()));
            all
        });
        all.extend(std::iter::from_fn(|| q.try_get().ok()));
        let expected = (0..producers).flat_map(|p| (0..per).map(move |s| id(p, s)));
        assert_same_items(all, expected.collect(), &name);
        assert_eq!(q.unfinished_tasks(), 0, "{name}");
    });
}

#[test]
fn shutdown_now_races_put_batch_and_get_batch() {
    for seed in 0..30 {
        shutdown_now_vs_batches::<Fifo<u64>>(seed);
    }
    for seed in 30..40 {
        shutdown_now_vs_batches::<Lifo<u64>>(seed);
        shutdown_now_vs_batches::<Priority<u64>>(seed);
    }
}

/// Iterators blocked on an empty queue all end at `shutdown`, and a `put_batch` much larger
/// than the capacity goes in, in parts, while consumers drain it.
#[test]
fn put_batch_larger_than_capacity_then_iterators_end_at_shutdown() {
    let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(2));
    let q2 = q.clone();
    watchdog("big put_batch", describe(&q), move || {
        let q = &*q2;
        let logs = thread::scope(|s| {
            let consumers: Vec<_> = (0..3)
                .map(|_| s.spawn(|| q.iter().inspect(|_| made_progress(1)).collect::<Vec<u64>>()))
                .collect();
            q.put_batch(0..5_000).unwrap();
            q.shutdown();
            consumers
                .into_iter()
                .map(|c| c.join().unwrap())
                .collect::<Vec<_>>()
        });
        logs.iter()
            .for_each(|log| assert!(log.windows(2).all(|w| w[0] < w[1])));
        assert_same_items(logs.concat(), (0..5_000).collect(), "big put_batch");
        assert_eq!(q.unfinished_tasks(), 5_000, "iter does not call task_done");
        assert_eq!(q.shutdown_now(), Vec::<u64>::new());
        assert!(
            !q.join_timeout(Duration::ZERO),
            "the 5000 taken tasks are not done"
        );
    });
}
