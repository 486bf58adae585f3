//! The tour (`demos`, the default binary) at its smallest size, Rust rows only: every part
//! runs, prints its table, and with `--out` writes CSV, JSON and SVG files whose numbers make
//! sense; its flags, and its output on a terminal or a pipe that closes early. The Python path
//! is `tour_python.rs`. `--sizes small` keeps the whole file to a few seconds even in a debug
//! build.

mod common;

use std::process::Command;
use std::time::Duration;

use common::tour::{csv_rows, demos, number, stderr, stdout, tour, TempDir, LIMIT};

#[test]
fn help_and_bad_flags() {
    let help = demos(&["--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    for flag in [
        "--only <PART>",
        "--sizes <SIZE>",
        "--no-python",
        "--python <PROGRAM>",
    ] {
        assert!(text.contains(flag), "{flag} missing from {text}");
    }
    for (args, complaint) in [
        (
            &["--only", "everything"][..],
            "invalid value 'everything' for '--only <PART>'",
        ),
        (&["--max-n", "0"], "invalid value '0' for '--max-n <N>'"),
        (
            &["--sizes", "huge"],
            "[possible values: small, normal, full]",
        ),
        (&["--frobnicate"], "unexpected argument '--frobnicate'"),
    ] {
        let bad = demos(args);
        assert_eq!(bad.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&bad).contains(complaint),
            "{args:?}: {}",
            stderr(&bad)
        );
    }
}

#[test]
fn an_out_dir_that_cannot_be_made_is_an_error_that_names_it() {
    let dir = TempDir::new("badout");
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = file.join("plots");
    let output = demos(&[
        "--only",
        "granularity",
        "--sizes",
        "small",
        "--no-python",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = stderr(&output);
    assert!(
        err.contains(out.to_str().unwrap()),
        "the path is named: {err}"
    );
}

#[test]
fn the_crash_example_keeps_its_message_but_not_a_backtrace() {
    let mut command = tour(&["--only", "examples", "--no-python"]);
    command.env("RUST_BACKTRACE", "1");
    let (output, _) = common::run(command, LIMIT);
    assert!(output.status.success(), "{output:?}");
    let err = stderr(&output);
    assert!(err.contains("worker crashed on item 4"), "{err}");
    assert!(!err.contains("stack backtrace"), "{err}");
}

#[test]
fn the_panic_message_is_one_whole_line_among_the_workers_lines() {
    // stdout and stderr into one pipe, as on a terminal: the hook must write its message in one
    // piece, or a worker's `Finished 5` lands inside `thread 'worker-0…' panicked`. The race is
    // the scheduler's, so the tour runs a few times; a piecewise hook glued about one run in 15.
    for run in 0..20 {
        let mut command = Command::new("sh");
        command
            .args(["-c", "exec \"$0\" --only examples --no-python 2>&1"])
            .arg(env!("CARGO_BIN_EXE_demos"))
            .env_remove("RUST_BACKTRACE");
        let (output, _) = common::run(command, LIMIT);
        assert!(output.status.success(), "{output:?}");
        let text = stdout(&output);
        let whole = text
            .lines()
            .any(|line| line.starts_with("thread 'worker-") && line.contains("' panicked at "));
        assert!(
            whole,
            "run {run}: the panic line came out in pieces: {text}"
        );
        assert!(
            text.contains("\nworker crashed on item 4\n"),
            "run {run}: {text}"
        );
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_tour_instead_of_hanging_it() {
    // `demos | head`: once `head` exits, every write to stdout fails. A worker that panicked
    // on it would leave its queue's items unprocessed and `join` waiting forever. Where the
    // pipe closes is the scheduler's; these cuts fall inside the two queue examples' lines.
    for lines in [20, 30, 34, 38] {
        let mut command = Command::new("sh");
        command
            .args([
                "-c",
                "\"$0\" --only examples --no-python 2>/dev/null | head -n \"$1\"",
            ])
            .arg(env!("CARGO_BIN_EXE_demos"))
            .arg(lines.to_string());
        let (output, _) = common::run(command, Duration::from_secs(30));
        assert_eq!(stdout(&output).lines().count(), lines, "{output:?}");
    }
}

#[test]
fn lightweight_small_writes_sane_results() {
    let dir = TempDir::new("lightweight");
    let output = demos(&[
        "--only",
        "lightweight",
        "--sizes",
        "small",
        "--no-python",
        "--out",
        dir.0.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let rows = csv_rows(
        &dir.0,
        "lightweight",
        "language,contender,N,wall ms,CPU ms,CPU µs/wait,peak RSS KiB,RSS B/wait,note",
    );
    assert_eq!(rows.len(), 2 * 3, "N = 10 and 100, three contenders");
    for row in &rows {
        assert_eq!(row[0], "Rust");
        // Every contender waits 50 ms at least once: no wall time can be shorter.
        assert!(number(&row[3]) >= 50.0, "{row:?}");
    }
}

#[test]
fn parallelism_small_writes_sane_results() {
    let dir = TempDir::new("parallelism");
    let output = demos(&[
        "--only",
        "parallelism",
        "--sizes",
        "small",
        "--no-python",
        "--out",
        dir.0.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout(&output).contains("cores"),
        "the core count is printed next to the numbers"
    );
    let rows = csv_rows(
        &dir.0,
        "parallelism",
        "language,contender,workers,wall ms,speed-up,ideal,cores busy",
    );
    let threads: Vec<f64> = rows.iter().map(|r| number(&r[2])).collect();
    assert_eq!(
        threads,
        [1.0, 1.0, 2.0, 3.0, 4.0],
        "executor, then pools of 1…4"
    );
    assert!(rows
        .iter()
        .all(|r| number(&r[3]) > 0.0 && number(&r[4]) > 0.0));
    assert_eq!(
        number(&rows[1][4]),
        1.0,
        "the 1-thread pool is the baseline"
    );
}

#[test]
fn granularity_small_writes_sane_results() {
    let dir = TempDir::new("granularity");
    let output = demos(&[
        "--only",
        "granularity",
        "--sizes",
        "small",
        "--no-python",
        "--out",
        dir.0.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let rows = csv_rows(
        &dir.0,
        "granularity",
        "language,contender,operation,ops timed,ns/op",
    );
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][..3], ["Rust", "executor", "yield_now, one task"]);
    assert!(
        rows.iter()
            .all(|r| number(&r[3]) >= 100.0 && number(&r[4]) > 0.0),
        "{rows:?}"
    );
}

#[test]
fn io_small_writes_sane_results() {
    let dir = TempDir::new("io");
    let output = demos(&[
        "--only",
        "io",
        "--sizes",
        "small",
        "--no-python",
        "--out",
        dir.0.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let rows = csv_rows(
        &dir.0,
        "io_bound",
        "language,contender,load,N,wall ms,CPU ms,CPU µs/conn,peak RSS KiB,RSS B/conn,note",
    );
    let shown: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&*r[1], &*r[2], &*r[3])).collect();
    let mut expected = Vec::new();
    for server in ["executor", "threads", "pool"] {
        for n in ["10", "100"] {
            expected.extend([(server, "busy", n), (server, "idle", n)]);
        }
    }
    assert_eq!(shown, expected, "three servers × two loads × N = 10, 100");
    for row in &rows {
        assert_eq!(row[0], "Rust");
        if row[1] == "pool" && row[2] == "idle" {
            // A pool of 8 cannot hold 10 connections open at once: refused, not hung.
            assert!(
                row[4].is_empty() && row[9].contains("wait forever"),
                "{row:?}"
            );
        } else {
            assert!(number(&row[4]) > 0.0 && row[9].is_empty(), "{row:?}");
        }
    }
    let text = stdout(&output);
    assert!(
        text.contains("note: crossover, Rust: executor beats threads on busy wall time "),
        "{text}"
    );
    assert!(
        text.contains("verdict: \"asyncio suits I/O-bound work"),
        "{text}"
    );
}
