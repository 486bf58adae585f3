//! Interleaved measurement: ours and the peers take turns, round after round, and comparisons
//! are medians of per-round ratios.
//!
//! The machine has two cores shared with other work. Measuring ours for ten seconds and then a
//! peer for ten seconds lets a burst of background load land on one side only; alternating
//! (A B C, B C A, C A B, …) spreads it over every contender, and a ratio taken within one round
//! compares two runs that saw nearly the same machine.

use crate::stats::median;

/// Calls `measure` once per contender as a discarded warm-up, then `rounds` times per
/// contender, rotating the starting contender every round. Returns one `Vec` of samples per
/// contender, in the order of `contenders`. A sample can be anything (a time, a whole timer
/// run from which several statistics are taken).
///
/// ```
/// let mut calls = Vec::new();
/// let samples = bench::rounds::interleaved(&["a", "b"], 2, |c| { calls.push(c); 1.0 });
/// assert_eq!(calls, ["a", "b", "a", "b", "b", "a"]);
/// assert_eq!(samples, vec![vec![1.0, 1.0], vec![1.0, 1.0]]);
/// ```
pub fn interleaved<C: Copy, R>(
    contenders: &[C],
    rounds: usize,
    mut measure: impl FnMut(C) -> R,
) -> Vec<Vec<R>> {
    for &c in contenders {
        measure(c);
    }
    rotated(contenders, rounds, measure)
}

/// [`interleaved`] without the warm-up: for workloads that cost seconds per run and start from
/// scratch every time (a fresh runtime, fresh sockets), where the caller warms up more cheaply.
///
/// ```
/// let mut calls = Vec::new();
/// bench::rounds::rotated(&["a", "b"], 2, |c| calls.push(c));
/// assert_eq!(calls, ["a", "b", "b", "a"]);
/// ```
pub fn rotated<C: Copy, R>(
    contenders: &[C],
    rounds: usize,
    mut measure: impl FnMut(C) -> R,
) -> Vec<Vec<R>> {
    let mut samples: Vec<Vec<R>> = contenders
        .iter()
        .map(|_| Vec::with_capacity(rounds))
        .collect();
    for round in 0..rounds {
        for k in 0..contenders.len() {
            let i = (round + k) % contenders.len();
            samples[i].push(measure(contenders[i]));
        }
    }
    samples
}

/// Ours against the best peer of one workload (lower is better for every value).
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Median of our samples.
    pub ours: f64,
    /// Index (into the peers given to [`compare`]) of the peer with the lowest median.
    pub best_peer: usize,
    /// Median of the best peer's samples.
    pub best: f64,
    /// Median over rounds of ours ÷ best peer in the same round.
    pub ratio: f64,
}

/// Picks the peer with the lowest median and computes the median of the per-round ratios of
/// `ours` to it. `ours` and every peer must have one sample per round; `peers` must not be
/// empty.
///
/// ```
/// use bench::rounds::compare;
/// let ours = [10.0, 30.0, 10.0];
/// let peers = [vec![50.0, 50.0, 50.0], vec![20.0, 60.0, 20.0]];
/// let c = compare(&ours, &peers);
/// assert_eq!(c.best_peer, 1);
/// assert_eq!((c.ours, c.best), (10.0, 20.0));
/// assert_eq!(c.ratio, 0.5);
/// ```
pub fn compare(ours: &[f64], peers: &[Vec<f64>]) -> Comparison {
    let medians: Vec<f64> = peers
        .iter()
        .map(|p| median(p).unwrap_or(f64::INFINITY))
        .collect();
    let best_peer = (0..peers.len())
        .min_by(|&a, &b| medians[a].total_cmp(&medians[b]))
        .expect("at least one peer");
    Comparison {
        ours: median(ours).unwrap_or(f64::NAN),
        best_peer,
        best: medians[best_peer],
        ratio: median(&per_round_ratios(ours, &peers[best_peer])).unwrap_or(f64::NAN),
    }
}

/// `ours[i] ÷ peer[i]` for every round `i`: the ratios [`compare`] takes the median of.
///
/// ```
/// use bench::rounds::per_round_ratios;
/// assert_eq!(per_round_ratios(&[1.0, 6.0], &[2.0, 3.0]), vec![0.5, 2.0]);
/// ```
pub fn per_round_ratios(ours: &[f64], peer: &[f64]) -> Vec<f64> {
    ours.iter().zip(peer).map(|(o, p)| o / p).collect()
}
