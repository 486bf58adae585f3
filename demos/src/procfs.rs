//! CPU time and memory of this process, read from Linux's `/proc/self` — no `libc`, no
//! `getrusage`, nothing `unsafe`. Every function returns `None` where `/proc` is missing.

use std::time::Duration;

/// Linux reports CPU time in "clock ticks" of `USER_HZ`, which is 100 on every architecture
/// Linux supports (it is part of the user-space ABI, unlike the kernel's internal `HZ`). So the
/// resolution is 10 ms: the experiments report CPU time in milliseconds and treat small values
/// as "about zero".
const USER_HZ: u64 = 100;

/// User + system CPU time consumed so far by every thread of this process, including threads
/// that have already exited (the kernel folds their time into the process's total).
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The second field is the program name in parentheses and may itself contain spaces or
    // ')': everything after the *last* ')' is space-separated. utime and stime are fields 14
    // and 15 of the line, i.e. 12th and 13th after that parenthesis (field 3 is the first).
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// Resident memory now (`VmRSS`), in bytes.
pub fn rss_bytes() -> Option<u64> {
    status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// Peak resident memory since the process started or since the last `reset_peak_rss`
/// (`VmHWM`, the "high water mark"), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

/// Lowers the high water mark to the current RSS (writing `5` to `clear_refs`, Linux ≥ 4.0),
/// so a later `peak_rss_bytes` measures only what happens after this call. Returns whether it
/// worked.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A value in kB from a `Name:   1234 kB` line of `/proc/self/status`.
fn status_kib(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(name))?;
    line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// A number from a `/proc/sys` file, e.g. `kernel/threads-max` — the limits that decide where
/// "one OS thread per wait" stops working.
pub fn sys_limit(path: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/sys/{path}"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The 1, 5 and 15 minute load averages as Linux prints them (`"3.82 2.33 0.99"`), or
/// `"unknown"`. On a shared machine this says how much of the CPU the experiments really had.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_plausible_on_linux() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return; // not Linux: every reading is documented to be `None`
        }
        // Burn CPU until the tick counter moves by 20 ms. Judged by CPU time, not wall time:
        // on a loaded machine 60 ms of wall time may be only 15 ms on a core. The wall-clock
        // limit turns "the counter never moves" into a failure instead of a hang.
        let before = cpu_time().expect("cpu time");
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while cpu_time().expect("cpu time") < before + Duration::from_millis(20) {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "CPU time does not advance"
            );
        }
        let rss = rss_bytes().expect("rss");
        let peak = peak_rss_bytes().expect("peak");
        assert!(rss > 0 && peak >= rss, "rss {rss}, peak {peak}");
    }
}
