//! Criterion: our executor against tokio (current-thread + `LocalSet`), async-executor's
//! `LocalExecutor` and futures' `LocalPool`.
//!
//! - `spawn_await` and `yield`: one iteration is one task (or one yield); linear sampling fits
//!   the per-task time and leaves the runtime's set-up in the intercept.
//! - `timers_100k_cpu`: one iteration is a whole run of 100 000 timers spread over 100 ms, and
//!   the time reported is the CPU time of the executor's thread (the wall time is ~150 ms by
//!   construction). Only contenders with a timer of their own take part. Timer lateness and
//!   memory per task are not times; `benches/targets.rs` reports them.

use bench::exec::{ExecContender, TimerPlan};
use criterion::{criterion_main, Criterion, SamplingMode, Throughput};
use std::time::Duration;

const ALL: [ExecContender; 4] = [
    ExecContender::Ours,
    ExecContender::Tokio,
    ExecContender::AsyncExecutor,
    ExecContender::FuturesLocalPool,
];

fn per_op_group(c: &mut Criterion, name: &str, run: fn(ExecContender, u64) -> Duration) {
    let mut group = c.benchmark_group(name);
    group
        .sampling_mode(SamplingMode::Linear)
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
    for contender in ALL {
        group.bench_function(contender.name(), |b| {
            b.iter_custom(|iters| run(contender, iters))
        });
    }
    group.finish();
}

fn timers_cpu(c: &mut Criterion) {
    let plan = TimerPlan::from_start(100_000, Duration::from_millis(100));
    let mut group = c.benchmark_group("timers_100k_cpu");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    for contender in ALL {
        group.bench_function(contender.name(), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let run = contender.timers(plan);
                        // Without a CPU clock the wall time is the closest honest stand-in.
                        run.cpu.unwrap_or(run.wall)
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

fn executors(c: &mut Criterion) {
    per_op_group(c, "spawn_await", ExecContender::spawn_await);
    per_op_group(c, "yield", ExecContender::yield_many);
    timers_cpu(c);
}

// `criterion_group!` defines a `pub fn`; inside a private module it is not exported, so the
// workspace's `missing_docs = "deny"` holds without an `allow`.
mod group {
    criterion::criterion_group!(benches, super::executors);
}
criterion_main!(group::benches);
