//! The echo rows of the target table, shared by `benches/targets.rs` and `examples/echo.rs`:
//! rotated rounds of every contender, ratios ours ÷ tokio current_thread (the issue's
//! reference) with the targets, and ours ÷ a thread per connection for context.

use super::{idle, EchoContender, EchoPlan, EchoRun};
use crate::report::{num, Row, Target};
use crate::rounds::{compare, per_round_ratios, rotated};
use crate::stats::{median, percentile};

/// The sizes and round counts of the echo rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchoSizes {
    /// The throughput and CPU workload.
    pub plan: EchoPlan,
    /// Rounds of it, the starting contender rotating (after a small warm-up per contender).
    pub rounds: usize,
    /// Connections held idle for the memory rows.
    pub idle_connections: usize,
    /// Rounds of the memory rows (a fresh child process per contender and round).
    pub memory_rounds: usize,
    /// Whether a thread per connection runs too. It costs: 1 000 runnable threads per run,
    /// slower than the others, and 10 000 threads in its memory child.
    pub threads: bool,
}

impl EchoSizes {
    /// The issue's workload (1 000 connections × 100 round trips; 10 000 idle connections),
    /// ours and tokio only. Twelve rounds: one round's ratio swings by ±10% with the machine
    /// (the kernel's loopback path is most of either server's CPU), so a median of three could
    /// not tell a 5% difference from none (`docs/decisions.md`, "the echo rows' resolution").
    /// The echo rows take about a minute.
    pub const TARGETS: EchoSizes = EchoSizes {
        plan: EchoPlan {
            connections: 1_000,
            round_trips: 100,
        },
        rounds: 12,
        idle_connections: 10_000,
        memory_rounds: 2,
        threads: false,
    };
}

/// The warm-up run per contender: pages the code in, costs a fraction of a real run.
const WARM_UP: EchoPlan = EchoPlan {
    connections: 100,
    round_trips: 10,
};

/// Measures and returns the echo rows, plus a line of plain throughput (round trips/s,
/// medians) and of the per-round ratios' spread, for the README. A failed run is reported on
/// stderr and counts as NaN (its ratio then reads NaN and the target MISSED).
pub fn echo_rows(sizes: EchoSizes) -> (Vec<Row>, String) {
    let all: &[EchoContender] = if sizes.threads {
        &EchoContender::ALL
    } else {
        &EchoContender::ALL[..2]
    };
    let plan = sizes.plan;
    eprintln!(
        "[echo] {} connections × {} round trips ({} rounds)…",
        plan.connections, plan.round_trips, sizes.rounds
    );
    for &c in all {
        if let Err(e) = c.echo(WARM_UP) {
            eprintln!("[echo] warm-up, {}: {e}", c.name());
        }
    }
    let runs: Vec<Vec<Option<EchoRun>>> = rotated(all, sizes.rounds, |c| {
        c.echo(plan)
            .map_err(|e| eprintln!("[echo] {}: {e}", c.name()))
            .ok()
    });
    let metric = |f: &dyn Fn(&EchoRun) -> f64| -> Vec<Vec<f64>> {
        runs.iter()
            .map(|per| per.iter().map(|r| r.as_ref().map_or(f64::NAN, f)).collect())
            .collect()
    };
    let ns_per_trip = metric(&|r| r.wall.as_nanos() as f64 / plan.total() as f64);
    let cpu_ms = metric(&|r| r.server_cpu.as_secs_f64() * 1e3);
    let client_cpu_ms = metric(&|r| r.client_cpu.as_secs_f64() * 1e3);
    let per_sec = metric(&|r| r.round_trips_per_sec(plan));

    let n = sizes.idle_connections;
    eprintln!(
        "[echo] memory per idle connection, {n} connections ({} rounds, a child process each)…",
        sizes.memory_rounds
    );
    let bytes = rotated(all, sizes.memory_rounds, |c| {
        idle::bytes_per_idle_connection(c, n).unwrap_or_else(|e| {
            eprintln!("[echo] {e}");
            f64::NAN
        })
    });

    let shape = format!(
        "echo {} conns × {} round trips of {} B",
        plan.connections,
        plan.round_trips,
        super::MESSAGE
    );
    let tokio = (1, EchoContender::Tokio.name());
    let mut rows = vec![
        row(
            "echo_throughput",
            format!("{shape}: wall per round trip (= 1 ÷ throughput)"),
            "ns/trip",
            &ns_per_trip,
            tokio,
            Target::RatioAtMost(1.0),
        ),
        row(
            "echo_cpu",
            format!("{shape}: server CPU time"),
            "ms",
            &cpu_ms,
            tokio,
            Target::RatioAtMost(1.0),
        ),
        row(
            "",
            format!("{shape}: the clients' CPU time (same client code)"),
            "ms",
            &client_cpu_ms,
            tokio,
            Target::Info,
        ),
        row(
            "echo_idle_memory",
            format!("memory per idle connection ({n} connections)"),
            "bytes/conn",
            &bytes,
            tokio,
            Target::RatioAtMost(1.0),
        ),
    ];
    if sizes.threads {
        let threads = (2, EchoContender::Threads.name());
        rows.extend([
            row(
                "",
                format!("{shape}: wall per round trip, vs threads"),
                "ns/trip",
                &ns_per_trip,
                threads,
                Target::Info,
            ),
            row(
                "",
                format!("{shape}: server CPU time, vs threads"),
                "ms",
                &cpu_ms,
                threads,
                Target::Info,
            ),
            row(
                "",
                format!("memory per idle connection ({n} connections), vs threads"),
                "bytes/conn",
                &bytes,
                threads,
                Target::Info,
            ),
        ]);
    }
    let throughput: Vec<String> = all
        .iter()
        .zip(&per_sec)
        .map(|(c, s)| {
            let m = median(s).unwrap_or(f64::NAN);
            format!("{} {} round trips/s", c.name(), num(m))
        })
        .collect();
    let spread = format!(
        "Per-round ratios ours ÷ tokio over {} rounds: wall {}, server CPU {}.",
        sizes.rounds,
        spread(&ns_per_trip[0], &ns_per_trip[1]),
        spread(&cpu_ms[0], &cpu_ms[1]),
    );
    (
        rows,
        format!("Throughput (medians): {}. {spread}", throughput.join(", ")),
    )
}

/// The quartiles of the per-round ratios `ours[i] ÷ peer[i]` and how many rounds ours won:
/// how far one round's ratio is from the median's verdict.
///
/// ```
/// use bench::echo::rows::spread;
/// let ours = [1.0, 2.0, 3.0, 4.0];
/// let peer = [2.0, 2.0, 2.0, 2.0];
/// assert_eq!(spread(&ours, &peer), "quartiles 0.50–1.50×, under 1.0 in 1 of 4");
/// ```
pub fn spread(ours: &[f64], peer: &[f64]) -> String {
    let ratios = per_round_ratios(ours, peer);
    let q = |p| percentile(&ratios, p).unwrap_or(f64::NAN);
    let won = ratios.iter().filter(|&&r| r < 1.0).count();
    format!(
        "quartiles {:.2}–{:.2}×, under 1.0 in {won} of {}",
        q(25.0),
        q(75.0),
        ratios.len()
    )
}

/// Ours (samples[0]) against the contender `peer` = (index into samples, name).
fn row(
    key: &'static str,
    workload: String,
    unit: &'static str,
    samples: &[Vec<f64>],
    (peer, name): (usize, &str),
    target: Target,
) -> Row {
    let c = compare(&samples[0], &samples[peer..=peer]);
    Row {
        key,
        workload,
        ours: c.ours,
        unit,
        peer: Some((name.to_string(), c.best)),
        ratio: Some(c.ratio),
        target,
    }
}
