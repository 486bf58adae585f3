//! `interval`: a periodic timer (`tick().await` once per period), built on [`Sleep`] and
//! [`Sleep::reset`].
//!
//! Ticks are scheduled on a grid: `start`, `start + period`, `start + 2 * period`, … An
//! `Interval` keeps one `Sleep` and moves its deadline to the next tick each time one completes,
//! so it holds at most one timer and never drifts by the time the task takes to run.
//!
//! **Missed ticks.** A task that awaits `tick()` late — it was busy, or blocked on something
//! else, for longer than a period — has missed ticks. [`MissedTickBehavior`] says what happens;
//! the default is [`Skip`](MissedTickBehavior::Skip): the late tick completes at once, the
//! missed ones are dropped, and the next one is the next grid point after now. Skip keeps the
//! schedule's phase (like `Burst`) and never fires a volley of back-to-back ticks after a stall
//! (like `Delay`), which is what a periodic job — a heartbeat, a poll, a refresh — wants.
//! tokio defaults to `Burst`; `set_missed_tick_behavior` picks another.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::sleep::{sleep, sleep_until, Sleep};

/// What [`Interval::tick`] does after ticks were missed (the task came back more than a period
/// late). In every case the late tick itself completes at once and returns its scheduled time.
///
/// With `period` = 10 s (ticks due at 0, 10, 20, …) and a task that takes the tick of 10 s,
/// then comes back only at 45 s:
///
/// | behavior | ticks returned (scheduled times), from 45 s on |
/// |---|---|
/// | `Skip` (default) | 20 at 45, then 50, 60, … (30 and 40 are dropped) |
/// | `Burst` | 20, 30, 40 all at 45, then 50, 60, … (catches up) |
/// | `Delay` | 20 at 45, then 55, 65, … (the grid moves to now) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until the schedule has caught up.
    Burst,
    /// Restart the grid a period after the late tick: every later tick moves.
    Delay,
    /// Drop the missed ticks; the next tick is the next grid point after now.
    #[default]
    Skip,
}

/// A periodic timer whose first tick completes at its first poll, then once every `period`
/// (tokio's `interval`; asyncio's `while True: ...; await asyncio.sleep(period)` without the
/// drift). Missed ticks are skipped by default: see [`MissedTickBehavior`].
///
/// # Panics
/// If `period` is zero (a tick would be due forever). Ticking panics outside an executor.
///
/// ```
/// use std::time::Duration;
/// executor::Executor::with_virtual_clock().block_on(async {
///     let t0 = executor::now();
///     let mut every_second = executor::interval(Duration::from_secs(1));
///     for n in 0..3 {
///         let tick = every_second.tick().await;
///         assert_eq!(tick - t0, Duration::from_secs(n)); // the first tick is immediate
///     }
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    Interval::new(Next::FirstPoll, sleep(Duration::ZERO), period)
}

/// A periodic timer whose first tick is at `start`, then once every `period`.
///
/// # Panics
/// If `period` is zero. Ticking panics outside an executor.
///
/// ```
/// use std::time::Duration;
/// executor::Executor::with_virtual_clock().block_on(async {
///     let start = executor::now() + Duration::from_secs(5);
///     let mut ticks = executor::interval_at(start, Duration::from_secs(2));
///     assert_eq!(ticks.tick().await, start);
///     assert_eq!(ticks.tick().await, start + Duration::from_secs(2));
///     assert_eq!(executor::now(), start + Duration::from_secs(2));
/// });
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval::new(Next::At(start), sleep_until(start), period)
}

/// The timer returned by [`interval`] and [`interval_at`].
///
/// ```
/// use std::time::Duration;
/// use executor::MissedTickBehavior;
/// let mut ticks: executor::Interval = executor::interval(Duration::from_millis(100));
/// assert_eq!(ticks.period(), Duration::from_millis(100));
/// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Skip);
/// ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
/// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
/// ```
pub struct Interval {
    next: Next,
    /// Its deadline is the `Next::At` instant (kept in step by `schedule`).
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

#[derive(Debug, Clone, Copy)]
enum Next {
    /// `interval`: the first tick is whenever it is first polled.
    FirstPoll,
    At(Instant),
    /// The next tick overflows the clock.
    Never,
}

impl Interval {
    fn new(next: Next, sleep: Sleep, period: Duration) -> Self {
        assert!(!period.is_zero(), "interval: the period must be non-zero");
        Interval {
            next,
            sleep,
            period,
            missed: MissedTickBehavior::default(),
        }
    }

    /// Waits for the next tick and returns the time it was scheduled for (which is earlier
    /// than `now()` when the tick is late). Cancel-safe: dropping the future before it
    /// completes loses no tick.
    ///
    /// # Panics
    /// When polled outside an executor.
    ///
    /// ```
    /// use std::time::Duration;
    /// executor::Executor::with_virtual_clock().block_on(async {
    ///     let t0 = executor::now();
    ///     let mut ticks = executor::interval(Duration::from_secs(10));
    ///     ticks.tick().await; // t0
    ///     let early = executor::timeout(Duration::from_secs(1), ticks.tick()).await;
    ///     assert!(early.is_err()); // gave up at t0 + 1 s …
    ///     assert_eq!(ticks.tick().await - t0, Duration::from_secs(10)); // … the tick is kept
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: the body of [`tick`](Self::tick), for hand-written futures.
    ///
    /// # Panics
    /// When called outside an executor.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let now = crate::sleep::now();
        let due = match self.next {
            Next::FirstPoll => now,
            Next::At(due) => due,
            Next::Never => return Poll::Pending,
        };
        if now < due && Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let next = if now.checked_duration_since(due) < Some(self.period) {
            due.checked_add(self.period) // on time, or late by less than a period: no tick missed
        } else {
            self.after_missed(due, now)
        };
        self.next = match next {
            Some(next) => {
                self.sleep.reset(next);
                Next::At(next)
            }
            None => Next::Never,
        };
        Poll::Ready(due)
    }

    /// The tick after `due`, which was served at `now`, at least a period late.
    fn after_missed(&self, due: Instant, now: Instant) -> Option<Instant> {
        match self.missed {
            MissedTickBehavior::Burst => due.checked_add(self.period),
            MissedTickBehavior::Delay => now.checked_add(self.period),
            MissedTickBehavior::Skip => {
                // The first grid point strictly after `now`.
                let late = (now - due).as_nanos();
                let into_period = late % self.period.as_nanos();
                let to_next = self.period.as_nanos() - into_period;
                // Back to a `Duration` by seconds, not through a `u64` of nanoseconds: that
                // overflows past 584 years, and a period may be longer.
                const NANOS_PER_SEC: u128 = 1_000_000_000;
                let to_next = Duration::new(
                    u64::try_from(to_next / NANOS_PER_SEC).ok()?,
                    u32::try_from(to_next % NANOS_PER_SEC).ok()?,
                );
                now.checked_add(to_next)
            }
        }
    }

    /// The time between two ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What a late `tick` does about the ticks it missed.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Changes what a late `tick` does about the ticks it missed (from the next tick on).
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("next", &self.next)
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed)
            .finish()
    }
}
