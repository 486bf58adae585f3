//! Memory per task — pending (holding no waker) or sleeping (its waker held by the timer) —
//! measured in a fresh process per contender.
//!
//! A process that has already run other workloads holds freed heap that new tasks reuse without
//! growing the resident set, so the benchmark re-executes its own binary with [`CHILD_FLAG`]:
//! the child spawns the tasks, prints one line, and exits. A bench binary opts in by calling
//! [`child_main`] first thing in `main`.

use super::{ExecContender, TaskKind, SLEEPING_TASK_SLEEP};
use std::process::Command;
use std::time::Instant;

/// The argument that turns a bench binary into a memory-measuring child:
/// `<exe> --tasks-child <kind> <contender name> <n>`.
pub const CHILD_FLAG: &str = "--tasks-child";

/// If this process was started as a memory child, measures, prints
/// `bytes_per_task=<value>` and returns `true` (the caller should then exit); otherwise returns
/// `false` and does nothing. Exits with status 2 on bad arguments, and with status 3 when a
/// sleeping workload took longer than the sleep (some tasks may have woken before the memory
/// was read).
pub fn child_main() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(pos) = args.iter().position(|a| a == CHILD_FLAG) else {
        return false;
    };
    let kind = args.get(pos + 1).and_then(|k| TaskKind::from_name(k));
    let contender = args
        .get(pos + 2)
        .and_then(|name| ExecContender::from_name(name));
    let n = args.get(pos + 3).and_then(|n| n.parse::<usize>().ok());
    let (Some(kind), Some(contender), Some(n)) = (kind, contender, n) else {
        eprintln!("usage: {CHILD_FLAG} <pending|sleeping> <contender> <n>");
        std::process::exit(2);
    };
    let started = Instant::now();
    let (before, after) = contender.tasks_rss(kind, n);
    // Conservative: the time includes the teardown after the memory was read.
    if kind == TaskKind::Sleeping && started.elapsed() >= SLEEPING_TASK_SLEEP {
        eprintln!(
            "{}: spawning {n} sleeping tasks took longer than their {SLEEPING_TASK_SLEEP:?} sleep",
            contender.name()
        );
        std::process::exit(3);
    }
    println!(
        "bytes_per_task={}",
        after.saturating_sub(before) as f64 / n.max(1) as f64
    );
    true
}

/// Resident memory per task (bytes) for `contender` with `n` tasks of `kind`, measured in a
/// fresh child process of the current executable, which must call [`child_main`] at start.
pub fn bytes_per_task(contender: ExecContender, kind: TaskKind, n: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let out = Command::new(exe)
        .args([CHILD_FLAG, kind.name(), contender.name(), &n.to_string()])
        .output()
        .map_err(|e| format!("spawning the memory child: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("bytes_per_task="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            let stderr = String::from_utf8_lossy(&out.stderr);
            format!(
                "memory child for {} ({} tasks) failed ({}): {stderr}",
                contender.name(),
                kind.name(),
                out.status
            )
        })
}
