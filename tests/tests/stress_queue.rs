//! Stress tests of the `queue` crate: many threads, tiny capacities, timeouts, shutdowns and
//! panics, at random points chosen by a seeded generator (never by sleeping).
//!
//! Each scenario runs under a watchdog: a lost wakeup or a hang fails the test with the
//! queue's counters once it shows no sign of life for [`common::LIMIT`], instead of hanging CI
//! (a loaded machine that still moves items, or whose threads wait for a CPU, is not a hang).
//! Every item carries its producer and sequence number, so the checks are exact: each item is
//! received (or handed back by a failed put or by `shutdown_now`) exactly once, and a FIFO
//! consumer sees each producer's items in the order they were put.
//!
//! This file: many producers and consumers with every put and get variant on tiny capacities.
//! The other `stress_queue_*` files cover shutdowns, panics, and wakeups.

mod common;

use std::sync::Arc;
use std::thread;

use common::{
    assert_per_producer_order, assert_same_items, consume, describe, id, produce, watchdog, Shared,
};
use queue::{BlockingQueue, Fifo, Lifo, Order, Priority};

/// Producers and consumers with every put and get variant on a queue of `cap`; after the
/// producers finish, `shutdown` lets the consumers drain and stop.
fn producers_consumers<O: Order<u64> + Send + 'static>(cap: usize, seed: u64, fifo: bool) {
    let (producers, per, consumers) = (4u64, 1_000u64, 4u64);
    let q: Shared<O> = Arc::new(BlockingQueue::bounded(cap));
    let name = format!("producers_consumers(cap {cap}, seed {seed})");
    let (q2, label) = (q.clone(), name.clone());
    watchdog(&label, describe(&q), move || {
        let q = &*q2;
        let logs: Vec<Vec<u64>> = thread::scope(|s| {
            let ps: Vec<_> = (0..producers)
                .map(|p| s.spawn(move || produce(q, p, per, seed * 100 + p)))
                .collect();
            let cs: Vec<_> = (0..consumers)
                .map(|c| s.spawn(move || consume(q, seed * 100 + 50 + c)))
                .collect();
            for p in ps {
                assert_eq!(p.join().unwrap(), Vec::<u64>::new(), "no shutdown yet");
            }
            q.shutdown();
            cs.into_iter().map(|c| c.join().unwrap()).collect()
        });
        if fifo {
            logs.iter().for_each(|log| assert_per_producer_order(log));
        }
        let expected = (0..producers).flat_map(|p| (0..per).map(move |s| id(p, s)));
        assert_same_items(
            logs.concat(),
            expected.collect(),
            &format!("{name}: received"),
        );
        assert_eq!(q.unfinished_tasks(), 0);
        q.join();
        assert!(q.is_empty());
    });
}

#[test]
fn many_producers_and_consumers_on_capacity_1_and_2() {
    for seed in 0..3 {
        producers_consumers::<Fifo<u64>>(1, seed, true);
        producers_consumers::<Fifo<u64>>(2, seed, true);
    }
    producers_consumers::<Lifo<u64>>(1, 7, false);
    producers_consumers::<Priority<u64>>(2, 8, false);
}
