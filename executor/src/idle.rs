//! How long the idle real-clock executor parks before a timer deadline: a running estimate of
//! how late a timed park wakes up.
//!
//! A timed `Condvar` wait returns late: by the thread's timer slack (on Linux the kernel may
//! coalesce our wakeup with others anywhere inside it) plus the wakeup latency. Parking right
//! up to a deadline would make every timer late by that much. Two ways out trade CPU for
//! lateness:
//!
//! - park until a fixed margin before the deadline, then yield-spin: on time, but every idle
//!   period spins for the margin minus the oversleep, and more whenever the oversleep is
//!   shorter than usual;
//! - park until `deadline − expected oversleep`, then spin only for what is left: the park
//!   itself eats the gap, so the spin is short (often nothing), at the price of a timer being
//!   late by as much as one park overslept *more* than expected.
//!
//! **Decision:** the second (the numbers behind it: `docs/decisions.md`, "the idle step").
//! The expected oversleep is measured, not guessed: it depends on the machine, the kernel and
//! the load, and it changes while the program runs. We track its *median* with the simplest
//! quantile estimator there is: each park moves the estimate one step towards its sample.
//! Half the parks then wake before the estimate (and spin for a little), half after it (and
//! make their timer late by the difference). A mean would be simpler to state but is dragged by
//! outliers — a few parks descheduled for milliseconds on a loaded machine would push it past
//! the gap between deadlines, and the executor would never park at all; a median-tracker moves
//! one step per park whatever the size of the outlier.
//!
//! **Invariant:** the clock stays outside: the run loop reads it and passes instants in, so
//! this file is plain arithmetic, testable without waiting, and the parker stays free of time
//! (loom has none).

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The estimate before the first measurement: Linux's default timer slack (50 µs) plus a
/// typical wakeup latency. Any value works — the first few parks correct it.
const INITIAL: Duration = Duration::from_micros(60);

/// How far one park moves the estimate: small enough that the estimate jitters by about as much
/// (far below a timer slack), large enough to follow a change in the oversleep
/// (e.g. a program lowering its timer slack) within a few dozen parks.
const STEP: Duration = Duration::from_micros(1);

/// The running estimate of a timed park's oversleep (actual wake − requested wake).
///
/// A `Cell`: only the executor's own thread parks and measures.
#[derive(Debug)]
pub(crate) struct Oversleep {
    estimate: Cell<Duration>,
}

impl Oversleep {
    pub(crate) fn new() -> Self {
        Oversleep {
            estimate: Cell::new(INITIAL),
        }
    }

    /// How long to park when the next deadline is `left` away: `left` minus the expected
    /// oversleep, so the thread wakes about on time. `None` when the deadline is closer than
    /// that: a park would most likely wake after the deadline, so yield-spin instead.
    pub(crate) fn park_for(&self, left: Duration) -> Option<Duration> {
        left.checked_sub(self.estimate.get())
            .filter(|park| !park.is_zero())
    }

    /// Feeds one park that was asked to wake at `requested` and returned at `woke`.
    ///
    /// A park that returned *early* carries no information — another thread unparked us, or the
    /// condvar woke spuriously — and is ignored. (An unpark that lands *after* `requested` looks
    /// like oversleep; it can only make the estimate larger, i.e. cost a little more spinning.)
    pub(crate) fn record(&self, requested: Instant, woke: Instant) {
        let Some(sample) = woke.checked_duration_since(requested) else {
            return;
        };
        let old = self.estimate.get();
        let new = if sample > old {
            old + STEP.min(sample - old)
        } else {
            old - STEP.min(old - sample)
        };
        self.estimate.set(new);
    }

    #[cfg(test)]
    fn estimate(&self) -> Duration {
        self.estimate.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: Duration = Duration::from_micros(1);

    #[test]
    fn parks_for_what_is_left_after_the_expected_oversleep() {
        let o = Oversleep::new();
        assert_eq!(o.park_for(1000 * US), Some(1000 * US - INITIAL));
        assert_eq!(o.park_for(INITIAL), None, "nothing left to park: spin");
        assert_eq!(o.park_for(INITIAL - US), None);
    }

    #[test]
    fn the_estimate_converges_to_the_median_oversleep() {
        let o = Oversleep::new();
        let t0 = Instant::now();
        // Oversleeps of 20, 30 and 40 µs in turn, plus a 10 ms outlier every tenth park.
        for i in 0..300 {
            let sample = if i % 10 == 9 {
                10_000
            } else {
                20 + 10 * (i % 3)
            };
            o.record(t0, t0 + sample * US);
        }
        let e = o.estimate();
        assert!(
            e >= 29 * US && e <= 31 * US,
            "estimate {e:?}, expected the median, ~30 µs"
        );
        for _ in 0..200 {
            o.record(t0, t0 + 150 * US);
        }
        assert_eq!(
            o.estimate(),
            150 * US,
            "follows a lasting change, one step per park"
        );
    }

    #[test]
    fn one_park_moves_the_estimate_one_step_at_most() {
        let o = Oversleep::new();
        let t0 = Instant::now();
        o.record(t0, t0 + Duration::from_secs(1)); // descheduled for a second
        assert_eq!(o.estimate(), INITIAL + STEP);
        o.record(t0, t0 + INITIAL); // exactly as expected: no move past the sample
        assert_eq!(o.estimate(), INITIAL);
    }

    #[test]
    fn early_returns_are_ignored() {
        let o = Oversleep::new();
        let t0 = Instant::now() + Duration::from_secs(1);
        o.record(t0, t0 - 30 * US); // unparked before the requested wake
        assert_eq!(o.estimate(), INITIAL);
    }
}
