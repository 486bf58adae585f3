//! Timer runs of every executor contender in interleaved rounds, and the statistics the timer
//! rows report of them: lateness percentiles, wall time, CPU time, CPU cost per timer.
//!
//! Shared by the targets bench (its timer rows) and `examples/timers` (the scaling table and
//! plot), so both report the same numbers the same way.

use crate::exec::{ExecContender, TimerPlan, TimerRun};
use crate::rounds::{compare, interleaved, Comparison};
use crate::stats::{median, percentile};

/// Every contender with its usual timer, ours first.
pub const CONTENDERS: [ExecContender; 4] = [
    ExecContender::Ours,
    ExecContender::Tokio,
    ExecContender::AsyncExecutor,
    ExecContender::FuturesLocalPool,
];

/// What a timer row reports of one run (lower is better for each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Median lateness (wake time − deadline), µs.
    P50,
    /// 99th percentile of lateness, µs.
    P99,
    /// Wall time of the run, ms.
    Wall,
    /// CPU time of the executor's thread, ms.
    Cpu,
    /// CPU time per timer, ns.
    NsPerTimer,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 5] = [
        Metric::P50,
        Metric::P99,
        Metric::Wall,
        Metric::Cpu,
        Metric::NsPerTimer,
    ];

    /// The metric's name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Metric::P50 => "lateness p50",
            Metric::P99 => "lateness p99",
            Metric::Wall => "wall time",
            Metric::Cpu => "CPU time",
            Metric::NsPerTimer => "CPU per timer",
        }
    }

    /// The unit of [`Metric::of`].
    pub fn unit(self) -> &'static str {
        match self {
            Metric::P50 | Metric::P99 => "µs",
            Metric::Wall | Metric::Cpu => "ms",
            Metric::NsPerTimer => "ns/timer",
        }
    }

    /// The metric of one run, in [`Metric::unit`].
    ///
    /// ```
    /// use bench::exec::TimerRun;
    /// use bench::timer_rounds::Metric;
    /// use std::time::Duration;
    /// let run = TimerRun { wall: Duration::from_millis(200), spawned: Duration::ZERO,
    ///     cpu: Some(Duration::from_millis(4)), lateness_ns: vec![1_000, 2_000, 3_000, 4_000] };
    /// assert_eq!(Metric::P50.of(&run), 2.0);
    /// assert_eq!(Metric::Wall.of(&run), 200.0);
    /// assert_eq!(Metric::NsPerTimer.of(&run), 1_000_000.0);
    /// ```
    pub fn of(self, run: &TimerRun) -> f64 {
        let late_us = |p: f64| percentile(&run.lateness_ns, p).unwrap_or(0) as f64 / 1e3;
        match self {
            Metric::P50 => late_us(50.0),
            Metric::P99 => late_us(99.0),
            Metric::Wall => run.wall.as_secs_f64() * 1e3,
            Metric::Cpu => run.cpu.unwrap_or(run.wall).as_secs_f64() * 1e3,
            Metric::NsPerTimer => run.cpu_ns_per_timer(),
        }
    }
}

/// The runs of one plan: `runs[c][r]` is contender `CONTENDERS[c]` in round `r`.
#[derive(Clone, Debug)]
pub struct TimerRounds {
    /// The plan every run followed.
    pub plan: TimerPlan,
    /// One `Vec` of runs per contender, in the order of [`CONTENDERS`].
    pub runs: Vec<Vec<TimerRun>>,
}

impl TimerRounds {
    /// Runs `plan` on every contender: one discarded warm-up each, then `rounds` interleaved
    /// rounds (see [`interleaved`]).
    pub fn measure(plan: TimerPlan, rounds: usize) -> TimerRounds {
        TimerRounds {
            plan,
            runs: interleaved(&CONTENDERS, rounds, |c| c.timers(plan)),
        }
    }

    /// `metric` of every run, one `Vec` of samples per contender.
    pub fn samples(&self, metric: Metric) -> Vec<Vec<f64>> {
        self.runs
            .iter()
            .map(|runs| runs.iter().map(|r| metric.of(r)).collect())
            .collect()
    }

    /// The median of `metric` per contender.
    pub fn medians(&self, metric: Metric) -> Vec<f64> {
        self.samples(metric)
            .iter()
            .map(|s| median(s).unwrap_or(f64::NAN))
            .collect()
    }

    /// Ours against the best peer on `metric` (median of per-round ratios; `best_peer` indexes
    /// the peers, i.e. `CONTENDERS[1 + best_peer]`).
    pub fn compare(&self, metric: Metric) -> Comparison {
        let samples = self.samples(metric);
        compare(&samples[0], &samples[1..])
    }

    /// How many of our timers fired before their deadline, summed over the rounds (a bug if
    /// not zero).
    pub fn ours_early(&self) -> usize {
        self.runs[0]
            .iter()
            .map(|r| r.lateness_ns.iter().filter(|&&ns| ns < 0).count())
            .sum()
    }
}
