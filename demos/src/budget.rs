//! An experiment's time budget: a run that would start after it is not run, and a child
//! process gets what is left of it as its time limit. `Plan` in `main.rs` sets one per
//! experiment for each `--sizes`.

use std::time::{Duration, Instant};

/// An experiment's share of the tour's time. Each run is given what is left as its limit, and
/// a run that would start after the budget is spent is reported as not run instead.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// `None`: the budget is too large to be a deadline (`checked_add` overflowed).
    deadline: Option<Instant>,
}

impl Budget {
    /// A budget of `total` from now.
    pub fn new(total: Duration) -> Budget {
        Budget {
            deadline: Instant::now().checked_add(total),
        }
    }

    /// Time left, capped at `cap`: the limit to give the next run.
    pub fn left(&self, cap: Duration) -> Duration {
        self.deadline.map_or(cap, |d| {
            d.saturating_duration_since(Instant::now()).min(cap)
        })
    }

    /// Whether nothing is left.
    pub fn spent(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_runs_out_and_a_huge_one_never_does() {
        let spent = Budget::new(Duration::ZERO);
        assert!(spent.spent());
        assert_eq!(spent.left(Duration::from_secs(5)), Duration::ZERO);
        let endless = Budget::new(Duration::MAX); // no deadline, no overflow panic
        assert!(!endless.spent());
        assert_eq!(endless.left(Duration::from_secs(5)), Duration::from_secs(5));
        let minute = Budget::new(Duration::from_secs(60));
        assert!(minute.left(Duration::MAX) <= Duration::from_secs(60));
    }
}
