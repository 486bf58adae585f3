//! What the workloads measure besides wall time: CPU time of the calling thread and the
//! process's resident memory, both read from Linux's `/proc` (no `unsafe`, no `libc`).

use std::time::Duration;

/// CPU time the calling thread has run so far, from `/proc/thread-self/schedstat` (nanoseconds,
/// unlike the 10 ms ticks of `/proc/self/stat`), or `None` where that file does not exist.
///
/// The single-threaded executors run everything on the thread that calls `block_on`, so the
/// difference of two readings around a run is the run's CPU cost: a timer wheel that wakes up
/// often for nothing shows up here even when its lateness looks fine.
///
/// ```
/// let before = bench::measure::thread_cpu_time();
/// let mut x = 0u64;
/// for i in 0..1_000_000u64 { x = std::hint::black_box(x.wrapping_add(i)); }
/// if let (Some(a), Some(b)) = (before, bench::measure::thread_cpu_time()) {
///     assert!(b >= a);
/// }
/// ```
pub fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The process's resident set size in bytes (`VmRSS` of `/proc/self/status`, which is
/// `/proc/self/statm`'s resident pages already multiplied by the page size), or `None` where
/// that file does not exist.
///
/// ```
/// if let Some(rss) = bench::measure::rss_bytes() {
///     assert!(rss > 0);
/// }
/// ```
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `total` divided over `count` operations, in nanoseconds per operation (0 for no operation).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(bench::measure::ns_per(Duration::from_millis(3), 1_000), 3_000.0);
/// assert_eq!(bench::measure::ns_per(Duration::from_millis(3), 0), 0.0);
/// ```
pub fn ns_per(total: Duration, count: u64) -> f64 {
    if count == 0 {
        return 0.0;
    }
    total.as_nanos() as f64 / count as f64
}
