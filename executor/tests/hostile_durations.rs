//! Huge durations: a period, a sleep or a deadline may be anything a `Duration` or an
//! `Instant` holds. An `interval` whose period is longer than a `u64` of nanoseconds (584
//! years) still finds its next tick after a missed one, rather than never ticking again.

use std::time::Duration;

use executor::{interval, sleep, timeout, Executor, MissedTickBehavior};

const YEAR: Duration = Duration::from_secs(365 * 86_400);

#[test]
fn an_interval_longer_than_584_years_ticks_again_after_missed_ticks() {
    let ex = Executor::with_virtual_clock();
    ex.block_on(async {
        let mut ticks = interval(1000 * YEAR);
        assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Skip);
        let t0 = ticks.tick().await;
        sleep(2100 * YEAR).await; // the tick at 1000 years is 1100 years late
        assert_eq!(ticks.tick().await, t0 + 1000 * YEAR);
        // Skip: the tick at 2000 years is dropped; the next one is at 3000 years.
        let next = timeout(1000 * YEAR, ticks.tick()).await;
        assert_eq!(next, Ok(t0 + 3000 * YEAR), "the next tick never came");
    });
}
