//! Timers at scale, ours only: N tasks, each awaiting its own `sleep_until(start + i·span/N)`;
//! prints the p50/p99 lateness (wake − deadline) and its "excess" — the part left after what the
//! setup forced (a task first polled after its deadline is late by that much on any executor) —
//! the time the spawn loop took, the wall time and the executor thread's CPU time per timer
//! (setup included; spinning before a deadline counts too).
//!
//! Three shapes per N: `start` taken **before** the spawns with no lead (what the obvious user
//! program does: the setup eats into the first deadlines); with a lead of 2·N µs + 5 ms that
//! keeps the setup out of the measurement; and `start` taken when the spawns are done, each
//! task reading its deadline at its first poll (the first polls overlap the first deadlines:
//! how the tick handles timers coming due while it runs).
//!
//! ```text
//! cargo run --release -p executor --example timers_at_scale              # N = 1k, 100k, 1M
//! cargo run --release -p executor --example timers_at_scale -- 100000    # one N
//! ```

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

const SPAN: Duration = Duration::from_millis(100);

/// This thread's CPU time so far (Linux: the first field of `/proc/thread-self/schedstat`).
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text.split_whitespace().next().and_then(|t| t.parse().ok());
    Duration::from_nanos(ns.unwrap_or(0))
}

/// One timer's outcome: how late it woke, and how much of that the setup forced (its task was
/// first polled only after its deadline: no executor could have woken it in time).
struct Outcome {
    late: Duration,
    forced: Duration,
}

/// When the span starts.
#[derive(Clone, Copy)]
enum Start {
    /// `lead` after the moment main starts spawning (the deadlines are fixed at spawn).
    BeforeSpawns(Duration),
    /// When main is done spawning: every task reads its deadline at its first poll, so the
    /// first polls run while the first deadlines come due (what the tick does with timers that
    /// come due during a long tick, with nothing forced by the setup).
    AfterSpawns,
}

fn run(n: u32, shape: Start) -> (Vec<Outcome>, Duration, Duration, Duration) {
    let ex = executor::Executor::new();
    let cpu0 = thread_cpu();
    let t0 = Instant::now();
    let (outcomes, spawned) = ex.block_on(async {
        let start = Rc::new(Cell::new(Instant::now()));
        if let Start::BeforeSpawns(lead) = shape {
            start.set(start.get() + lead);
        }
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let start = start.clone();
                executor::spawn(async move {
                    let deadline = start.get() + SPAN * i / n;
                    let first_poll = Instant::now();
                    executor::sleep_until(deadline).await;
                    Outcome {
                        late: Instant::now().saturating_duration_since(deadline),
                        forced: first_poll.saturating_duration_since(deadline),
                    }
                })
            })
            .collect();
        let spawned = t0.elapsed();
        if let Start::AfterSpawns = shape {
            start.set(Instant::now());
        }
        let mut outcomes = Vec::with_capacity(n as usize);
        for h in handles {
            outcomes.push(h.await.unwrap());
        }
        (outcomes, spawned)
    });
    let wall = t0.elapsed();
    (outcomes, spawned, wall, thread_cpu().saturating_sub(cpu0))
}

fn report(n: u32, shape: Start) {
    let (outcomes, spawned, wall, cpu) = run(n, shape);
    let mut late: Vec<Duration> = outcomes.iter().map(|o| o.late).collect();
    if std::env::var_os("BY_INDEX").is_some() {
        // Lateness and excess of the timers i = 0, n/10, 2n/10, ... (deadline order), in µs.
        let at = |k: usize| &outcomes[k * outcomes.len() / 10];
        let show = |f: &dyn Fn(&Outcome) -> Duration| -> String {
            let v: Vec<String> = (0..10)
                .map(|k| format!("{:.0}", f(at(k)).as_secs_f64() * 1e6))
                .collect();
            v.join(" ")
        };
        println!("  by decile: late {}", show(&|o| o.late));
        println!("  by decile: excess {}", show(&|o| o.late - o.forced));
    }
    // The executor's share of the lateness: what is left after the setup's forced part.
    let mut excess: Vec<Duration> = outcomes.iter().map(|o| o.late - o.forced).collect();
    late.sort();
    excess.sort();
    let q = |v: &[Duration], p: usize| v[(v.len() - 1) * p / 100].as_secs_f64() * 1e6;
    println!(
        "n {n:>8} {:<22}: late p50 {:>8.1} p99 {:>8.1} us | excess p50 {:>7.1} p99 {:>8.1} \
         us | spawns {:>6.1} ms wall {:>7.1} ms CPU/timer {:>4.0} ns",
        match shape {
            Start::BeforeSpawns(lead) => format!("lead {:.0} ms", lead.as_secs_f64() * 1e3),
            Start::AfterSpawns => "start after the spawns".to_string(),
        },
        q(&late, 50),
        q(&late, 99),
        q(&excess, 50),
        q(&excess, 99),
        spawned.as_secs_f64() * 1e3,
        wall.as_secs_f64() * 1e3,
        cpu.as_nanos() as f64 / f64::from(n),
    );
}

fn main() {
    let sizes: Vec<u32> = match std::env::args().nth(1) {
        Some(n) => vec![n.parse().expect("N: a number of timers")],
        None => vec![1_000, 100_000, 1_000_000],
    };
    for &n in &sizes {
        report(n, Start::BeforeSpawns(Duration::ZERO));
        let lead = Duration::from_micros(2 * u64::from(n)) + Duration::from_millis(5);
        report(n, Start::BeforeSpawns(lead));
        report(n, Start::AfterSpawns);
    }
}
