//! Running the Python scripts in `bench/python/` and reading their results.
//!
//! Each script prints one line per measurement,
//! `RESULT workload=<name> value=<number> unit=<unit> n=<size>`, and anything else it likes
//! (ignored). Python is optional: without `python3` the benchmarks print a skip message.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One measurement reported by a Python script.
#[derive(Clone, Debug, PartialEq)]
pub struct PyResult {
    /// Which workload (same names as the Rust side where they match).
    pub workload: String,
    /// The measured value, in `unit`.
    pub value: f64,
    /// The unit of `value`, e.g. `ns/item`.
    pub unit: String,
    /// The size the script ran at (smaller than the Rust side's: Python is slower).
    pub n: u64,
}

/// Parses one `RESULT key=value …` line, or `None` if the line is not a complete result.
///
/// ```
/// use bench::python::parse_line;
/// let r = parse_line("RESULT workload=spsc value=812.5 unit=ns/item n=1000").unwrap();
/// assert_eq!((r.workload.as_str(), r.value, r.unit.as_str(), r.n), ("spsc", 812.5, "ns/item", 1000));
/// assert!(parse_line("warming up").is_none());
/// assert!(parse_line("RESULT workload=spsc").is_none());
/// ```
pub fn parse_line(line: &str) -> Option<PyResult> {
    let rest = line.trim().strip_prefix("RESULT ")?;
    let field = |key: &str| {
        rest.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    };
    Some(PyResult {
        workload: field("workload")?.to_string(),
        value: field("value")?.parse().ok()?,
        unit: field("unit")?.to_string(),
        n: field("n")?.parse().ok()?,
    })
}

/// Runs `python3 <script>`, killing it after `limit`, and returns its results, or a message
/// saying why there are none (no `python3`, the script failed, it timed out).
pub fn run_script(script: &Path, limit: Duration) -> Result<Vec<PyResult>, String> {
    let mut child = Command::new("python3")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("skipped: python3 not available ({e})"))?;
    let deadline = Instant::now() + limit;
    // std has no wait-with-timeout; polling every 50 ms is plenty for a multi-second script.
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{} timed out after {limit:?}", script.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{} failed ({}): {stderr}",
            script.display(),
            out.status
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(parse_line)
        .collect())
}
