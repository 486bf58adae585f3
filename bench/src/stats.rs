//! Order statistics for benchmark samples: medians of rounds and percentiles of latencies.
//!
//! Nearest-rank percentiles on a sorted copy: no interpolation, so every reported value is one
//! that was really measured (a p99 of timer lateness is a real timer's lateness).

/// The `p`-th percentile (0.0 ..= 100.0) of `samples` by the nearest-rank method, or `None`
/// when there are no samples.
///
/// ```
/// use bench::stats::percentile;
/// let xs = [5, 1, 4, 2, 3];
/// assert_eq!(percentile(&xs, 50.0), Some(3));
/// assert_eq!(percentile(&xs, 0.0), Some(1));
/// assert_eq!(percentile(&xs, 100.0), Some(5));
/// assert_eq!(percentile::<i64>(&[], 50.0), None);
/// ```
pub fn percentile<T: Copy + PartialOrd>(samples: &[T], p: f64) -> Option<T> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    // `PartialOrd` so that f64 works too; benchmark samples are never NaN, and if one were,
    // treating it as equal keeps the sort total instead of panicking in the middle of a run.
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let p = p.clamp(0.0, 100.0);
    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.saturating_sub(1)])
}

/// The median of `samples` (the lower middle one for an even count), or `None` when empty.
///
/// The benchmarks take the median of several interleaved rounds: one slow round (the other
/// core busy with someone's build) moves a mean a lot and a median not at all.
///
/// ```
/// use bench::stats::median;
/// assert_eq!(median(&[3.0, 100.0, 1.0]), Some(3.0));
/// assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.0));
/// assert_eq!(median::<f64>(&[]), None);
/// ```
pub fn median<T: Copy + PartialOrd>(samples: &[T]) -> Option<T> {
    percentile(samples, 50.0)
}
