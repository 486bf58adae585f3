//! `interval` (ticks on a grid, the three missed-tick behaviours, cancel-safety, overflow) and
//! `Sleep::reset` (before the first poll, on a registered timer — earlier and later — and on a
//! finished sleep), all on the virtual clock, so every time is exact.

mod common;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use common::virtual_run;
use executor::{interval, interval_at, race, sleep, timeout, Either, MissedTickBehavior};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

// ---------------------------------------------------------------------------------------------
// Sleep::reset

#[test]
fn reset_before_the_first_poll_replaces_the_duration() {
    let ((), took) = virtual_run(|t0| async move {
        let mut nap = sleep(secs(60));
        nap.reset(t0 + secs(5));
        nap.await;
    });
    assert_eq!(took, secs(5));
}

/// Polls `nap` once (registering its timer at 10 s), resets it to `to` without polling it
/// again, and then polls it until it is done. Returns how many times the task was polled.
async fn register_then_reset(nap_for: Duration, to: Duration) -> usize {
    let t0 = executor::now();
    let mut nap = sleep(nap_for);
    let polls = Cell::new(0);
    poll_fn(|cx| {
        polls.set(polls.get() + 1);
        assert!(polls.get() <= 3, "the task spins: polled again and again");
        if polls.get() == 1 {
            assert!(Pin::new(&mut nap).poll(cx).is_pending());
            nap.reset(t0 + to);
            return Poll::Pending; // only the timer can wake us now
        }
        Pin::new(&mut nap).poll(cx)
    })
    .await;
    polls.get()
}

#[test]
fn reset_moves_a_registered_timer_earlier() {
    // Kept at 10 s, the old entry would finish the task at 10 s; dropped and not re-registered,
    // nothing would wake the task (the watchdog fails the test).
    let (polls, took) = virtual_run(|_| register_then_reset(secs(10), secs(3)));
    assert_eq!(took, secs(3));
    assert_eq!(polls, 2);
}

#[test]
fn reset_moves_a_registered_timer_later_without_an_early_wake() {
    // The old entry at 3 s would wake the task early (a third poll) — or, re-armed at 3 s by
    // the next poll, spin it at 3 s forever.
    let (polls, took) = virtual_run(|_| register_then_reset(secs(3), secs(10)));
    assert_eq!(took, secs(10));
    assert_eq!(polls, 2);
}

#[test]
fn reset_to_a_past_deadline_completes_at_once() {
    let (polls, took) = virtual_run(|t0| async move {
        executor::sleep_until(t0 + secs(2)).await;
        register_then_reset(secs(10), Duration::ZERO).await // t0: already past
    });
    assert_eq!(took, secs(2));
    assert_eq!(polls, 2);
}

#[test]
fn a_finished_sleep_that_is_reset_waits_again() {
    let ((), took) = virtual_run(|t0| async move {
        let mut nap = sleep(secs(1));
        (&mut nap).await;
        nap.reset(t0 + secs(4));
        (&mut nap).await;
        nap.reset(t0 + secs(2)); // in the past now
        nap.await;
    });
    assert_eq!(took, secs(4));
}

// ---------------------------------------------------------------------------------------------
// interval

/// The scheduled times (seconds from the start) of `n` ticks, and when each was returned.
async fn ticks(iv: &mut executor::Interval, n: usize, t0: std::time::Instant) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let due = iv.tick().await;
        out.push(((due - t0).as_secs(), (executor::now() - t0).as_secs()));
    }
    out
}

#[test]
fn ticks_stay_on_the_grid_whatever_the_work_between_them() {
    let (got, _) = virtual_run(|t0| async move {
        let mut iv = interval(secs(10));
        let mut got = Vec::new();
        for work in [3, 9, 0, 1] {
            got.extend(ticks(&mut iv, 1, t0).await);
            sleep(secs(work)).await; // less than a period: no tick missed, no drift
        }
        got
    });
    assert_eq!(got, [(0, 0), (10, 10), (20, 20), (30, 30)]);
}

#[test]
fn interval_at_starts_at_its_start() {
    let (got, _) = virtual_run(|t0| async move {
        let mut iv = interval_at(t0 + secs(5), secs(2));
        ticks(&mut iv, 3, t0).await
    });
    assert_eq!(got, [(5, 5), (7, 7), (9, 9)]);
}

/// Ticks at 0 and 10, a stall until 45, then four more ticks.
fn after_a_stall(behavior: Option<MissedTickBehavior>) -> Vec<(u64, u64)> {
    let (got, _) = virtual_run(|t0| async move {
        let mut iv = interval(secs(10));
        if let Some(behavior) = behavior {
            iv.set_missed_tick_behavior(behavior);
        }
        let mut got = ticks(&mut iv, 2, t0).await;
        executor::sleep_until(t0 + secs(45)).await;
        got.extend(ticks(&mut iv, 4, t0).await);
        got
    });
    got
}

#[test]
fn skip_is_the_default_and_drops_the_missed_ticks() {
    let expected = [(0, 0), (10, 10), (20, 45), (50, 50), (60, 60), (70, 70)];
    assert_eq!(after_a_stall(None), expected);
    assert_eq!(after_a_stall(Some(MissedTickBehavior::Skip)), expected);
}

#[test]
fn burst_fires_the_missed_ticks_back_to_back() {
    let expected = [(0, 0), (10, 10), (20, 45), (30, 45), (40, 45), (50, 50)];
    assert_eq!(after_a_stall(Some(MissedTickBehavior::Burst)), expected);
}

#[test]
fn delay_restarts_the_grid_a_period_after_the_late_tick() {
    let expected = [(0, 0), (10, 10), (20, 45), (55, 55), (65, 65), (75, 75)];
    assert_eq!(after_a_stall(Some(MissedTickBehavior::Delay)), expected);
}

#[test]
fn skip_from_exactly_on_a_grid_point_goes_to_the_next_one() {
    let (got, _) = virtual_run(|t0| async move {
        let mut iv = interval(secs(10));
        iv.tick().await;
        executor::sleep_until(t0 + secs(30)).await; // late tick 10, grid point 30 is now
        ticks(&mut iv, 2, t0).await
    });
    assert_eq!(got, [(10, 30), (40, 40)]);
}

#[test]
fn a_dropped_tick_loses_no_tick() {
    let (got, _) = virtual_run(|t0| async move {
        let mut iv = interval(secs(10));
        iv.tick().await;
        for _ in 0..3 {
            assert!(timeout(secs(2), iv.tick()).await.is_err()); // dropped at 2, 4, 6 s
        }
        ticks(&mut iv, 2, t0).await
    });
    assert_eq!(got, [(10, 10), (20, 20)]);
}

#[test]
fn a_period_past_the_clock_ticks_once_then_never() {
    let (second, took) = virtual_run(|_| async move {
        let mut iv = interval(Duration::MAX);
        iv.tick().await;
        matches!(race(iv.tick(), sleep(secs(3600))).await, Either::Left(_))
    });
    assert!(!second);
    assert_eq!(took, secs(3600));
}

#[test]
#[should_panic(expected = "interval: the period must be non-zero")]
fn a_zero_period_panics() {
    let _ = interval(Duration::ZERO);
}
