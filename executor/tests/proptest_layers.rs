//! Model-based properties of the layers on the public API, on the virtual clock:
//! - `interval`: for a random period, missed-tick behaviour and work between ticks, every tick
//!   returns the scheduled time a simple model computes, at the time it computes;
//! - `TaskGroup`: for random spawns, `join_next`s and pauses, `join_next` yields tasks in
//!   (finish time, spawn order) at the time the last of them finished, and `join_all` yields
//!   the rest in spawn order.

mod common;

use std::time::Duration;

use common::{config, duration, on_own_thread, within, WATCHDOG};
use executor::{interval, now, sleep, Executor, MissedTickBehavior, TaskGroup};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn behavior() -> impl Strategy<Value = MissedTickBehavior> {
    prop_oneof![
        Just(MissedTickBehavior::Burst),
        Just(MissedTickBehavior::Delay),
        Just(MissedTickBehavior::Skip),
    ]
}

/// The model of `interval`: (scheduled, returned at) in ms for each tick, the task working
/// `work[i]` ms after tick `i`.
fn model_ticks(period: u64, behavior: MissedTickBehavior, work: &[u64]) -> Vec<(u64, u64)> {
    let (mut now, mut next) = (0, 0);
    let mut out = Vec::new();
    for w in work {
        now = now.max(next);
        let due = next;
        let late = now - due;
        next = if late < period {
            due + period
        } else {
            match behavior {
                MissedTickBehavior::Burst => due + period,
                MissedTickBehavior::Delay => now + period,
                MissedTickBehavior::Skip => now + period - late % period,
            }
        };
        out.push((due, now));
        now += w;
    }
    out
}

fn run_ticks(period: u64, behavior: MissedTickBehavior, work: Vec<u64>) -> Vec<(u64, u64)> {
    Executor::with_virtual_clock().block_on(within(WATCHDOG, async move {
        let t0 = now();
        let since = |t: std::time::Instant| u64::try_from((t - t0).as_millis()).unwrap();
        let mut ticks = interval(ms(period));
        ticks.set_missed_tick_behavior(behavior);
        let mut out = Vec::new();
        for w in work {
            let due = ticks.tick().await;
            out.push((since(due), since(now())));
            sleep(ms(w)).await;
        }
        out
    }))
}

#[derive(Clone, Debug)]
enum Op {
    /// Spawn a task that sleeps this many ms.
    Spawn(u64),
    JoinNext,
    /// The awaiting task sleeps this many ms.
    Pause(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => duration().prop_map(Op::Spawn),
        2 => Just(Op::JoinNext),
        1 => duration().prop_map(Op::Pause),
    ]
}

/// What the awaiting task sees: each `join_next` as (spawn number, ms when it returned), then
/// `join_all`'s spawn numbers.
type Seen = (Vec<Option<(usize, u64)>>, Vec<usize>);

fn model_group(ops: &[Op]) -> Seen {
    let (mut now, mut tasks, mut unyielded) = (0, 0, Vec::new()); // (finish, spawn number)
    let mut joined = Vec::new();
    for op in ops {
        match *op {
            Op::Spawn(d) => {
                unyielded.push((now + d, tasks));
                tasks += 1;
            }
            Op::Pause(d) => now += d,
            Op::JoinNext => {
                let first = unyielded.iter().copied().min();
                joined.push(first.map(|(finish, n)| {
                    unyielded.retain(|&(_, m)| m != n);
                    now = now.max(finish);
                    (n, now)
                }));
            }
        }
    }
    let mut rest: Vec<usize> = unyielded.into_iter().map(|(_, n)| n).collect();
    rest.sort_unstable();
    (joined, rest)
}

fn run_group(ops: Vec<Op>) -> Seen {
    Executor::with_virtual_clock().block_on(within(WATCHDOG, async move {
        let t0 = now();
        let since = || u64::try_from((now() - t0).as_millis()).unwrap();
        let (mut group, mut tasks, mut joined) = (TaskGroup::new(), 0, Vec::new());
        for op in ops {
            match op {
                Op::Spawn(d) => {
                    group.spawn(async move {
                        sleep(ms(d)).await;
                        tasks
                    });
                    tasks += 1;
                }
                Op::Pause(d) => sleep(ms(d)).await,
                Op::JoinNext => {
                    let next = group.join_next().await;
                    joined.push(next.map(|result| (result.unwrap(), since())));
                }
            }
        }
        (joined, group.join_all().await.unwrap())
    }))
}

fn check<T: PartialEq + std::fmt::Debug>(model: T, seen: T) -> Result<(), TestCaseError> {
    prop_assert_eq!(seen, model);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn interval_ticks_follow_the_model(
        period in 1u64..15,
        behavior in behavior(),
        work in prop::collection::vec(prop_oneof![0u64..5, 0u64..60], 1..12),
    ) {
        let model = model_ticks(period, behavior, &work);
        let seen = on_own_thread(Duration::from_secs(10), move || run_ticks(period, behavior, work));
        check(model, seen)?;
    }

    #[test]
    fn task_group_yields_in_finish_then_spawn_order(ops in prop::collection::vec(op(), 0..24)) {
        let model = model_group(&ops);
        let seen = on_own_thread(Duration::from_secs(10), move || run_group(ops));
        check(model, seen)?;
    }
}
