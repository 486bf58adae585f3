//! Running the Python counterparts: find the interpreter, run one script in a fresh process
//! with a time limit, read the one JSON line it prints.
//!
//! Python is optional. Every failure — no interpreter, one older than 3.8, a script that fails,
//! prints nonsense or overruns its limit — becomes an `Err(reason)` that the tour prints as one
//! skip line; nothing here panics or waits without a deadline. On overrun the script's whole
//! process group is killed: `multiprocessing` workers included, nothing is left running.
//!
//! The scripts live in `demos/python/` (standard library only); their path is fixed at compile
//! time from this crate's manifest directory, like the reference files the tests read.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The oldest Python the scripts are written for.
const MIN_VERSION: (u64, u64) = (3, 8);
/// How often a running script is checked for exit or overrun. Python starts in tens of
/// milliseconds and every figure is measured inside the script, so this costs no precision.
const POLL: Duration = Duration::from_millis(5);

/// A Python interpreter that answered, and its version.
#[derive(Clone, Debug)]
pub struct Python {
    program: PathBuf,
    /// `major.minor.patch`, as `platform.python_version()` prints it.
    pub version: String,
}

/// What a finished script printed.
#[derive(Debug)]
pub struct Finished {
    /// Its whole stdout.
    pub stdout: String,
    /// How long the process ran, start-up included.
    pub elapsed: Duration,
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
        let start = Instant::now();
        let mut child = Command::new(&self.program)
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1") // leave no __pycache__ in the repository
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        // Both pipes are drained on threads of their own while we wait: a child blocked on a
        // full pipe would otherwise look like a hang.
        let (tx, rx) = mpsc::channel();
        let drain = |pipe: Option<Box<dyn Read + Send>>, which: usize| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut text = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut text);
                }
                let _ = tx.send((which, String::from_utf8_lossy(&text).into_owned()));
            });
        };
        drain(child.stdout.take().map(|p| Box::new(p) as _), 0);
        drain(child.stderr.take().map(|p| Box::new(p) as _), 1);
        // `checked_add`: a huge limit means "no deadline", never an overflow panic.
        let deadline = start.checked_add(limit);
        let overrun = || Err(format!("{program} {} killed after {limit:?}", short(args)));
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => {
                    // Killed while the leader is unreaped: the group id is still ours.
                    kill_group(child.id());
                    let _ = child.kill();
                    let _ = child.wait();
                    return overrun();
                }
                Ok(None) => std::thread::sleep(POLL),
                Err(e) => return Err(format!("waiting for {program}: {e}")),
            }
        };
        let elapsed = start.elapsed();
        // The pipes close when the last process holding them exits: a process the script left
        // behind would keep them open. It still belongs to the group (a group id is not reused
        // while it has members), so at the deadline the group is killed.
        let mut texts = [String::new(), String::new()];
        for _ in 0..2 {
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            let received = rx.recv_timeout(left).or_else(|_| {
                kill_group(child.id());
                rx.recv_timeout(Duration::from_secs(5))
            });
            match received {
                Ok((which, text)) => texts[which] = text,
                Err(_) => return overrun(),
            }
        }
        let [stdout, stderr] = texts;
        if !status.success() {
            let why = last_json_line(&stdout)
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| stderr.trim().lines().last().unwrap_or("").to_string());
            return Err(format!(
                "{program} {} failed ({status}): {why}",
                short(args)
            ));
        }
        Ok(Finished { stdout, elapsed })
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

/// Sends SIGKILL to the process group `pgid` (the script and any processes it started). std
/// has no `killpg`; `kill(1)` does it without `unsafe`. A group already gone is no error.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
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

    #[test]
    fn an_overrunning_child_is_killed_at_its_deadline() {
        // `sleep` stands in for a script that hangs; only the deadline can end it.
        let sleeper = Python {
            program: "sleep".into(),
            version: String::new(),
        };
        let start = Instant::now();
        let err = sleeper
            .run(&["30"], Duration::from_millis(200))
            .unwrap_err();
        assert!(err.contains("killed after"), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not killed in time"
        );
        let huge = sleeper
            .run(&["0"], Duration::MAX)
            .expect("no deadline, no overflow");
        assert!(huge.stdout.is_empty());
    }
}
