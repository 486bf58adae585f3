//! Running a producer/consumer workload on scoped threads and timing only the transfer.
//!
//! Every queue contender is driven by [`run_transfer`], so they differ only in the two closures
//! they pass: how one item is put and how a consumer takes its share.

use std::ops::Range;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// The shape of a queue workload: how many threads put, how many get, and the capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Number of producer threads.
    pub producers: usize,
    /// Number of consumer threads.
    pub consumers: usize,
    /// Capacity of the bounded queue or channel.
    pub capacity: usize,
}

impl Shape {
    /// One producer, one consumer, capacity 1024: raw throughput with little blocking.
    pub const SPSC_1024: Shape = Shape {
        producers: 1,
        consumers: 1,
        capacity: 1024,
    };
    /// Four producers and four consumers on capacity 64: contention from both sides.
    pub const MPMC_4X4_64: Shape = Shape {
        producers: 4,
        consumers: 4,
        capacity: 64,
    };
    /// One producer, one consumer, capacity 1: every item is a hand-off between two threads.
    pub const HANDOFF_1: Shape = Shape {
        producers: 1,
        consumers: 1,
        capacity: 1,
    };

    /// A short name for tables and criterion group names.
    ///
    /// ```
    /// assert_eq!(bench::threads::Shape::MPMC_4X4_64.name(), "mpmc_4x4_cap64");
    /// ```
    pub fn name(self) -> String {
        if self.producers == 1 && self.consumers == 1 {
            format!("spsc_cap{}", self.capacity)
        } else {
            format!(
                "mpmc_{}x{}_cap{}",
                self.producers, self.consumers, self.capacity
            )
        }
    }
}

/// The `index`-th of `parts` near-equal shares of `total` (the first `total % parts` shares get
/// one more), so that any item count splits exactly over any number of threads.
///
/// ```
/// use bench::threads::share;
/// assert_eq!((0..4).map(|i| share(10, 4, i)).collect::<Vec<_>>(), [3, 3, 2, 2]);
/// assert_eq!((0..4).map(|i| share(10, 4, i)).sum::<u64>(), 10);
/// ```
pub fn share(total: u64, parts: usize, index: usize) -> u64 {
    let parts = parts as u64;
    let index = index as u64;
    total / parts + u64::from(index < total % parts)
}

/// Runs `shape.producers` threads calling `produce` with disjoint ranges of values that cover
/// `0..items`, and `shape.consumers` threads calling `consume` with the number of items each
/// must take and summing what it took; returns the time from the moment every thread is ready
/// until the last one finishes.
///
/// Thread start-up is outside the measurement (a barrier releases everybody at once). The sum
/// of everything consumed must equal the sum of `0..items`: a contender that loses or
/// duplicates an item fails loudly instead of looking fast.
///
/// ```
/// use std::sync::mpsc::sync_channel;
/// use std::sync::Mutex;
/// use bench::threads::{run_transfer, Shape};
/// let (tx, rx) = sync_channel(4);
/// let rx = Mutex::new(rx);
/// let elapsed = run_transfer(
///     Shape { producers: 2, consumers: 1, capacity: 4 },
///     1_000,
///     |range| range.for_each(|v| tx.send(v).unwrap()),
///     |count| (0..count).map(|_| rx.lock().unwrap().recv().unwrap()).sum(),
/// );
/// assert!(elapsed.as_nanos() > 0);
/// ```
pub fn run_transfer<P, C>(shape: Shape, items: u64, produce: P, consume: C) -> Duration
where
    P: Fn(Range<u64>) + Sync,
    C: Fn(u64) -> u64 + Sync,
{
    let barrier = Barrier::new(shape.producers + shape.consumers + 1);
    let (elapsed, consumed) = std::thread::scope(|s| {
        let mut next = 0;
        for p in 0..shape.producers {
            let range = next..next + share(items, shape.producers, p);
            next = range.end;
            let (barrier, produce) = (&barrier, &produce);
            s.spawn(move || {
                barrier.wait();
                produce(range);
            });
        }
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|c| {
                let count = share(items, shape.consumers, c);
                let (barrier, consume) = (&barrier, &consume);
                s.spawn(move || {
                    barrier.wait();
                    consume(count)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let consumed: u64 = consumers.into_iter().map(|h| h.join().unwrap()).sum();
        // Producers are done too: every item they put has been taken.
        (start.elapsed(), consumed)
    });
    let expected = items * items.saturating_sub(1) / 2;
    assert_eq!(consumed, expected, "items were lost or duplicated");
    elapsed
}
