//! Only the echo rows of the targets bench, for iterating on them:
//!
//! ```text
//! cargo run --release -p bench --example echo             # the targets' rows and sizes
//! cargo run --release -p bench --example echo -- threads  # + a thread per connection, 5 rounds
//! cargo run --release -p bench --example echo -- quick    # 100 connections, 1 000 idle
//! ```
//!
//! Prints the table and writes it, with the machine's facts, to `bench/results/echo.md`
//! (`bench/results/echo_threads.md` with `threads`; `quick` writes nothing).

use bench::echo::rows::{echo_rows, EchoSizes};
use bench::echo::EchoPlan;
use bench::machine::{load_average, Machine};
use bench::report::{markdown_table, text_table};
use std::path::Path;
use std::time::Instant;

fn main() {
    if bench::echo::idle::child_main() {
        return;
    }
    let arg = std::env::args().nth(1).unwrap_or_default();
    let quick = arg == "quick";
    let sizes = match arg.as_str() {
        "quick" => EchoSizes {
            plan: EchoPlan {
                connections: 100,
                round_trips: 100,
            },
            rounds: 3,
            idle_connections: 1_000,
            memory_rounds: 1,
            threads: true,
        },
        "threads" => EchoSizes {
            rounds: 5,
            memory_rounds: 3,
            threads: true,
            ..EchoSizes::TARGETS
        },
        "" => EchoSizes::TARGETS,
        other => {
            eprintln!("usage: echo [quick|threads] (got `{other}`)");
            std::process::exit(2);
        }
    };
    let machine = Machine::detect().to_markdown();
    let started = Instant::now();
    let (rows, throughput) = echo_rows(sizes);
    let summary = format!(
        "{throughput}\n\nThe run took {:.0} s; load average at the end: {}.",
        started.elapsed().as_secs_f64(),
        load_average().unwrap_or_else(|| "unknown".into())
    );
    println!("\n{}\n{summary}", text_table(&rows));
    if quick {
        return;
    }
    let md = format!(
        "# Echo rows: ours vs tokio current_thread{}\n\n{machine}\
         - command: `cargo run --release -p bench --example echo{}`\n\
         - method: {} rounds, the starting contender rotating, after a warm-up run of 100 \
         connections × 10 round trips each (memory: {} rounds, a child process each); values are \
         medians over rounds, ratio = median of per-round ours ÷ peer (lower is better \
         everywhere)\n\n{}\n{summary}\n",
        if sizes.threads {
            " and a thread per connection"
        } else {
            ""
        },
        if arg.is_empty() {
            String::new()
        } else {
            format!(" -- {arg}")
        },
        sizes.rounds,
        sizes.memory_rounds,
        markdown_table(&rows)
    );
    let file = if sizes.threads {
        "echo_threads.md"
    } else {
        "echo.md"
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(file);
    match std::fs::write(&path, md) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
