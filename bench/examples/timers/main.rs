//! Timers at scale and memory per sleeping task: ours against every peer with its usual timer
//! (tokio's own; async-executor with async-io's `Timer` under `async_io::block_on`; futures'
//! `LocalPool` with futures-timer), in interleaved rounds (`bench::rounds`), medians, and the
//! ratio of ours to the best peer on each metric. Writes `bench/results/timers.md` and the
//! scaling plot `bench/results/timers.svg`.
//!
//! ```text
//! cargo run --release -p bench --example timers [-- --counts 1000,100000] [--rounds 5]
//!     [--plans start,first-poll,fair] [--no-memory] [--no-write]
//! cargo run --release -p bench --example timers -- --replot   # redraw the plot from timers.md
//! ```
//!
//! Three plans, each `n` timers spread over 100 ms, one task per timer awaiting its own sleep:
//! - `start`: deadlines from one instant taken before the first spawn, no lead;
//! - `first-poll`: each task sleeps its offset from its own first poll (`sleep(d)` in the task);
//! - `fair`: like `start` after a lead of 50 ms + 3 µs per timer, so that every contender has
//!   spawned and first-polled everything before the first deadline.
//!
//! In the first two, a timer due while tasks are still being spawned or first-polled waits for
//! the rest of the setup: their lateness measures setup and firing order together. At a million
//! timers only `fair` runs (the setup takes longer than the spread), in at most 3 rounds, and
//! its lateness is not plotted: firing a million timers takes every contender longer than
//! 100 ms, so what is left to compare there is the cost per timer. `first-poll` is the workload
//! that reproduces the issue's figures (the README's "Timers at scale").
//! Default: counts 1 000, 10 000, 100 000, 1 000 000; 5 rounds; all three plans; memory per
//! pending and per sleeping task (100 000 tasks, 3 rounds of one child process each).

mod plot;

use bench::exec::{memory, ExecContender, TaskKind, TimerPlan};
use bench::machine::{load_average, Machine};
use bench::report::num;
use bench::rounds::{compare, interleaved};
use bench::stats::median;
use bench::timer_rounds::{Metric, TimerRounds, CONTENDERS};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const SPREAD: Duration = Duration::from_millis(100);
const MEMORY_TASKS: usize = 100_000;
const MEMORY_ROUNDS: usize = 3;
/// Above this count only the fair plan runs, in at most [`BIG_ROUNDS`] rounds.
const LATENESS_MAX_COUNT: usize = 100_000;
const BIG_ROUNDS: usize = 3;

/// Which [`TimerPlan`] a section measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PlanKind {
    Start,
    FirstPoll,
    Fair,
}

impl PlanKind {
    const ALL: [PlanKind; 3] = [PlanKind::Start, PlanKind::FirstPoll, PlanKind::Fair];

    fn name(self) -> &'static str {
        match self {
            PlanKind::Start => "start",
            PlanKind::FirstPoll => "first-poll",
            PlanKind::Fair => "fair",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            PlanKind::Start => "deadlines from a start taken before spawning, no lead",
            PlanKind::FirstPoll => "each task sleeps its offset from its own first poll",
            PlanKind::Fair => "deadlines after a lead of 50 ms + 3 µs per timer",
        }
    }

    fn plan(self, n: usize) -> TimerPlan {
        match self {
            PlanKind::Start => TimerPlan::from_start(n, SPREAD),
            PlanKind::FirstPoll => TimerPlan::from_first_poll(n, SPREAD),
            PlanKind::Fair => TimerPlan::fair(n, SPREAD),
        }
    }
}

struct Args {
    counts: Vec<usize>,
    rounds: usize,
    plans: Vec<PlanKind>,
    memory: bool,
    write: bool,
    replot: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        counts: vec![1_000, 10_000, 100_000, 1_000_000],
        rounds: 5,
        plans: PlanKind::ALL.to_vec(),
        memory: true,
        write: true,
        replot: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--counts" => {
                args.counts = (value().split(','))
                    .map(|c| {
                        c.trim()
                            .replace('_', "")
                            .parse()
                            .unwrap_or_else(|_| usage(c))
                    })
                    .collect()
            }
            "--rounds" => args.rounds = value().parse().unwrap_or_else(|_| usage("--rounds")),
            "--plans" => {
                args.plans = (value().split(','))
                    .map(|p| {
                        let found = PlanKind::ALL.into_iter().find(|k| k.name() == p.trim());
                        found.unwrap_or_else(|| usage(p))
                    })
                    .collect()
            }
            "--no-memory" => args.memory = false,
            "--no-write" => args.write = false,
            "--replot" => args.replot = true,
            other => usage(other),
        }
    }
    if args.rounds == 0 || args.counts.contains(&0) {
        usage("rounds and counts must be at least 1");
    }
    args
}

fn usage(what: &str) -> ! {
    eprintln!(
        "bad argument: {what}\nusage: timers [--counts 1000,100000] [--rounds N] \
         [--plans start,first-poll,fair] [--no-memory] [--no-write] | --replot"
    );
    std::process::exit(2)
}

/// The medians of one (plan, count) section, for the plot: `medians[metric][contender]`.
struct Point {
    plan: PlanKind,
    count: usize,
    medians: Vec<Vec<f64>>,
}

fn main() {
    if memory::child_main() {
        return;
    }
    let args = parse_args();
    if args.replot {
        return replot();
    }
    let started = Instant::now();
    let mut out = format!(
        "# Timers at scale: ours vs every peer with its usual timer\n\n{}\
         - method: per (plan, count), every contender once per round (a discarded warm-up, \
         then {} rounds rotating who goes first; {BIG_ROUNDS} above {LATENESS_MAX_COUNT} \
         timers); medians over rounds; ratio = median of per-round ours ÷ best peer on that \
         metric (lower is better)\n\
         - peers: tokio current_thread + `LocalSet` + `tokio::time::sleep_until`; async-executor \
         `LocalExecutor` + async-io `Timer::at` under `async_io::block_on`; futures `LocalPool` + \
         futures-timer `Delay`\n\
         - workload: n tasks, each awaiting its own timer, deadlines spread uniformly over \
         100 ms; lateness = wake time − deadline; CPU = the executor thread's CPU time \
         (`/proc/thread-self/schedstat`), per timer = CPU ÷ n\n\n",
        Machine::detect().to_markdown(),
        args.rounds,
    );
    let mut points = Vec::new();
    for &kind in &args.plans {
        let _ = writeln!(out, "## Plan `{}`: {}\n", kind.name(), kind.describe());
        for &count in &args.counts {
            if count > LATENESS_MAX_COUNT && kind != PlanKind::Fair {
                continue;
            }
            let rounds = if count > LATENESS_MAX_COUNT {
                args.rounds.min(BIG_ROUNDS)
            } else {
                args.rounds
            };
            eprintln!("[timers] {} × {count}, {rounds} rounds…", kind.name());
            let measured = TimerRounds::measure(kind.plan(count), rounds);
            let section = section_table(&measured, count);
            print!("{section}");
            out += &section;
            let medians = Metric::ALL.map(|m| measured.medians(m)).to_vec();
            points.push(Point {
                plan: kind,
                count,
                medians,
            });
        }
    }
    if args.memory {
        let section = memory_table();
        print!("{section}");
        out += &section;
    }
    let summary = format!(
        "The run took {:.0} s; load average at the end: {}.\n",
        started.elapsed().as_secs_f64(),
        load_average().unwrap_or_else(|| "unknown".into())
    );
    print!("{summary}");
    out += &summary;
    if args.write {
        write_results(&out, &points);
    }
}

/// One (plan, count) section: a row per metric, a column per contender, the ratio to the best
/// peer last.
fn section_table(measured: &TimerRounds, count: usize) -> String {
    let names: Vec<&str> = CONTENDERS.iter().map(|c| c.name()).collect();
    let mut out = format!(
        "**{count} timers** (lead {:?})\n\n| metric | {} | ours ÷ best peer |\n|---|{}---|\n",
        measured.plan.lead,
        names.join(" | "),
        "---:|".repeat(names.len())
    );
    for metric in Metric::ALL {
        let medians = measured.medians(metric);
        let c = measured.compare(metric);
        let cells: Vec<String> = medians.iter().map(|&v| num(v)).collect();
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {}× ({}) |",
            metric.name(),
            metric.unit(),
            cells.join(" | "),
            num(c.ratio),
            names[1 + c.best_peer]
        );
    }
    if count > LATENESS_MAX_COUNT {
        out += "\nAt this count firing the timers takes longer than their 100 ms spread (see the \
                CPU time): lateness measures that backlog; the cost per timer is the row to read.\n";
    }
    let early = measured.ours_early();
    if early > 0 {
        let _ = writeln!(out, "\nWARNING: {early} of our timers fired early.");
    }
    out + "\n"
}

/// Bytes per pending and per sleeping task, every contender, a child process per sample.
fn memory_table() -> String {
    let names: Vec<&str> = CONTENDERS.iter().map(|c| c.name()).collect();
    let mut out = format!(
        "## Memory per task ({MEMORY_TASKS} tasks, RSS growth in a fresh child process, \
         {MEMORY_ROUNDS} rounds)\n\n| task | {} | ours ÷ best peer |\n|---|{}---|\n",
        names.join(" | "),
        "---:|".repeat(names.len())
    );
    for (kind, label) in [
        (TaskKind::Sleeping, "sleeping (awaiting a 500 ms sleep)"),
        (TaskKind::Pending, "pending (no waker held)"),
    ] {
        eprintln!("[timers] memory per {} task…", kind.name());
        let samples = interleaved(&CONTENDERS, MEMORY_ROUNDS, |c: ExecContender| {
            memory::bytes_per_task(c, kind, MEMORY_TASKS).unwrap_or_else(|e| {
                eprintln!("{e}");
                f64::NAN
            })
        });
        let c = compare(&samples[0], &samples[1..]);
        let cells: Vec<String> = samples
            .iter()
            .map(|s| format!("{} B", num(median(s).unwrap_or(f64::NAN))))
            .collect();
        let _ = writeln!(
            out,
            "| {label} | {} | {}× ({}) |",
            cells.join(" | "),
            num(c.ratio),
            names[1 + c.best_peer]
        );
    }
    out + "\n"
}

fn write_results(md: &str, points: &[Point]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let md = format!("{md}\nThe plot: `timers.svg` beside this file.\n");
    let written =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join("timers.md"), md));
    if let Err(e) = written {
        eprintln!("could not write {}: {e}", dir.display());
        return;
    }
    match plot::scaling(points, &dir.join("timers.svg")) {
        Ok(()) => println!("results written to {}", dir.display()),
        Err(e) => eprintln!("could not draw the plot: {e}"),
    }
}

/// Redraws `timers.svg` from the tables of `timers.md` (as this example wrote them), without
/// measuring again.
fn replot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let md = std::fs::read_to_string(dir.join("timers.md")).unwrap_or_else(|e| {
        eprintln!("cannot read {}/timers.md: {e}", dir.display());
        std::process::exit(1)
    });
    let mut points: Vec<Point> = Vec::new();
    let mut plan = None;
    for line in md.lines() {
        if let Some(rest) = line.strip_prefix("## Plan `") {
            plan = PlanKind::ALL
                .into_iter()
                .find(|k| rest.starts_with(k.name()));
        } else if let Some(rest) = line.strip_prefix("**") {
            let count = rest.split_whitespace().next().and_then(|c| c.parse().ok());
            if let (Some(plan), Some(count)) = (plan, count) {
                let medians = vec![vec![f64::NAN; CONTENDERS.len()]; Metric::ALL.len()];
                points.push(Point {
                    plan,
                    count,
                    medians,
                });
            }
        } else if let (Some(point), Some(row)) = (points.last_mut(), line.strip_prefix("| ")) {
            let cells: Vec<&str> = row.split(" | ").collect();
            let metric = Metric::ALL
                .iter()
                .position(|m| cells[0] == format!("{} ({})", m.name(), m.unit()));
            if let (Some(m), true) = (metric, cells.len() > CONTENDERS.len()) {
                for (c, cell) in cells[1..=CONTENDERS.len()].iter().enumerate() {
                    point.medians[m][c] = cell.trim().parse().unwrap_or(f64::NAN);
                }
            }
        }
    }
    match plot::scaling(&points, &dir.join("timers.svg")) {
        Ok(()) => println!(
            "{} points redrawn into {}/timers.svg",
            points.len(),
            dir.display()
        ),
        Err(e) => eprintln!("could not draw the plot: {e}"),
    }
}
