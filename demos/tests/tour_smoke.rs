//! The tour (`demos`, the default binary) at its smallest size: every part runs, prints its
//! table, and with `--out` writes CSV, JSON and SVG files whose numbers make sense — with the
//! Python rows (python3 is on every machine this project runs on), and without them
//! (`--no-python`, no python3 on PATH, an interpreter too old or failing).
//! `--sizes small` keeps the whole file to a few seconds even in a debug build.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Far above what `--sizes small` takes, even in a debug build on a busy machine.
const LIMIT: Duration = Duration::from_secs(120);

fn tour(args: &[&str]) -> Command {
    let mut command = common::command(env!("CARGO_BIN_EXE_demos"), args);
    command.env("CI", "true"); // progress as plain lines, as in CI
    command
}

fn demos(args: &[&str]) -> Output {
    common::run(tour(args), LIMIT).0
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A fresh directory per test, removed when the test ends (also when it fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("demos-smoke-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The CSV rows (header dropped) split into fields.
fn csv_rows(dir: &Path, name: &str, header: &str) -> Vec<Vec<String>> {
    let csv = std::fs::read_to_string(dir.join(format!("{name}.csv"))).expect("csv written");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(header));
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("json written");
    assert!(
        json.starts_with('{') && json.contains("\"rows\": [") && json.contains("\"cores\""),
        "{json}"
    );
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).expect("svg written");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    lines.map(split_csv).collect()
}

/// Splits one CSV line, honouring `"…"` quoting (the operation names contain commas).
fn split_csv(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn number(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {field:?}"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

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
fn examples_run_in_short_form_beside_the_python_originals() {
    let output = demos(&["--only", "examples"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains("2.00 done fetching\n2.00 {'data': 1}\n2.00 8\n2.25 9\n"),
        "{text}"
    );
    assert!(text.contains("1 failed task"), "{text}");
    // The originals from the repository's copy, and the tour's comparison of their lines.
    assert!(
        text.contains("ran reference/asyncio_example.py on the real clock")
            && text.contains("the same 13 lines, in the same order"),
        "{text}"
    );
    assert!(
        text.contains("ran reference/queue_example.py: the same 40 lines as ours"),
        "{text}"
    );
    assert!(
        text.contains("came out glued"),
        "the glued line is explained: {text}"
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
fn the_whole_tour_with_python_has_python_rows_and_verdicts() {
    let dir = TempDir::new("python");
    let output = demos(&["--sizes", "small", "--out", dir.0.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Python: python3 3."), "{text}");
    let python_rows = |name, header| -> Vec<Vec<String>> {
        csv_rows(&dir.0, name, header)
            .into_iter()
            .filter(|r| r[0] == "Python")
            .collect()
    };
    let light = python_rows(
        "lightweight",
        "language,contender,N,wall ms,CPU ms,CPU µs/wait,peak RSS KiB,RSS B/wait,note",
    );
    let names: Vec<(&str, &str)> = light.iter().map(|r| (&*r[1], &*r[2])).collect();
    assert_eq!(
        names,
        [
            ("asyncio", "10"),
            ("threads", "10"),
            ("asyncio", "100"),
            ("threads", "100")
        ]
    );
    assert!(light.iter().all(|r| number(&r[3]) >= 50.0), "{light:?}");
    let par = python_rows(
        "parallelism",
        "language,contender,workers,wall ms,speed-up,ideal,cores busy",
    );
    let contenders: Vec<&str> = par.iter().map(|r| &*r[1]).collect();
    assert_eq!(contenders[0], "one thread");
    assert_eq!(contenders.iter().filter(|c| **c == "threads").count(), 4);
    assert_eq!(contenders.iter().filter(|c| **c == "processes").count(), 4);
    assert!(par.iter().all(|r| number(&r[3]) > 0.0), "{par:?}");
    let gran = python_rows(
        "granularity",
        "language,contender,operation,ops timed,ns/op",
    );
    assert_eq!(gran.len(), 3, "{gran:?}");
    assert!(gran.iter().all(|r| number(&r[4]) > 0.0), "{gran:?}");
    // One verdict per claim, judged in both languages, in the output and in each JSON file.
    let verdicts: Vec<&str> = text.lines().filter(|l| l.contains("verdict: ")).collect();
    assert_eq!(verdicts.len(), 3, "{text}");
    for verdict in &verdicts {
        assert!(
            verdict.contains("Rust: ") && verdict.contains("Python: "),
            "{verdict}"
        );
        assert!(
            [
                "true in both",
                "false in both",
                "true only in Rust",
                "true only in Python"
            ]
            .iter()
            .any(|word| verdict.contains(word)),
            "{verdict}"
        );
    }
    for name in ["lightweight", "parallelism", "granularity"] {
        let json = std::fs::read_to_string(dir.0.join(format!("{name}.json"))).unwrap();
        assert!(json.contains("\"verdict\": \"verdict: "), "{json}");
    }
}

/// A stand-in interpreter: a shell script that answers the version probe with `version` and
/// runs every script as `body`.
fn fake_python(dir: &Path, version: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("python3");
    let script =
        format!("#!/bin/sh\nif [ \"$1\" = -c ]; then echo {version}; exit 0; fi\n{body}\n");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn without_python_one_line_says_so_and_only_rust_rows_run() {
    let dir = TempDir::new("nopython");
    let empty = dir.0.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let old = fake_python(&dir.0.join("old"), "3.7.9", "exit 1");
    let old = old.to_str().unwrap();
    let skips = [
        (tour(&["--no-python"]), "Python: skipped (--no-python)"),
        (
            tour(&["--python", "/nonexistent/python3"]),
            "cannot run /nonexistent/python3",
        ),
        (
            tour(&["--python", old]),
            "is Python 3.7.9; the scripts need 3.8 or later",
        ),
        // No python3 on PATH at all (the tour itself needs nothing from PATH without Python).
        (
            {
                let mut c = tour(&[]);
                c.env("PATH", &empty);
                c
            },
            "Python: skipped (cannot run python3",
        ),
    ];
    for (mut command, why) in skips {
        command.args(["--only", "granularity", "--sizes", "small"]);
        let (output, _) = common::run(command, LIMIT);
        assert!(output.status.success(), "{output:?}");
        let text = stdout(&output);
        let python_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Python")).collect();
        assert_eq!(
            python_lines.len(),
            1,
            "one skip line, no Python rows: {text}"
        );
        assert!(python_lines[0].contains(why), "{why:?} in {text}");
        assert!(text.contains("(Python not measured)"), "{text}");
    }
}

#[test]
fn a_failing_interpreter_gives_skip_notes_not_a_failed_tour() {
    let dir = TempDir::new("badpython");
    let bad = fake_python(&dir.0, "3.12.0", "echo 'Traceback: boom' >&2; exit 1");
    let output = demos(&[
        "--only",
        "parallelism",
        "--sizes",
        "small",
        "--python",
        bad.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Python: "), "{text}");
    assert!(
        text.contains("note: Python rows skipped:") && text.contains("Traceback: boom"),
        "{text}"
    );
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
