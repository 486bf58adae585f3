//! What the demos' integration tests share: running a binary with a time limit, and (in
//! `tour`) the helpers of the tour's tests.
//!
//! (`tests/common/mod.rs`, not `tests/common.rs`: Cargo would build the latter as a test of
//! its own.)
#![allow(dead_code)] // each test file uses its own subset

pub mod tour;

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `exe args…` without `RUST_BACKTRACE` (keeps an expected panic message short) and without
/// `DEMOS_PYTHON` (a test names its interpreter itself, or gets the default).
pub fn command(exe: &str, args: &[&str]) -> Command {
    let mut command = Command::new(exe);
    command
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("DEMOS_PYTHON");
    command
}

/// Runs `command` to completion, failing the test (and killing the child) if it takes longer
/// than `limit` — a hang in `join` must show up as a failure, not as a stuck test run.
///
/// The child leads a process group of its own, and on overrun the whole group is killed: the
/// tour's `--child` processes and a shell's pipeline would otherwise outlive the test. (The
/// Python scripts the tour starts lead groups of their own; they end on their own limits.)
pub fn run(mut command: Command, limit: Duration) -> (Output, Duration) {
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    let what = format!("{command:?}");
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let pid = child.id();
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        // stderr on a thread of its own: a child filling one pipe while we block reading the
        // other would deadlock.
        let err = std::thread::spawn(move || {
            let mut err = Vec::new();
            let _ = stderr.read_to_end(&mut err);
            err
        });
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let err = err.join().expect("stderr reader");
        let status = child.wait().expect("wait for child");
        let _ = done_tx.send(Output {
            status,
            stdout: out,
            stderr: err,
        });
    });
    match done_rx.recv_timeout(limit) {
        Ok(output) => (output, start.elapsed()),
        Err(_) => {
            // The leader is not reaped yet (the waiting thread reaps it only after its pipes
            // close), so the group id is still this group's.
            let group = format!("-{pid}");
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            panic!("{what} did not finish within {limit:?}");
        }
    }
}
