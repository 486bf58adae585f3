//! Memory per pending task, measured in a fresh process per contender.
//!
//! A process that has already run other workloads holds freed heap that new tasks reuse without
//! growing the resident set, so the benchmark re-executes its own binary with [`CHILD_FLAG`]:
//! the child spawns the pending tasks, prints one line, and exits. A bench binary opts in by
//! calling [`child_main`] first thing in `main`.

use super::ExecContender;
use std::process::Command;

/// The argument that turns a bench binary into a memory-measuring child:
/// `<exe> --pending-tasks-child <contender name> <n>`.
pub const CHILD_FLAG: &str = "--pending-tasks-child";

/// If this process was started as a memory child, measures, prints
/// `bytes_per_task=<value>` and returns `true` (the caller should then exit); otherwise returns
/// `false` and does nothing.
pub fn child_main() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(pos) = args.iter().position(|a| a == CHILD_FLAG) else {
        return false;
    };
    let contender = args
        .get(pos + 1)
        .and_then(|name| ExecContender::from_name(name));
    let n = args.get(pos + 2).and_then(|n| n.parse::<usize>().ok());
    let (Some(contender), Some(n)) = (contender, n) else {
        eprintln!("usage: {CHILD_FLAG} <contender> <n>");
        std::process::exit(2);
    };
    let (before, after) = contender.pending_rss(n);
    println!(
        "bytes_per_task={}",
        after.saturating_sub(before) as f64 / n.max(1) as f64
    );
    true
}

/// Resident memory per pending task (bytes) for `contender` with `n` tasks, measured in a fresh
/// child process of the current executable, which must call [`child_main`] at start.
pub fn bytes_per_pending_task(contender: ExecContender, n: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let out = Command::new(exe)
        .args([CHILD_FLAG, contender.name(), &n.to_string()])
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
                "memory child for {} failed ({}): {stderr}",
                contender.name(),
                out.status
            )
        })
}
