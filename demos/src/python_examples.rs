//! The article's two Python originals, run beside our examples: the tour shows that the lines
//! agree, and explains the one way Python's output differs (two threads' lines glued together).
//!
//! The programs are the repository's copy, `demos/reference/*.py`, unchanged.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::python::{self, Python};
use crate::queue_workers;

/// How long an original may take: the asyncio one sleeps 2.5 s, the queue one none.
const LIMIT: Duration = Duration::from_secs(30);

/// Runs `asyncio_example.py` (real clock, 2.5 s) and compares its lines with ours, in order.
pub fn compare_asyncio(py: &Python, ours: &[String]) {
    let script = python::reference_dir().join("asyncio_example.py");
    let finished = match py.run(&[&script.to_string_lossy()], LIMIT) {
        Ok(finished) => finished,
        Err(why) => return println!("  (Python original skipped: {why})"),
    };
    let theirs: Vec<&str> = finished.stdout.lines().collect();
    let same = theirs.iter().copied().eq(ours.iter().map(String::as_str));
    println!(
        "  Python {} ran reference/asyncio_example.py on the real clock ({:.1} s): {}",
        py.version,
        finished.elapsed.as_secs_f64(),
        if same {
            format!("the same {} lines, in the same order", theirs.len())
        } else {
            format!("DIFFERENT lines: {theirs:?}, ours {ours:?}")
        }
    );
}

/// Runs `queue_example.py` (10 workers, 20 items) and compares its lines, as a multiset, with
/// ours at the same sizes (run quietly for the comparison).
pub fn compare_queue(py: &Python) {
    let script = python::reference_dir().join("queue_example.py");
    let finished = match py.run(&[&script.to_string_lossy()], LIMIT) {
        Ok(finished) => finished,
        Err(why) => return println!("  (Python original skipped: {why})"),
    };
    let ours = Mutex::new(Vec::new());
    queue_workers::run_example(10, 20, None, &|line| {
        // Poisoning cannot happen here (a push does not panic), and a Vec of lines has no
        // invariant a panic could break: recover rather than lose the comparison.
        ours.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string());
    });
    let ours = ours.into_inner().unwrap_or_else(|e| e.into_inner());
    let (theirs, glued) = unglue(&finished.stdout);
    let verdict = if count(&theirs) == count(&ours) {
        format!("the same {} lines as ours, run unprinted at its 10 workers and 20 items: each line once (the order between threads is the scheduler's, in both)", theirs.len())
    } else {
        format!("DIFFERENT lines: {theirs:?}, ours {ours:?}")
    };
    println!(
        "  Python {} ran reference/queue_example.py: {verdict}",
        py.version
    );
    let why = "Python's print writes the text and the newline as two writes, and nothing orders two threads' writes; ours cannot glue, each of our lines is one write under stdout's lock";
    match glued.first() {
        Some(example) => println!(
            "  {} of its lines came out glued, e.g. {example:?} — {why}; split before each \"Working on\" / \"Finished\", they are the lines above",
            glued.len()
        ),
        None => println!(
            "  none of its lines came out glued this time; the reference run (reference/queue_example.out) has \"Working on 9Working on 10\" — {why}"
        ),
    }
}

/// Splits Python's output before each `Working on` / `Finished`: the lines as printed, and the
/// raw lines that held more than one of them (glued). Empty lines — where a glued line's
/// newline landed — are dropped.
fn unglue(stdout: &str) -> (Vec<String>, Vec<String>) {
    let glued = stdout
        .lines()
        .filter(|l| l.matches("Working on").count() + l.matches("Finished").count() > 1)
        .map(str::to_string)
        .collect();
    let lines = stdout
        .replace("Working on", "\nWorking on")
        .replace("Finished", "\nFinished")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (lines, glued)
}

fn count(lines: &[String]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for line in lines {
        *counts.entry(line.as_str()).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_output_ungludes_to_40_lines_with_one_glued() {
        let reference = std::fs::read_to_string(python::reference_dir().join("queue_example.out"))
            .expect("the repository's copy of the reference output");
        let (lines, glued) = unglue(&reference);
        assert_eq!(glued, ["Working on 9Working on 10"]);
        let expected: Vec<String> = (0..20)
            .flat_map(|n| [format!("Working on {n}"), format!("Finished {n}")])
            .collect();
        assert_eq!(count(&lines), count(&expected));
    }
}
