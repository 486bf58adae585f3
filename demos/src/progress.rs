//! A progress bar on stderr, redrawn in place with `\r`.
//!
//! On a terminal it stays silent for the first second — a quick experiment should not flicker
//! a bar. It turns into plain log lines (one per step) when stderr is not a terminal or `CI=true`, because `\r` in a log
//! file is noise. stdout carries only the results, so `demos > results.txt` stays clean.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Progress through a known number of steps.
pub struct Progress {
    label: &'static str,
    total: usize,
    done: usize,
    started: Instant,
    style: Style,
    drawn: bool,
}

#[derive(PartialEq)]
enum Style {
    Bar,
    Lines,
}

/// A step must keep the bar away this long before it appears at all.
const QUIET_START: Duration = Duration::from_secs(1);
const WIDTH: usize = 30;

impl Progress {
    /// A bar for `total` steps of the experiment `label`.
    pub fn new(label: &'static str, total: usize) -> Progress {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let style = if std::io::stderr().is_terminal() && !ci {
            Style::Bar
        } else {
            Style::Lines
        };
        Progress {
            label,
            total: total.max(1),
            done: 0,
            started: Instant::now(),
            style,
            drawn: false,
        }
    }

    /// Announces the step about to run (`what`, e.g. `threads N=1000`).
    pub fn start(&mut self, what: &str) {
        if self.style == Style::Bar && self.started.elapsed() < QUIET_START {
            return;
        }
        let mut err = std::io::stderr().lock();
        // Errors writing to stderr are ignored: progress is a courtesy, never a failure.
        let _ = match self.style {
            Style::Lines => writeln!(
                err,
                "[{} {}/{}] {what}",
                self.label,
                self.done + 1,
                self.total
            ),
            Style::Bar => {
                let filled = WIDTH * self.done / self.total;
                self.drawn = true;
                write!(
                    err,
                    "\r\x1b[2K{:<12} [{}{}] {}/{} {what}",
                    self.label,
                    "#".repeat(filled),
                    " ".repeat(WIDTH - filled),
                    self.done,
                    self.total
                )
            }
        };
        let _ = err.flush();
    }

    /// Marks the current step finished.
    pub fn step_done(&mut self) {
        self.done = (self.done + 1).min(self.total);
    }

    /// Clears the bar so the results table starts on a clean line.
    pub fn finish(self) {
        if self.style == Style::Bar && self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
