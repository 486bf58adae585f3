//! `cargo bench -p bench --bench targets`: ours against the best peer on every workload, with
//! the targets checked, in one table (also written to `bench/results/`).
//!
//! Every comparison is measured interleaved — each round runs every contender once, starting
//! from a different one — and reported as the median over rounds of ours ÷ best peer in the
//! same round (see `bench::rounds`). Memory per pending task and per idle connection is
//! measured in a fresh child process per contender (this binary re-executed, see
//! `bench::exec::memory` and `bench::echo::idle`). The echo rows (`bench::echo::rows`) compare
//! ours with tokio current_thread, the reference, not with the best peer.
//!
//! Set `BENCH_STRICT=1` to exit with status 1 when a target is missed.

use bench::echo::rows::{echo_rows, EchoSizes};
use bench::exec::{memory, ExecContender, TaskKind, TimerPlan};
use bench::machine::{command_line, load_average, Machine};
use bench::measure::ns_per;
use bench::python::{run_script, PyResult};
use bench::queues::QueueContender;
use bench::report::{csv, markdown_table, num, text_table, Row, Target};
use bench::rounds::{compare, interleaved};
use bench::threads::Shape;
use bench::timer_rounds::{Metric, TimerRounds, CONTENDERS};
use std::path::Path;
use std::time::{Duration, Instant};

/// Rounds per comparison: enough for a median to shrug off three disturbed rounds.
const ROUNDS: usize = 7;
// Sizes: each run of one contender takes ~0.05–0.5 s here, so that 7 rounds of everything
// finish in about a minute. Hand-offs cost microseconds each, hence far fewer of them.
const SPAWN_TASKS: u64 = 1_000_000;
const YIELDS: u64 = 1_000_000;
const PENDING_TASKS: usize = 200_000;
const SLEEPING_TASKS: usize = 100_000;
const MEMORY_ROUNDS: usize = 3;
const SPSC_ITEMS: u64 = 1_000_000;
const MPMC_ITEMS: u64 = 400_000;
const HANDOFF_ITEMS: u64 = 20_000;
const TIMER_SPREAD: Duration = Duration::from_millis(100);

const EXECUTORS: [ExecContender; 4] = CONTENDERS;

/// The peers' samples beside their names: every executor after ours (`EXECUTORS[0]`), in
/// `samples`' order.
fn executor_peers(samples: &[Vec<f64>]) -> Vec<(&'static str, &[f64])> {
    EXECUTORS[1..]
        .iter()
        .zip(&samples[1..])
        .map(|(c, s)| (c.name(), &s[..]))
        .collect()
}

fn main() {
    if memory::child_main() || bench::echo::idle::child_main() {
        return;
    }
    let started = Instant::now();
    let header = header();
    println!("{header}");

    let mut rows = Vec::new();
    executor_rows(&mut rows);
    let (echo, echo_throughput) = echo_rows(EchoSizes::TARGETS);
    rows.extend(echo);
    queue_rows(&mut rows);
    let table = text_table(&rows);
    println!("\n{table}");

    let python = python_section(&rows);
    println!("{python}");

    let checked: Vec<bool> = rows.iter().filter_map(Row::met).collect();
    let met = checked.iter().filter(|&&m| m).count();
    let summary = format!(
        "{echo_throughput}\n\n{met} of {} targets met; the run took {:.0} s; load average at \
         the end: {}.",
        checked.len(),
        started.elapsed().as_secs_f64(),
        load_average().unwrap_or_else(|| "unknown".into()),
    );
    println!("{summary}");
    write_results(&header, &rows, &python, &summary);
    if std::env::var_os("BENCH_STRICT").is_some_and(|v| v == "1") && met < checked.len() {
        std::process::exit(1);
    }
}

fn progress(what: &str) {
    eprintln!("[targets] {what} ({ROUNDS} interleaved rounds)…");
}

/// A row comparing `ours` with the best of `peers` (name, samples), one sample per round.
fn ratio_row(
    key: &'static str,
    workload: &str,
    unit: &'static str,
    ours: &[f64],
    peers: &[(&str, &[f64])],
    target: Target,
) -> Row {
    let samples: Vec<Vec<f64>> = peers.iter().map(|(_, s)| s.to_vec()).collect();
    let c = compare(ours, &samples);
    Row {
        key,
        workload: workload.to_string(),
        ours: c.ours,
        unit,
        peer: Some((peers[c.best_peer].0.to_string(), c.best)),
        ratio: Some(c.ratio),
        target,
    }
}

/// Ours (first contender) against the others, for a workload reported in ns per operation.
fn exec_row(
    key: &'static str,
    workload: &str,
    unit: &'static str,
    run: impl Fn(ExecContender) -> f64,
    target: Target,
) -> Row {
    progress(workload);
    let samples = interleaved(&EXECUTORS, ROUNDS, run);
    let peers = executor_peers(&samples);
    ratio_row(key, workload, unit, &samples[0], &peers, target)
}

fn executor_rows(rows: &mut Vec<Row>) {
    rows.push(exec_row(
        "spawn_await",
        "spawn+await 1M trivial tasks",
        "ns/task",
        |c| ns_per(c.spawn_await(SPAWN_TASKS), SPAWN_TASKS),
        Target::RatioAtMost(0.75),
    ));
    rows.push(exec_row(
        "yield",
        "one task yielding 1M times",
        "ns/yield",
        |c| ns_per(c.yield_many(YIELDS), YIELDS),
        Target::RatioAtMost(1.0),
    ));
    timer_rows(rows);
    for (kind, key, workload, n, target) in [
        (
            TaskKind::Sleeping,
            "sleeping_task_memory",
            "memory per sleeping task (100k tasks, each awaiting a 500 ms sleep)",
            SLEEPING_TASKS,
            Target::ValueAndRatioAtMost(128.0, 1.0),
        ),
        (
            TaskKind::Pending,
            "pending_task_memory",
            "memory per pending task (200k tasks, no waker held)",
            PENDING_TASKS,
            Target::Info,
        ),
    ] {
        eprintln!(
            "[targets] memory per {} task ({MEMORY_ROUNDS} rounds, a child process each)…",
            kind.name()
        );
        let samples = interleaved(&EXECUTORS, MEMORY_ROUNDS, |c| {
            memory::bytes_per_task(c, kind, n).unwrap_or_else(|e| {
                eprintln!("{e}");
                f64::NAN
            })
        });
        let peers = executor_peers(&samples);
        rows.push(ratio_row(
            key,
            workload,
            "bytes/task",
            &samples[0],
            &peers,
            target,
        ));
    }
}

/// The timer rows, every peer with its usual timer. The workload (each task sleeps its
/// offset from its own first poll, no lead) carries the targets: at 100k, p50, p99 and wall
/// time at most the best peer's; at 1k, p50 at most 50 µs. The fair plan (a lead scaled with
/// the count) shows how the timers fire once the setup is over.
fn timer_rows(rows: &mut Vec<Row>) {
    const CHECKED: Target = Target::RatioAtMost(1.0);
    let plans: [(&'static str, TimerPlan, &str, MetricTargets); 3] = [
        (
            "timers_1k",
            TimerPlan::from_first_poll(1_000, TIMER_SPREAD),
            "1k timers over 100 ms, the issue's (sleep from first poll, no lead)",
            &[
                (Metric::P50, Target::ValueAtMost(50.0)),
                (Metric::P99, Target::Info),
                (Metric::Cpu, Target::Info),
            ],
        ),
        (
            "timers_100k",
            TimerPlan::from_first_poll(100_000, TIMER_SPREAD),
            "100k timers over 100 ms, the issue's (sleep from first poll, no lead)",
            &[
                (Metric::P50, CHECKED),
                (Metric::P99, CHECKED),
                (Metric::Wall, CHECKED),
                (Metric::NsPerTimer, Target::Info),
            ],
        ),
        (
            "timers_100k_fair",
            TimerPlan::fair(100_000, TIMER_SPREAD),
            "100k timers over 100 ms, fair (setup done before the first deadline)",
            &[
                (Metric::P50, Target::Info),
                (Metric::P99, Target::Info),
                (Metric::NsPerTimer, Target::Info),
            ],
        ),
    ];
    for (key, plan, label, metrics) in plans {
        progress(label);
        let measured = TimerRounds::measure(plan, ROUNDS);
        if measured.ours_early() > 0 {
            eprintln!(
                "[targets] WARNING: {} of our timers fired early",
                measured.ours_early()
            );
        }
        for &(metric, target) in metrics {
            let samples = measured.samples(metric);
            let peers = executor_peers(&samples);
            rows.push(ratio_row(
                timer_key(key, metric),
                &format!("{label}: {}", metric.name()),
                metric.unit(),
                &samples[0],
                &peers,
                target,
            ));
        }
    }
}

/// The metrics a timer plan reports, each with its target.
type MetricTargets = &'static [(Metric, Target)];

/// The CSV key of a timer row (the Python script reports `timers_1k_lateness_p50`).
fn timer_key(plan: &'static str, metric: Metric) -> &'static str {
    match (plan, metric) {
        ("timers_1k", Metric::P50) => "timers_1k_lateness_p50",
        ("timers_1k", Metric::P99) => "timers_1k_lateness_p99",
        ("timers_1k", _) => "timers_1k_cpu",
        ("timers_100k", Metric::P50) => "timers_100k_lateness_p50",
        ("timers_100k", Metric::P99) => "timers_100k_lateness_p99",
        ("timers_100k", Metric::Wall) => "timers_100k_wall",
        ("timers_100k", _) => "timers_100k_cpu_per_timer",
        (_, Metric::P50) => "timers_100k_fair_lateness_p50",
        (_, Metric::P99) => "timers_100k_fair_lateness_p99",
        _ => "timers_100k_fair_cpu_per_timer",
    }
}

fn queue_rows(rows: &mut Vec<Row>) {
    use QueueContender::*;
    let contenders = [Ours, OursBatch, Std, Crossbeam, Flume];
    let shapes = [
        (Shape::SPSC_1024, SPSC_ITEMS, "SPSC cap 1024"),
        (Shape::MPMC_4X4_64, MPMC_ITEMS, "MPMC 4×4 cap 64"),
        (Shape::HANDOFF_1, HANDOFF_ITEMS, "SPSC cap 1 (hand-off)"),
    ];
    for (shape, items, label) in shapes {
        // A capacity-1 queue never holds a batch: `get_batch` would only add overhead there.
        let contenders: Vec<_> = contenders
            .into_iter()
            .filter(|&c| c != OursBatch || shape.capacity > 1)
            .collect();
        progress(&format!("{label}, {items} items"));
        let samples = interleaved(&contenders, ROUNDS, |c| {
            ns_per(c.transfer(shape, items), items)
        });
        let of = |c: QueueContender| &samples[contenders.iter().position(|&x| x == c).unwrap()][..];
        let peers: Vec<(&str, &[f64])> = QueueContender::PEERS
            .iter()
            .map(|&c| (c.name(), of(c)))
            .collect();
        let std_only = [(Std.name(), of(Std))];
        let (key, target, reference): (&'static str, _, &[_]) = match shape {
            Shape::SPSC_1024 => ("spsc_cap1024", Target::RatioAtMost(1.0), &std_only),
            Shape::MPMC_4X4_64 => ("mpmc_4x4_cap64", Target::RatioAtMost(0.8), &peers),
            _ => ("spsc_cap1", Target::RatioAtMost(0.5), &peers),
        };
        rows.push(ratio_row(
            key,
            label,
            "ns/item",
            of(Ours),
            reference,
            target,
        ));
        if shape.capacity > 1 {
            let workload = format!("{label}, ours with get_batch");
            rows.push(ratio_row(
                "",
                &workload,
                "ns/item",
                of(OursBatch),
                reference,
                Target::Info,
            ));
        }
    }
}

/// Runs both Python scripts and lays their results next to ours (same workload keys).
fn python_section(rows: &[Row]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let version = command_line("python3", &["-V"]).unwrap_or_else(|| "no python3".into());
    let mut out = format!(
        "Python ({version}): the same workloads at a smaller n (Python is slower); \
         ours at the Rust sizes above.\n\n| workload | Python | n | ours | Python ÷ ours |\n|---|---|---|---|---|\n"
    );
    for script in ["asyncio_bench.py", "queue_bench.py"] {
        eprintln!("[targets] python3 {script}…");
        match run_script(&dir.join(script), Duration::from_secs(90)) {
            Ok(results) => results.iter().for_each(|r| out += &python_line(r, rows)),
            Err(why) => out += &format!("| {script} | {why} | | | |\n"),
        }
    }
    out
}

fn python_line(r: &PyResult, rows: &[Row]) -> String {
    let ours = rows.iter().find(|row| row.key == r.workload);
    let (ours_cell, times) = match ours {
        Some(row) if row.ours > 0.0 => (
            format!("{} {}", num(row.ours), row.unit),
            format!("{}×", num(r.value / row.ours)),
        ),
        _ => ("—".to_string(), "—".to_string()),
    };
    // The scripts print plain ASCII ("us") so that no locale can garble them.
    let unit = if r.unit == "us" { "µs" } else { &r.unit };
    let (workload, value, n) = (&r.workload, num(r.value), r.n);
    format!("| {workload} | {value} {unit} | {n} | {ours_cell} | {times} |\n")
}

fn header() -> String {
    format!(
        "# Targets: ours vs the best peer\n\n{}\
         - method: {ROUNDS} interleaved rounds per workload (memory: {MEMORY_ROUNDS}, one child \
         process each); values are medians over rounds, ratio = median of per-round ours ÷ best \
         peer (lower is better everywhere)\n\
         - sizes: {SPAWN_TASKS} spawns (batches of {}), {YIELDS} yields, {PENDING_TASKS} pending \
         tasks, {SLEEPING_TASKS} sleeping tasks, {SPSC_ITEMS} SPSC items, {MPMC_ITEMS} MPMC \
         items, {HANDOFF_ITEMS} hand-offs; timers spread over 100 ms, one task each, every peer \
         with its usual timer (see `examples/timers`); echo: {} connections × {} round trips \
         ({} rounds after a small warm-up, ours ÷ tokio current_thread), {} idle connections ({} \
         rounds)",
        Machine::detect().to_markdown(),
        bench::exec::SPAWN_BATCH,
        EchoSizes::TARGETS.plan.connections,
        EchoSizes::TARGETS.plan.round_trips,
        EchoSizes::TARGETS.rounds,
        EchoSizes::TARGETS.idle_connections,
        EchoSizes::TARGETS.memory_rounds,
    )
}

fn write_results(header: &str, rows: &[Row], python: &str, summary: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let md = format!(
        "{header}\n\n{}\n{python}\n{summary}\n",
        markdown_table(rows)
    );
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("targets.md"), md))
        .and_then(|()| std::fs::write(dir.join("targets.csv"), csv(rows)));
    match written {
        Ok(()) => println!("results written to {}", dir.display()),
        Err(e) => eprintln!("could not write results to {}: {e}", dir.display()),
    }
}
