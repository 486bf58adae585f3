//! Seed parity: the two example binaries print what the article's Python programs print.
//!
//! These tests live in `demos/tests/` rather than in the workspace's `tests` crate because Cargo
//! gives a package's own integration tests the path of its binaries (`CARGO_BIN_EXE_<name>`,
//! built before the tests run); from another crate we would have to guess `target/<profile>/`.
//!
//! The reference outputs are the repository's copy of the article's files, `demos/reference/`
//! (see its README for where they come from).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

fn reference(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs one of this package's binaries with a time limit (see `common::run`).
fn run(exe: &str, args: &[&str], limit: Duration) -> (Output, Duration) {
    common::run(common::command(exe, args), limit)
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn async_fetch_prints_the_reference_lines_in_order() {
    let (output, elapsed) = run(
        env!("CARGO_BIN_EXE_async_fetch"),
        &[],
        Duration::from_secs(30),
    );
    assert!(output.status.success(), "{output:?}");
    // Byte for byte: the value line too, since the binary prints the map in Python's repr.
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        reference("asyncio_example.out")
    );
    // 10 numbers, 0.25 s apart, the last sleep included: timers never fire early.
    assert!(
        elapsed >= Duration::from_millis(2500),
        "took only {elapsed:?}"
    );
}

#[test]
fn async_fetch_on_the_virtual_clock_has_exact_times_and_takes_no_real_time() {
    let (output, elapsed) = run(
        env!("CARGO_BIN_EXE_async_fetch"),
        &["--virtual"],
        Duration::from_secs(30),
    );
    assert!(output.status.success(), "{output:?}");
    // On the real clock the program takes 2.5 s; on the virtual clock, only process start-up.
    assert!(
        elapsed < Duration::from_secs(2),
        "took {elapsed:?}: is the clock really virtual?"
    );
    let (times, texts): (Vec<String>, Vec<String>) = stdout_lines(&output)
        .iter()
        .map(|line| {
            let (time, text) = line.split_once(' ').expect("`<seconds> <line>`");
            (time.to_string(), text.to_string())
        })
        .unzip();
    let expected: Vec<String> = reference("asyncio_example.out")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(texts, expected);
    // At 2.00 three things are due: fetch_data's 2 s sleep (set first) ends, `main` is woken
    // by task1 and prints the value, then print_numbers' sleep ends — asyncio's order.
    let expected_times = [
        "0.00", "0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50", "1.75", "2.00", "2.00",
        "2.00", "2.25",
    ];
    assert_eq!(times, expected_times);
}

/// The 40 lines of the worker example: `Working on N` and `Finished N` for N in 0..20.
fn worker_lines() -> BTreeMap<String, usize> {
    (0..20)
        .flat_map(|n| [format!("Working on {n}"), format!("Finished {n}")])
        .map(|l| (l, 1))
        .collect()
}

fn count(lines: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in lines {
        *counts.entry(line).or_insert(0) += 1;
    }
    counts
}

#[test]
fn the_reference_output_holds_the_same_40_lines_once_unglued() {
    // Python's `print` writes the text and then the newline as two writes, and the workers are
    // unsynchronized, so the reference has `Working on 9Working on 10` on one line and an empty
    // line later where 9's newline landed. Splitting before each `Working on` / `Finished`
    // recovers the 40 lines; this checks our expected set against the real Python output.
    let text = reference("queue_example.out")
        .replace("Working on", "\nWorking on")
        .replace("Finished", "\nFinished");
    let lines = text.lines().filter(|l| !l.is_empty()).map(str::to_string);
    assert_eq!(count(lines), worker_lines());
}

#[test]
fn queue_workers_prints_each_of_the_40_lines_once_and_exits_0() {
    let (output, _) = run(
        env!("CARGO_BIN_EXE_queue_workers"),
        &[],
        Duration::from_secs(30),
    );
    assert!(output.status.success(), "{output:?}");
    let lines = stdout_lines(&output);
    // The same multiset as Python (the order between threads is up to the scheduler) …
    assert_eq!(count(lines.clone()), worker_lines());
    // … and within one item, the order the worker prints them.
    for n in 0..20 {
        let at = |text: String| lines.iter().position(|l| *l == text).unwrap();
        assert!(
            at(format!("Working on {n}")) < at(format!("Finished {n}")),
            "item {n}"
        );
    }
}

#[test]
fn queue_workers_crash_still_joins_promptly_and_reports_the_failed_task() {
    // Python's version of this hangs in `q.join()` forever; ours must end well within the limit.
    let (output, elapsed) = run(
        env!("CARGO_BIN_EXE_queue_workers"),
        &["--crash"],
        Duration::from_secs(30),
    );
    assert!(output.status.success(), "{output:?}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let lines = stdout_lines(&output);
    assert_eq!(lines.last().map(String::as_str), Some("1 failed task"));
    // Every item was worked on; every item but the crashing one (7) finished.
    let mut expected = worker_lines();
    expected.remove("Finished 7");
    expected.insert("1 failed task".into(), 1);
    assert_eq!(count(lines), expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("worker crashed on item 7"),
        "stderr: {stderr}"
    );
}
