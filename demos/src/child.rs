//! Running a child process with a time limit: the Python scripts, the `--child` runs of the
//! tour's experiments, and the `echo` demo's load generator (this file is loaded by `echo.rs`,
//! which both binaries share).
//!
//! On overrun the child is killed and, if it leads a process group of its own (the caller asks
//! for one with `CommandExt::process_group(0)`, as the Python scripts do), the whole group with
//! it — `multiprocessing` workers or anything else it started included — so a stuck child costs
//! the tour its limit, never a hang. A child left in the tour's group (the lightweight runs:
//! they start nothing) still gets the terminal's Ctrl-C with the tour. Both pipes are drained on
//! threads while we wait: a child blocked on a full pipe would otherwise look like a hang too.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often a running child is checked for exit or overrun. Every figure is measured inside
/// the child, so this costs no precision, only up to this much of the tour's time per run.
const POLL: Duration = Duration::from_millis(5);

/// What a child that ended in time left behind.
#[derive(Debug)]
pub struct Finished {
    /// How it exited (not necessarily successfully).
    pub status: ExitStatus,
    /// Its whole stdout.
    pub stdout: String,
    /// Its whole stderr.
    pub stderr: String,
    /// How long it ran, start-up included.
    pub elapsed: Duration,
}

/// What a measuring child (the lightweight and I/O-bound experiments') reports on its last
/// stdout line: `ok <wall ns> <cpu ns> <rss delta bytes>`, or `error <why>`.
#[derive(Debug)]
pub struct Measurement {
    /// Wall time, as the child measured it.
    pub wall: Duration,
    /// CPU time, as the child measured it.
    pub cpu: Duration,
    /// Peak RSS during the run minus RSS before it.
    pub rss_delta: u64,
}

/// Runs a measuring child within `limit` ([`run_with_limit`]) and reads its [`Measurement`];
/// `Err` says why there is none (overrun, the child's own `error …`, or how it exited).
pub fn run_measuring(command: &mut Command, limit: Duration) -> Result<Measurement, String> {
    let output = run_with_limit(command, limit)
        .map_err(|why| format!("not finished: {why} (the experiment's time budget)"))?;
    let line = output.stdout.lines().last().unwrap_or("");
    let parse = |line: &str| -> Option<Measurement> {
        let mut nums = line
            .strip_prefix("ok ")?
            .split(' ')
            .map(|f| f.parse::<u64>().ok());
        Some(Measurement {
            wall: Duration::from_nanos(nums.next()??),
            cpu: Duration::from_nanos(nums.next()??),
            rss_delta: nums.next()??,
        })
    };
    match (parse(line), line.strip_prefix("error ")) {
        (Some(measured), _) => Ok(measured),
        (None, Some(error)) => Err(error.to_string()),
        (None, None) => Err(format!("child failed ({})", output.status)),
    }
}

/// Runs `command` (stdin closed, stdout and stderr captured) for at most `limit`; a huge limit
/// means no deadline. Set `process_group(0)` on it for the kill to reach its descendants.
/// `Err` says why it did not finish: it could not start (`cannot run …`),
/// or it overran and was killed (`killed after …`).
pub fn run_with_limit(command: &mut Command, limit: Duration) -> Result<Finished, String> {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run {}: {e}",
                command.get_program().to_string_lossy()
            )
        })?;
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
    let overrun = || Err(format!("killed after {limit:?}"));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if deadline.is_some_and(|d| Instant::now() >= d) => {
                // Killed while the child is unreaped: a group it leads still has its id. If it
                // leads none, no group has that id and the group kill is a no-op.
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                return overrun();
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => return Err(format!("waiting for the child: {e}")),
        }
    };
    let elapsed = start.elapsed();
    // The pipes close when the last process holding them exits: a process the child left
    // behind would keep them open. If the child led a group, the straggler still belongs to it
    // (a group id is not reused while it has members), so at the deadline the group is killed.
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
    Ok(Finished {
        status,
        stdout,
        stderr,
        elapsed,
    })
}

/// Sends SIGKILL to the process group `pgid` (the child and any processes it started). std
/// has no `killpg`; `kill(1)` does it without `unsafe`. A group already gone is no error.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn an_overrunning_child_is_killed_at_its_deadline() {
        // `sleep` stands in for a child that hangs; only the deadline can end it.
        let start = Instant::now();
        let err = run_with_limit(Command::new("sleep").arg("30"), Duration::from_millis(200))
            .unwrap_err();
        assert!(err.contains("killed after"), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not killed in time"
        );
        let huge = run_with_limit(Command::new("sleep").arg("0"), Duration::MAX)
            .expect("no deadline, no overflow");
        assert!(huge.status.success() && huge.stdout.is_empty());
    }

    #[test]
    fn what_a_child_leaves_behind_is_killed_at_the_deadline() {
        // The shell prints the pid of a `sleep` it leaves behind and exits at once; the sleep
        // holds stdout open, so only the group kill at the deadline lets the run end. The
        // shell itself finished: its output is the result.
        let start = Instant::now();
        let finished = run_with_limit(
            Command::new("sh")
                .args(["-c", "sleep 30 & echo $!"])
                .process_group(0),
            Duration::from_millis(300),
        )
        .expect("the shell finished");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the group was not killed"
        );
        let pid = finished.stdout.trim();
        // Its pipe closed, so it is exiting: the kernel closes a dying process's files before it
        // becomes a zombie, so for a moment it may still read as running. Gone, or a zombie
        // until its new parent reaps it, within a bounded wait (a condition polled, not a sleep
        // that orders events).
        let state_of = |pid: &str| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .map(str::to_owned)
        };
        let give_up = Instant::now() + Duration::from_secs(5);
        let mut state = state_of(pid);
        while !matches!(state.as_deref(), None | Some("Z")) && Instant::now() < give_up {
            std::thread::yield_now();
            state = state_of(pid);
        }
        assert!(
            matches!(state.as_deref(), None | Some("Z")),
            "sleep {pid} still runs: {state:?}"
        );
    }
}
