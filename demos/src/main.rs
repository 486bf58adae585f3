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
//! | asyncio suits "I/O-bound" work         | `io_bound::io_bound`          |
//!
//! When a Python 3.8+ interpreter answers (`python3`, or `--python` / `DEMOS_PYTHON`), each
//! experiment also runs its CPython counterpart (`demos/python/*.py`, each in a fresh process
//! with a time limit) and the tour runs the article's Python originals beside our examples;
//! without one, or with `--no-python`, one line says the Python rows were skipped. Each table
//! ends with a verdict on its claim, computed from the numbers of both languages.
//!
//! Results go to stdout as tables; progress goes to stderr; `--out DIR` also writes CSV, JSON
//! and an SVG plot per experiment. `--help` lists the flags.
#![forbid(unsafe_code)]

mod budget;
mod cli;
mod granularity;
mod io_bound;
mod lightweight;
mod parallelism;
mod plot;
mod procfs;
mod progress;
mod python;
mod python_examples;
mod report;
mod verdict;

// The two example programs are binaries of their own (`src/bin/`), so a reader finds each one
// whole in one file. The tour includes the same files as modules to run them in-process: one
// source, no copy that could drift from the binaries the parity tests check.
#[path = "bin/async_fetch.rs"]
mod async_fetch;
#[path = "bin/echo.rs"]
mod echo;
// The child-process runner lives in `echo.rs`'s tree, which the `echo` binary shares.
use echo::child;
#[path = "bin/queue_workers.rs"]
mod queue_workers;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use budget::Budget;
use clap::Parser;
use cli::{Options, Part, Sizes};
use python::Python;
use report::{Language, Table};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Hidden: the lightweight and io experiments run each contender in a child process of this
    // binary, and io's server runs its load generator in one more.
    if let [flag, experiment, rest @ ..] = args.as_slice() {
        let child: Option<fn(&[String])> = match experiment.as_str() {
            "lightweight" => Some(lightweight::child_main),
            "io_bound" => Some(io_bound::child_main),
            "io_load" => Some(echo::load_main),
            _ => None,
        };
        if let (true, Some(child)) = (flag == "--child", child) {
            child(rest);
            return ExitCode::SUCCESS;
        }
    }
    // `--help` exits 0 with the help on stdout; a bad flag exits 2 with clap's message.
    let options = Options::parse();
    match tour(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demos: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The sizes and time budgets of one run of the tour. `Normal` keeps the whole tour, Python
/// included, near a minute on 2 cores; a budget is what an experiment may take before the rest
/// of its runs are reported as not run (and its Python script's time limit).
struct Plan {
    limit: u64,
    py_limit: u64,
    reps: usize,
    py_reps: usize,
    target: Duration,
    py_target: Duration,
    budget: Duration,
    /// The I/O-bound experiment's budget: its runs are many and short.
    io_budget: Duration,
}

impl Plan {
    fn new(sizes: Sizes) -> Plan {
        let ms = Duration::from_millis;
        let secs = Duration::from_secs;
        match sizes {
            Sizes::Small => Plan {
                limit: 20_000,
                py_limit: 20_000,
                reps: 1,
                py_reps: 1,
                target: ms(10),
                py_target: ms(10),
                budget: secs(60),
                io_budget: secs(60),
            },
            Sizes::Normal => Plan {
                limit: 3_000_000,
                py_limit: 1_000_000,
                reps: 3,
                py_reps: 1,
                target: ms(100),
                py_target: ms(100),
                budget: secs(40),
                io_budget: secs(30),
            },
            Sizes::Full => Plan {
                limit: 3_000_000,
                py_limit: 3_000_000,
                reps: 5,
                py_reps: 3,
                target: ms(250),
                py_target: ms(250),
                budget: secs(600),
                io_budget: secs(600),
            },
        }
    }
}

/// Finds the interpreter, or says in one line why the Python rows are skipped.
fn find_python(options: &Options) -> Option<Python> {
    if options.no_python {
        println!("Python: skipped (--no-python): only the Rust rows are measured");
        return None;
    }
    match Python::find(&options.python) {
        Ok(py) => {
            println!(
                "Python: {} {} — its rows run beside Rust's",
                options.python.display(),
                py.version
            );
            Some(py)
        }
        Err(why) => {
            println!("Python: skipped ({why}): only the Rust rows are measured");
            None
        }
    }
}

fn tour(options: &Options) -> std::io::Result<()> {
    let started = Instant::now();
    let full = options.sizes != Sizes::Small;
    let plan = Plan::new(options.sizes);
    if let Some(dir) = &options.out {
        std::fs::create_dir_all(dir).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot create {}: {e}", dir.display()))
        })?;
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
    if cfg!(debug_assertions) && full {
        println!(
            "(a debug build: timings are not representative; use `cargo run --release -p demos`)"
        );
    }
    let python = find_python(options);
    println!();

    if options.wants(Part::Examples) {
        examples(python.as_ref());
    }
    if options.wants(Part::Lightweight) {
        let max_n = options
            .max_n
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let (ns, py_ns) = lightweight::sizes(options.sizes, max_n);
        let budget = Budget::new(plan.budget);
        let samples = lightweight::lightweight(&ns, &py_ns, python.as_ref(), budget);
        let mut table = lightweight::table(&samples);
        if python.is_some() && py_ns.last() != ns.last() {
            table.notes.push(format!(
                "Python rows stop at N = {} (CPython makes tasks and threads far slower; `--sizes full` for more)",
                py_ns.last().copied().unwrap_or(0)
            ));
        }
        table.verdict = Some(lightweight::verdict(&samples));
        show(options, "lightweight", table, &machine, |path| {
            plot::lightweight(&samples, path)
        })?;
    }
    if options.wants(Part::Parallelism) {
        let budget = Budget::new(plan.budget);
        let (mut rows, primes) = parallelism::parallelism(plan.limit, plan.reps);
        let py_rows = python
            .as_ref()
            .map(|py| parallelism::in_python(py, plan.py_limit, plan.py_reps, budget));
        let mut table = parallelism::table(&rows, plan.limit, primes);
        match py_rows {
            Some(Ok(py_rows)) => {
                rows.extend(py_rows);
                table = parallelism::table(&rows, plan.limit, primes);
                let size = if plan.py_limit == plan.limit {
                    "the same job set".to_string()
                } else {
                    format!(
                        "a smaller job set, the primes below {} (pure-Python trial division is far slower: compare the wall times)",
                        plan.py_limit
                    )
                };
                let runs = match plan.py_reps {
                    1 => "one run each".to_string(),
                    n => format!("best of {n} runs"),
                };
                table.notes.push(format!(
                    "Python rows: {size}, {runs}, the count checked against Rust's"
                ));
            }
            Some(Err(why)) => table.notes.push(format!("Python rows skipped: {why}")),
            None => {}
        }
        table.verdict = Some(verdict::line(
            "queues (threads) enable more parallelism for CPU work",
            &parallelism::judge(&rows, Language::Rust),
            &parallelism::judge(&rows, Language::Python),
        ));
        show(options, "parallelism", table, &machine, |path| {
            plot::parallelism(&rows, parallelism::cores(), path)
        })?;
    }
    if options.wants(Part::Granularity) {
        let budget = Budget::new(plan.budget);
        let mut rows = granularity::granularity(plan.target);
        let py_rows = python
            .as_ref()
            .map(|py| granularity::in_python(py, plan.py_target, budget));
        let mut skipped = None;
        match py_rows {
            Some(Ok(py_rows)) => rows.extend(py_rows),
            Some(Err(why)) => skipped = Some(format!("Python rows skipped: {why}")),
            None => {}
        }
        let mut table = granularity::table(&rows);
        table.notes.extend(skipped);
        table.verdict = Some(verdict::line(
            "asyncio is more fine-grained (a task switch costs less than a thread hand-off)",
            &granularity::judge(&rows, Language::Rust),
            &granularity::judge(&rows, Language::Python),
        ));
        show(options, "granularity", table, &machine, |path| {
            plot::granularity(&rows, path)
        })?;
    }
    if options.wants(Part::Io) {
        let (loads, _) = io_bound::loads(options.sizes);
        let samples = io_bound::io_bound(&loads, python.as_ref(), Budget::new(plan.io_budget));
        let mut table = io_bound::table(&samples);
        table.verdict = Some(io_bound::verdict(&samples));
        show(options, "io_bound", table, &machine, |path| {
            plot::io_bound(&samples, path)
        })?;
    }
    println!("tour finished in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The article's two examples, short: the first on the virtual clock (exact times, no waiting),
/// the second with fewer workers and items, then once more with a worker that panics. With
/// Python, the originals run beside them and the tour shows that the lines agree.
fn examples(python: Option<&Python>) {
    println!(
        "example 1 — asyncio_example.py on our executor, virtual clock (seconds, then the line):"
    );
    let ours = async_fetch::run_example(true);
    if let Some(py) = python {
        python_examples::compare_asyncio(py, &ours);
    }
    println!("\nexample 2 — queue_example.py with 3 workers and 6 items:");
    queue_workers::run_example(3, 6, None, &queue_workers::print_line);
    if let Some(py) = python {
        python_examples::compare_queue(py);
    }
    println!(
        "\nexample 2 again, the worker that takes item 4 panics (its message goes to stderr):"
    );
    // The panic message stays; a backtrace (with RUST_BACKTRACE set) does not: the tour is read
    // by people, and the panic is the example's point, not a bug to debug. The default hook
    // comes back right after. The message is formatted first and written in one `write_all`:
    // `eprintln!` writes it piece by piece, and on a terminal (stdout and stderr on one device)
    // another worker's `Finished 5` then lands in the middle of it — the very gluing the
    // example explains away for our `println!`.
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let message = format!("thread '{}' {info}\n", thread.name().unwrap_or("<unnamed>"));
        let _ = std::io::stderr().write_all(message.as_bytes());
    }));
    let failed = queue_workers::run_example(3, 6, Some(4), &queue_workers::print_line);
    drop(std::panic::take_hook());
    println!("join returned; {failed} failed task (Python's q.join() would hang here)\n");
}

/// Prints a table and, with `--out`, writes its CSV, JSON and plot.
fn show(
    options: &Options,
    name: &str,
    mut table: Table,
    machine: &[(&str, String)],
    plot: impl FnOnce(&Path) -> Result<(), Box<dyn std::error::Error>>,
) -> std::io::Result<()> {
    if options.sizes == Sizes::Small {
        // The verdict is still computed (the smoke tests check that it is), but from runs of
        // milliseconds: a reader must not take it for the claim's answer.
        table.notes.push(
            "--sizes small: runs of milliseconds, for the tests; the figures and the verdict are noise (drop the flag for real ones)".into(),
        );
    }
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
