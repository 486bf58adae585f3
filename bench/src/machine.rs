//! Where and when a benchmark ran: results are only comparable with the machine, toolchain,
//! date and commit next to them (CONTRIBUTING.md, "Benchmarks").

use std::process::Command;

/// The facts printed in the header of every result table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    /// UTC date and time of the run.
    pub date: String,
    /// `git rev-parse HEAD` of the checkout.
    pub commit: String,
    /// Whether the checkout had uncommitted changes (the numbers are then not exactly
    /// `commit`'s).
    pub dirty: bool,
    /// `rustc -V`.
    pub toolchain: String,
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu: String,
    /// Cores available to this process.
    pub cores: usize,
    /// The 1, 5 and 15 minute load averages (`/proc/loadavg`) when the facts were collected:
    /// on a shared machine, a load well above the core count means noisy numbers.
    pub load: String,
}

impl Machine {
    /// Collects the facts; anything that cannot be found reads "unknown".
    ///
    /// ```
    /// let m = bench::machine::Machine::detect();
    /// assert!(m.cores >= 1);
    /// assert!(m.to_markdown().contains("- toolchain: "));
    /// ```
    pub fn detect() -> Machine {
        let unknown = || "unknown".to_string();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines().find_map(|l| {
                    let name = l
                        .strip_prefix("model name")?
                        .trim_start_matches([' ', '\t', ':']);
                    Some(name.to_string())
                })
            });
        Machine {
            date: command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(unknown),
            commit: command_line("git", &["rev-parse", "HEAD"]).unwrap_or_else(unknown),
            // `Some("")` is a clean tree; a failing `git` says nothing either way.
            // Changed results files do not change what is measured (a re-run rewrites them).
            dirty: command_line(
                "git",
                &[
                    "status",
                    "--porcelain",
                    "--",
                    ":(top)",
                    ":(top,exclude)bench/results",
                    ":(top,exclude)docs/plots",
                ],
            )
            .is_some_and(|s| !s.is_empty()),
            toolchain: command_line("rustc", &["-V"]).unwrap_or_else(unknown),
            cpu: cpu.unwrap_or_else(unknown),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            load: load_average().unwrap_or_else(unknown),
        }
    }

    /// The facts as markdown list items, one per line.
    pub fn to_markdown(&self) -> String {
        format!(
            "- date: {}\n- commit: {}{}\n- toolchain: {}\n- machine: {} cores, {}\n\
             - load average at start (1, 5, 15 min): {}\n",
            self.date,
            self.commit,
            if self.dirty {
                " (with uncommitted changes)"
            } else {
                ""
            },
            self.toolchain,
            self.cores,
            self.cpu,
            self.load
        )
    }
}

/// The first line of a successful command's output (stdout, or stderr for tools such as old
/// `python -V` that print there), or `None` when the command cannot run or fails. Runs in this
/// crate's directory so that `git` sees the project's checkout.
///
/// ```
/// assert_eq!(bench::machine::command_line("echo", &["a b", "c"]).as_deref(), Some("a b c"));
/// assert_eq!(bench::machine::command_line("no-such-program-here", &[]), None);
/// ```
pub fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Some(
        String::from_utf8_lossy(&text)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
    )
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`, e.g. `"0.52 0.61 0.70"`.
///
/// ```
/// if let Some(load) = bench::machine::load_average() {
///     assert_eq!(load.split(' ').count(), 3);
/// }
/// ```
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}
