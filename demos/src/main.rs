//! The tour: `cargo run --release -p demos`.
//!
//! It runs the article's two examples (short form), then one experiment per claim the article
//! makes without measuring it — each in its own module, as a function named after the claim:
//!
//! | claim                                  | function                      |
//! |----------------------------------------|-------------------------------|
//! | asyncio is "very lightweight"          | `lightweight::lightweight`    |
//! | queues "enable more parallelism"       | `parallelism::parallelism`    |
//! | asyncio is "more fine-grained"         | `granularity::granularity`    |
//!
//! Results go to stdout as tables; progress goes to stderr; `--out DIR` also writes CSV, JSON
//! and an SVG plot per experiment. `--help` lists the flags.
#![forbid(unsafe_code)]

mod cli;
mod granularity;
mod lightweight;
mod parallelism;
mod plot;
mod procfs;
mod progress;
mod report;

// The two example programs are binaries of their own (`src/bin/`), so a reader finds each one
// whole in one file. The tour includes the same files as modules to run them in-process: one
// source, no copy that could drift from the binaries the parity tests check.
#[path = "bin/async_fetch.rs"]
mod async_fetch;
#[path = "bin/queue_workers.rs"]
mod queue_workers;

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cli::{Command, Options, Part, Sizes};
use report::Table;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Hidden: the lightweight experiment runs each contender in a child process of this binary.
    if let [flag, experiment, rest @ ..] = args.as_slice() {
        if flag == "--child" && experiment == "lightweight" {
            lightweight::child_main(rest);
            return ExitCode::SUCCESS;
        }
    }
    match cli::parse(args) {
        Ok(Command::Help) => {
            println!("{}", cli::HELP);
            ExitCode::SUCCESS
        }
        Ok(Command::Tour(options)) => match tour(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demos: {e}");
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("demos: {message}");
            ExitCode::from(2)
        }
    }
}

fn tour(options: &Options) -> std::io::Result<()> {
    let started = Instant::now();
    let full = options.sizes == Sizes::Full;
    if let Some(dir) = &options.out {
        std::fs::create_dir_all(dir)?;
    }
    let machine = machine();
    println!(
        "demos — {}",
        machine
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !cfg!(debug_assertions) || !full {
        println!();
    } else {
        println!(
            "(a debug build: timings are not representative; use `cargo run --release -p demos`)\n"
        );
    }

    if options.wants(Part::Examples) {
        examples();
    }
    if options.wants(Part::Lightweight) {
        let samples = lightweight::lightweight(&lightweight::sizes(full, options.max_n));
        let table = lightweight::table(&samples);
        show(options, "lightweight", &table, &machine, |path| {
            plot::lightweight(&samples, path)
        })?;
    }
    if options.wants(Part::Parallelism) {
        let (limit, reps) = if full { (3_000_000, 5) } else { (20_000, 1) };
        let (rows, primes) = parallelism::parallelism(limit, reps);
        let table = parallelism::table(&rows, limit, primes);
        show(options, "parallelism", &table, &machine, |path| {
            plot::parallelism(&rows, parallelism::cores(), path)
        })?;
    }
    if options.wants(Part::Granularity) {
        let target = if full {
            Duration::from_millis(250)
        } else {
            Duration::from_millis(10)
        };
        let rows = granularity::granularity(target);
        let table = granularity::table(&rows);
        show(options, "granularity", &table, &machine, |path| {
            plot::granularity(&rows, path)
        })?;
    }
    println!("tour finished in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The article's two examples, short: the first on the virtual clock (exact times, no waiting),
/// the second with fewer workers and items, then once more with a worker that panics.
fn examples() {
    println!(
        "example 1 — asyncio_example.py on our executor, virtual clock (seconds, then the line):"
    );
    async_fetch::run_example(true);
    println!("\nexample 2 — queue_example.py with 3 workers and 6 items:");
    queue_workers::run_example(3, 6, None);
    println!(
        "\nexample 2 again, the worker that takes item 4 panics (its message goes to stderr):"
    );
    let failed = queue_workers::run_example(3, 6, Some(4));
    println!("join returned; {failed} failed task (Python's q.join() would hang here)\n");
}

/// Prints a table and, with `--out`, writes its CSV, JSON and plot.
fn show(
    options: &Options,
    name: &str,
    table: &Table,
    machine: &[(&str, String)],
    plot: impl FnOnce(&Path) -> Result<(), Box<dyn std::error::Error>>,
) -> std::io::Result<()> {
    println!("{}", table.render());
    if let Some(dir) = &options.out {
        table.write_files(dir, name, machine)?;
        let svg = dir.join(format!("{name}.svg"));
        plot(&svg)
            .map_err(|e| std::io::Error::other(format!("plotting {}: {e}", svg.display())))?;
        println!(
            "  wrote {0}/{name}.csv, {name}.json, {name}.svg\n",
            dir.display()
        );
    }
    Ok(())
}

/// What the numbers were measured on, printed first and stored in every JSON file.
fn machine() -> Vec<(&'static str, String)> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".into(), |s| s.trim().to_string());
    let unix_time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    vec![
        ("cores", parallelism::cores().to_string()),
        ("cpu", cpu),
        ("kernel", kernel),
        ("load average", procfs::load_average()),
        (
            "build",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into(),
        ),
        ("unix_time", unix_time.to_string()),
    ]
}
