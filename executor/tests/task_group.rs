//! `TaskGroup` on the virtual clock: completion order and spawn order, a panic (or, with
//! `try_join_all`, an `Err`) aborting the siblings, dropping the group, cancel-safety of
//! `join_next`, slots reused in a long-lived group, one group poll per finished task, and a
//! group inside a task that is aborted or whose executor is dropped.

mod common;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use common::{message, probe, virtual_run, Act};
use executor::{race, sleep, Either, JoinError, TaskGroup};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A task of the test: sleeps `n` seconds, returns `n`.
async fn nap(n: u64) -> u64 {
    sleep(secs(n)).await;
    n
}

#[test]
fn join_next_yields_in_completion_order_then_none() {
    let (got, took) = virtual_run(|t0| async move {
        let mut group = TaskGroup::new();
        for n in [3, 1, 2] {
            group.spawn(nap(n));
        }
        let mut got = Vec::new();
        while let Some(result) = group.join_next().await {
            got.push((
                result.unwrap(),
                (executor::now() - t0).as_secs(),
                group.len(),
            ));
        }
        assert!(group.join_next().await.is_none()); // empty stays empty
        got
    });
    assert_eq!(got, [(1, 1, 2), (2, 2, 1), (3, 3, 0)]);
    assert_eq!(took, secs(3));
}

#[test]
fn join_all_yields_spawn_order_and_runs_the_tasks_concurrently() {
    let (got, took) = virtual_run(|_| async {
        let mut group = TaskGroup::new();
        for n in [3, 1, 2, 1] {
            group.spawn(nap(n));
        }
        group.join_all().await.unwrap()
    });
    assert_eq!(got, [3, 1, 2, 1]);
    assert_eq!(took, secs(3));
}

#[test]
fn a_panic_aborts_the_siblings_and_join_all_returns_the_first_one() {
    let (sibling, sibling_counts) = probe(Act::Pending);
    let (err, took) = virtual_run(|_| async move {
        let mut group = TaskGroup::new();
        group.spawn(async {
            sleep(secs(2)).await;
            panic!("second")
        });
        group.spawn(async {
            sleep(secs(1)).await;
            panic!("first")
        });
        group.spawn(async move {
            sibling.await;
            unreachable!()
        });
        group.join_all().await.unwrap_err()
    });
    assert_eq!(message(&*err.into_panic()), "first");
    assert_eq!(took, secs(1)); // the 2 s task was aborted too, or the run would take 2 s
    assert_eq!(sibling_counts.drops(), 1);
}

#[test]
fn after_a_panic_join_next_still_yields_every_other_result() {
    let (got, _) = virtual_run(|t0| async move {
        let mut group = TaskGroup::new();
        group.spawn(async {
            sleep(secs(1)).await;
            1
        }); // done before anyone looks
        group.spawn(async {
            sleep(secs(2)).await;
            panic!("boom")
        });
        group.spawn(async {
            sleep(secs(60)).await;
            60
        });
        executor::sleep_until(t0 + secs(3)).await;
        let describe = |r: Result<u64, JoinError>| match r {
            Ok(n) => format!("ok {n}"),
            Err(e) => e.to_string(),
        };
        let mut got = Vec::new();
        while let Some(result) = group.join_next().await {
            got.push(describe(result));
        }
        got
    });
    assert_eq!(got, ["ok 1", "task panicked: boom", "task was cancelled"]);
}

#[test]
fn try_join_all_returns_the_first_err_and_aborts_the_rest() {
    let (got, took) = virtual_run(|_| async {
        let mut group = TaskGroup::new();
        group.spawn(async {
            sleep(secs(60)).await;
            Ok(60)
        });
        group.spawn(async {
            sleep(secs(3)).await;
            Err("late")
        });
        group.spawn(async {
            sleep(secs(2)).await;
            Err("early")
        });
        group.spawn(async {
            sleep(secs(1)).await;
            Ok(1)
        });
        group.try_join_all().await.unwrap()
    });
    assert_eq!(got, Err("early"));
    assert_eq!(took, secs(2));
}

#[test]
fn try_join_all_gives_values_in_spawn_order_or_the_first_panic() {
    let (ok, _) = virtual_run(|_| async {
        let mut group = TaskGroup::<Result<u64, ()>>::new();
        for n in [2, 1] {
            group.spawn(async move { Ok(nap(n).await) });
        }
        group.try_join_all().await.unwrap()
    });
    assert_eq!(ok, Ok(vec![2, 1]));
    let (panicked, took) = virtual_run(|_| async {
        let mut group = TaskGroup::<Result<u64, ()>>::new();
        group.spawn(async {
            sleep(secs(1)).await;
            panic!("bug")
        });
        group.spawn(async {
            sleep(secs(5)).await;
            Err(())
        });
        group.try_join_all().await.unwrap_err()
    });
    assert!(panicked.is_panic());
    assert_eq!(took, secs(1));
}

#[test]
fn dropping_the_group_aborts_what_is_left() {
    let (pending, counts) = probe(Act::Pending);
    let (finished, _) = virtual_run(|t0| async move {
        let finished = Rc::new(Cell::new(false));
        let mut group = TaskGroup::new();
        group.spawn(async move {
            pending.await;
        });
        group.spawn({
            let finished = finished.clone();
            async move {
                sleep(secs(5)).await;
                finished.set(true)
            }
        });
        executor::yield_now().await; // both running
        drop(group);
        executor::sleep_until(t0 + secs(10)).await;
        finished.get()
    });
    assert!(!finished, "an aborted task ran to the end");
    assert_eq!(counts.drops(), 1);
}

#[test]
fn a_dropped_join_next_loses_no_result() {
    // The tasks end at 1..=6 s; a 1 s sleep races `join_next` and wins every tie, so most
    // `join_next` futures are dropped, some after their result was recorded.
    let (got, took) = virtual_run(|_| async {
        let mut group = TaskGroup::new();
        for n in [6, 2, 4, 1, 3, 5, 2] {
            group.spawn(nap(n));
        }
        let (mut got, mut ticks) = (Vec::new(), 0);
        loop {
            match race(sleep(secs(1)), group.join_next()).await {
                Either::Left(()) => ticks += 1,
                Either::Right(Some(result)) => got.push(result.unwrap()),
                Either::Right(None) => break,
            }
        }
        assert!(ticks >= 6);
        got
    });
    assert_eq!(got, [1, 2, 2, 3, 4, 5, 6]);
    assert_eq!(took, secs(6));
}

#[test]
fn a_long_lived_group_reuses_slots_and_keeps_spawn_order() {
    let (got, _) = virtual_run(|_| async {
        let mut group = TaskGroup::new();
        group.spawn(nap(1)); // slot 0
        group.spawn(nap(3)); // slot 1
        assert_eq!(group.join_next().await.unwrap().unwrap(), 1); // slot 0 is free
        group.spawn(nap(1)); // slot 0 again, spawned after the 3 s task
        group.join_all().await.unwrap()
    });
    assert_eq!(got, [3, 1]);
}

#[test]
fn each_finished_task_costs_the_group_one_poll() {
    // Each task's end wakes the awaiting future once (its guard takes the group's waker), so
    // n tasks ending one by one cost n + 1 polls of it. (That the group then polls only the
    // ended task's handle is by construction: it looks only at the front of the ready list.)
    const N: u64 = 1_000;
    let (polls, _) = virtual_run(|_| async {
        let mut group = TaskGroup::new();
        for n in (1..=N).rev() {
            group.spawn(nap(n));
        }
        let polls = Cell::new(0_u64);
        let mut all = pin!(group.join_all());
        let out = poll_fn(|cx| {
            polls.set(polls.get() + 1);
            all.as_mut().poll(cx)
        })
        .await
        .unwrap();
        assert_eq!(out, (1..=N).rev().collect::<Vec<_>>());
        polls.get()
    });
    assert!(polls <= N + 1, "{polls} polls for {N} tasks");
}

#[test]
fn a_running_group_in_an_aborted_task_aborts_its_children() {
    let (child, counts) = probe(Act::Pending);
    let (polled_then_dropped, _) = virtual_run(|_| async move {
        let owner = executor::spawn(async move {
            let mut group = TaskGroup::new();
            group.spawn(child);
            group.join_all().await
        });
        sleep(secs(1)).await; // the owner and its child have run
        let polled = counts.polls();
        owner.abort(); // drops the owner's future, and with it the group
        assert!(owner.await.unwrap_err().is_cancelled());
        (polled, counts.drops())
    });
    assert_eq!(polled_then_dropped, (1, 1));
}

#[test]
fn dropping_the_executor_drops_each_group_task_once() {
    let (child, counts) = probe(Act::Pending);
    let (sibling, sibling_counts) = probe(Act::Pending);
    let ex = executor::Executor::with_virtual_clock();
    let owner = ex.spawn(async move {
        let mut group = TaskGroup::new();
        group.spawn(child);
        group.spawn(sibling);
        group.join_all().await
    });
    ex.block_on(sleep(secs(1))); // everything is running and pending
    drop(ex);
    assert!(owner.is_finished());
    assert_eq!((counts.drops(), sibling_counts.drops()), (1, 1));
}
