//! The tour (`demos`, the default binary) at its smallest size: every part runs, prints its
//! table, and with `--out` writes CSV, JSON and SVG files whose numbers make sense.
//! `--sizes small` keeps the whole file to a few seconds even in a debug build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demos"))
        .args(args)
        .env("CI", "true") // progress as plain lines, as in CI
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run demos")
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

#[test]
fn help_and_bad_flags() {
    let help = demos(&["--help"]);
    assert!(help.status.success());
    assert!(stdout(&help).contains("--only PART"));
    let bad = demos(&["--only", "everything"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown part"));
}

#[test]
fn examples_run_in_short_form() {
    let output = demos(&["--only", "examples"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains("2.00 done fetching\n2.00 {'data': 1}\n2.00 8\n2.25 9\n"),
        "{text}"
    );
    assert!(text.contains("1 failed task"), "{text}");
}

#[test]
fn lightweight_small_writes_sane_results() {
    let dir = TempDir::new("lightweight");
    let output = demos(&[
        "--only",
        "lightweight",
        "--sizes",
        "small",
        "--out",
        dir.0.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let rows = csv_rows(
        &dir.0,
        "lightweight",
        "contender,N,wall ms,CPU ms,CPU µs/wait,peak RSS KiB,RSS B/wait,note",
    );
    assert_eq!(rows.len(), 2 * 3, "N = 10 and 100, three contenders");
    for row in &rows {
        // Every contender waits 50 ms at least once: no wall time can be shorter.
        assert!(number(&row[2]) >= 50.0, "{row:?}");
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
        "contender,threads,wall ms,speed-up,ideal,cores busy",
    );
    let threads: Vec<f64> = rows.iter().map(|r| number(&r[1])).collect();
    assert_eq!(
        threads,
        [1.0, 1.0, 2.0, 3.0, 4.0],
        "executor, then pools of 1…4"
    );
    assert!(rows
        .iter()
        .all(|r| number(&r[2]) > 0.0 && number(&r[3]) > 0.0));
    assert_eq!(
        number(&rows[1][3]),
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
        "--out",
        dir.0.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let rows = csv_rows(&dir.0, "granularity", "contender,operation,ops timed,ns/op");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][..2], ["executor", "yield_now, one task"]);
    assert!(
        rows.iter()
            .all(|r| number(&r[2]) >= 100.0 && number(&r[3]) > 0.0),
        "{rows:?}"
    );
}
