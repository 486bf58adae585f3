//! The executor's notion of "now": the real monotonic clock, or a virtual one that only moves
//! when the executor has nothing else to do.

use std::cell::Cell;
use std::time::Instant;

/// Where `now()` comes from.
///
/// The virtual clock is a `Cell`: only the executor's own thread reads or moves it, and it moves
/// only in the run loop's idle step (never while a task runs), so every task polled in one
/// instant sees exactly the same `now()`.
#[derive(Debug)]
pub(crate) enum Clock {
    Real,
    Virtual(Cell<Instant>),
}

impl Clock {
    /// A virtual clock starting at the real current instant (an `Instant` has no zero).
    pub(crate) fn new_virtual() -> Self {
        Clock::Virtual(Cell::new(Instant::now()))
    }

    pub(crate) fn now(&self) -> Instant {
        match self {
            Clock::Real => Instant::now(),
            Clock::Virtual(now) => now.get(),
        }
    }

    pub(crate) fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual(_))
    }

    /// Jumps a virtual clock forward to `deadline` (never backwards); no-op for the real clock.
    pub(crate) fn advance_to(&self, deadline: Instant) {
        if let Clock::Virtual(now) = self {
            if deadline > now.get() {
                now.set(deadline);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn virtual_clock_moves_only_forward_and_exactly() {
        let clock = Clock::new_virtual();
        let t0 = clock.now();
        assert_eq!(clock.now(), t0, "time stands still until advanced");
        clock.advance_to(t0 + Duration::from_nanos(1500));
        assert_eq!(clock.now() - t0, Duration::from_nanos(1500));
        clock.advance_to(t0); // backwards: ignored
        assert_eq!(clock.now() - t0, Duration::from_nanos(1500));
        assert!(clock.is_virtual() && !Clock::Real.is_virtual());
    }
}
