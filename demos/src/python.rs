//! Running the Python counterparts: find the interpreter, run one script in a fresh process
//! with a time limit, read the one JSON line it prints.
//!
//! Python is optional. Every failure — no interpreter, one older than 3.8, a script that fails,
//! prints nonsense or overruns its limit — becomes an `Err(reason)` that the tour prints as one
//! skip line; nothing here panics or waits without a deadline. On overrun the script's whole
//! process group is killed (`child::run_with_limit`): `multiprocessing` workers included.
//!
//! The scripts live in `demos/python/` (standard library only); their path is fixed at compile
//! time from this crate's manifest directory, like the reference files the tests read.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::child::{self, Finished};

/// The oldest Python the scripts are written for.
const MIN_VERSION: (u64, u64) = (3, 8);

/// A Python interpreter that answered, and its version.
#[derive(Clone, Debug)]
pub struct Python {
    program: PathBuf,
    /// `major.minor.patch`, as `platform.python_version()` prints it.
    pub version: String,
}

/// The directory of the measuring scripts and the article's reference programs.
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// The repository's copy of the article's examples and their outputs.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference")
}

impl Python {
    /// Asks `program` for its version; `Err` says why Python rows will be skipped.
    pub fn find(program: &Path) -> Result<Python, String> {
        let code = "import platform; print(platform.python_version())";
        let probe = Python {
            program: program.to_path_buf(),
            version: String::new(),
        };
        let finished = probe.run(&["-c", code], Duration::from_secs(10))?;
        let version = finished.stdout.trim().to_string();
        let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(major), Some(minor)) if (major, minor) >= MIN_VERSION => {
                Ok(Python { version, ..probe })
            }
            (Some(_), Some(_)) => Err(format!(
                "{} is Python {version}; the scripts need {}.{} or later",
                program.display(),
                MIN_VERSION.0,
                MIN_VERSION.1
            )),
            _ => Err(format!(
                "{} did not print a Python version (got {version:?})",
                program.display()
            )),
        }
    }

    /// Runs `demos/python/<script>` with `args` and returns the object on its last stdout
    /// line. A `{"error": …}` object (the script caught an exception) is an `Err`.
    pub fn measure(&self, script: &str, args: &[String], limit: Duration) -> Result<Value, String> {
        let path = scripts_dir().join(script);
        let mut all = vec![path.to_string_lossy().into_owned()];
        all.extend(args.iter().cloned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let finished = self.run(&all, limit)?;
        let value = last_json_line(&finished.stdout)
            .ok_or_else(|| format!("{script} printed no JSON line"))?;
        match value.get("error").and_then(Value::as_str) {
            Some(error) => Err(format!("{script}: {error}")),
            None => Ok(value),
        }
    }

    /// Runs the interpreter with `args` in a fresh process (and process group), waiting at most
    /// `limit`. `Err` if it cannot start, overruns (then it is killed), or exits non-zero.
    pub fn run(&self, args: &[&str], limit: Duration) -> Result<Finished, String> {
        let program = self.program.display();
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1") // leave no __pycache__ in the repository
            // A group of its own, so an overrun kills its `multiprocessing` workers too. It
            // also keeps the terminal's Ctrl-C from the script: `common.py` ends the script
            // when the tour, named here, is no longer its parent.
            .env("DEMOS_PARENT_PID", std::process::id().to_string())
            .process_group(0);
        let finished = child::run_with_limit(&mut command, limit).map_err(|why| {
            if why.starts_with("cannot run") {
                why
            } else {
                format!("{program} {} {why}", short(args))
            }
        })?;
        if !finished.status.success() {
            let why = last_json_line(&finished.stdout)
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| {
                    finished
                        .stderr
                        .trim()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .to_string()
                });
            return Err(format!(
                "{program} {} failed ({}): {why}",
                short(args),
                finished.status
            ));
        }
        Ok(finished)
    }
}

/// The script's name for messages (its directory is always ours).
fn short(args: &[&str]) -> String {
    args.first()
        .map(|a| {
            Path::new(a)
                .file_name()
                .map_or(*a, |f| f.to_str().unwrap_or(a))
        })
        .unwrap_or("")
        .to_string()
}

/// The last line of `stdout` that is a JSON object.
fn last_json_line(stdout: &str) -> Option<Value> {
    stdout.lines().rev().find_map(|line| {
        serde_json::from_str::<Value>(line)
            .ok()
            .filter(Value::is_object)
    })
}

/// A number field of a JSON object, or an error naming it.
pub fn number(value: &Value, field: &str) -> Result<f64, String> {
    value
        .get(field)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("no number {field:?} in {value}"))
}

/// A text field of a JSON object, or an error naming it.
pub fn text<'a>(value: &'a Value, field: &str) -> Result<&'a str, String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no text {field:?} in {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_object_line_is_the_result() {
        let v = last_json_line("warming up\n{\"a\": 1}\n[2]\nnot json\n").unwrap();
        assert_eq!(number(&v, "a"), Ok(1.0));
        assert!(number(&v, "b").is_err() && text(&v, "a").is_err());
        assert!(last_json_line("nothing\n").is_none());
    }

    #[test]
    fn a_missing_interpreter_is_a_reason_not_a_panic() {
        let err = Python::find(Path::new("/nonexistent/python3")).unwrap_err();
        assert!(err.contains("cannot run /nonexistent/python3"), "{err}");
    }

    #[test]
    fn a_program_that_is_not_python_is_refused() {
        // `true` exits 0 and prints nothing: not a version.
        let err = Python::find(Path::new("true")).unwrap_err();
        assert!(err.contains("did not print a Python version"), "{err}");
    }
}
