//! Our `queue::Queue` on the queue workloads: item by item, and drained in batches.

use crate::threads::{run_transfer, Shape};
use queue::Queue;
use std::time::Duration;

pub(super) fn transfer(shape: Shape, items: u64) -> Duration {
    let q = Queue::bounded(shape.capacity);
    run_transfer(
        shape,
        items,
        |range| range.for_each(|v| q.put(v).unwrap()),
        |count| (0..count).map(|_| q.get().unwrap()).sum(),
    )
}

pub(super) fn transfer_batch(shape: Shape, items: u64) -> Duration {
    let q = Queue::bounded(shape.capacity);
    run_transfer(
        shape,
        items,
        |range| range.for_each(|v| q.put(v).unwrap()),
        |count| {
            let (mut taken, mut sum) = (0, 0);
            while taken < count {
                // Never ask for more than this consumer's share: the counts must add up exactly
                // for the run to end without a shutdown.
                let want = (count - taken).min(shape.capacity as u64) as usize;
                let batch = q.get_batch(want).unwrap();
                taken += batch.len() as u64;
                sum += batch.into_iter().sum::<u64>();
            }
            sum
        },
    )
}
