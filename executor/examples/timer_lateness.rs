//! How late timers fire on the real clock: 1 000 tasks sleep to deadlines spread evenly over
//! 100 ms; prints the lateness p50/p99/max and the executor thread's CPU time.
//!
//! `cargo run --release -p executor --example timer_lateness` (with the `io` reactor, the
//! default) or with `--no-default-features` (the condvar parker) to compare the two idle steps.

use std::time::{Duration, Instant};

/// This thread's CPU time so far (Linux: the first field of `/proc/thread-self/schedstat`).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        text.split_whitespace().next()?.parse().ok()?,
    ))
}

fn main() {
    const TIMERS: u32 = 1_000;
    const SPAN: Duration = Duration::from_millis(100);
    let ex = executor::Executor::new();
    let cpu0 = thread_cpu();
    let mut late: Vec<Duration> = ex.block_on(async {
        let start = Instant::now() + Duration::from_millis(5);
        let handles: Vec<_> = (0..TIMERS)
            .map(|i| {
                let deadline = start + SPAN * i / TIMERS;
                executor::spawn(async move {
                    executor::sleep_until(deadline).await;
                    Instant::now() - deadline
                })
            })
            .collect();
        let mut late = Vec::new();
        for h in handles {
            late.push(h.await.unwrap());
        }
        late
    });
    let cpu = thread_cpu().zip(cpu0).map(|(b, a)| b - a);
    late.sort();
    let q = |p: usize| late[(late.len() - 1) * p / 100];
    println!(
        "io feature: {}; {TIMERS} timers over {SPAN:?}: lateness p50 {:?}, p99 {:?}, max {:?}; CPU {:?}",
        cfg!(feature = "io"),
        q(50),
        q(99),
        late[late.len() - 1],
        cpu
    );
}
