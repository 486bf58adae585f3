//! Criterion: our `queue::Queue` against std, crossbeam-channel and flume on three shapes.
//!
//! One criterion iteration is one item moved, so every report reads in time per item. Each
//! sample runs a whole transfer of `iters` items on fresh threads; criterion's linear sampling
//! (`iters` = d, 2d, 3d, …) fits a slope, so the fixed cost of starting threads lands in the
//! intercept, not in the per-item time.

use bench::queues::QueueContender;
use bench::threads::Shape;
use criterion::{criterion_main, Criterion, SamplingMode, Throughput};
use std::time::Duration;

fn shape_group(c: &mut Criterion, shape: Shape, contenders: &[QueueContender]) {
    let mut group = c.benchmark_group(shape.name());
    group
        .sampling_mode(SamplingMode::Linear)
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
    for &contender in contenders {
        group.bench_function(contender.name(), |b| {
            b.iter_custom(|iters| contender.transfer(shape, iters))
        });
    }
    group.finish();
}

fn queues(c: &mut Criterion) {
    use QueueContender::*;
    shape_group(
        c,
        Shape::SPSC_1024,
        &[Ours, OursBatch, Std, Crossbeam, Flume],
    );
    shape_group(
        c,
        Shape::MPMC_4X4_64,
        &[Ours, OursBatch, Std, Crossbeam, Flume],
    );
    // Capacity 1: a batch can never hold more than one item, so `get_batch` is left out.
    shape_group(c, Shape::HANDOFF_1, &[Ours, Std, Crossbeam, Flume]);
}

// `criterion_group!` defines a `pub fn`; inside a private module it is not exported, so the
// workspace's `missing_docs = "deny"` holds without an `allow`.
mod group {
    criterion::criterion_group!(benches, super::queues);
}
criterion_main!(group::benches);
