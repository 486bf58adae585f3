//! What the tour's tests share: running `demos` (progress as plain lines), reading the files
//! `--out` writes, a temporary directory, a stand-in interpreter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Far above what `--sizes small` takes, even in a debug build on a busy machine.
pub const LIMIT: Duration = Duration::from_secs(120);

pub fn tour(args: &[&str]) -> Command {
    let mut command = super::command(env!("CARGO_BIN_EXE_demos"), args);
    command.env("CI", "true"); // progress as plain lines, as in CI
    command
}

pub fn demos(args: &[&str]) -> Output {
    super::run(tour(args), LIMIT).0
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A fresh directory per test, removed when the test ends (also when it fails).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
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
pub fn csv_rows(dir: &Path, name: &str, header: &str) -> Vec<Vec<String>> {
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
pub fn split_csv(line: &str) -> Vec<String> {
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

pub fn number(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {field:?}"))
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A stand-in interpreter: a shell script that answers the version probe with `version` and
/// runs every script as `body`.
pub fn fake_python(dir: &Path, version: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("python3");
    let script =
        format!("#!/bin/sh\nif [ \"$1\" = -c ]; then echo {version}; exit 0; fi\n{body}\n");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}
