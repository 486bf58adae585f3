//! The lightweight experiment's results: the table, and the verdict on the claim.

use super::{Contender, Measured, Sample, THREAD_CAP, WAIT};
use crate::procfs;
use crate::report::{Cell, Language, Table};
use crate::verdict::{self, Judged};

/// The claim judged in `language`: at the largest N where both its task-like and its thread
/// contender ran, a task must cost less memory *and* less CPU per wait than a thread.
pub fn judge(samples: &[Sample], language: Language) -> Judged {
    let (tasks, threads) = match language {
        Language::Rust => (Contender::Executor, Contender::Threads),
        Language::Python => (Contender::PyAsyncio, Contender::PyThreads),
    };
    let measured = |c: Contender, n: usize| {
        samples
            .iter()
            .find(|s| s.contender == c && s.n == n)
            .and_then(|s| s.result.as_ref().ok())
    };
    let (n, task, thread) = samples
        .iter()
        .filter_map(|s| Some((s.n, measured(tasks, s.n)?, measured(threads, s.n)?)))
        .max_by_key(|&(n, _, _)| n)?;
    let per = |m: &Measured| {
        (
            m.rss_delta as f64 / n as f64,
            m.cpu.as_secs_f64() * 1e6 / n as f64,
        )
    };
    let ((task_b, task_us), (thread_b, thread_us)) = (per(task), per(thread));
    let holds = task_b < thread_b && task_us < thread_us;
    Some((
        holds,
        format!(
            "at N = {n}, {} {task_b:.0} B and {task_us:.1} µs CPU per wait, {} {thread_b:.0} B and {thread_us:.1} µs",
            tasks.name(),
            threads.name()
        ),
    ))
}

/// The verdict line on "asyncio is very lightweight", from both languages' numbers.
pub fn verdict(samples: &[Sample]) -> String {
    verdict::line(
        "asyncio is very lightweight (lighter than a thread per wait)",
        &judge(samples, Language::Rust),
        &judge(samples, Language::Python),
    )
}

/// The results as a table: per contender and N, totals and the cost per wait.
pub fn table(samples: &[Sample]) -> Table {
    let rows = samples
        .iter()
        .map(|s| {
            let n = s.n as f64;
            let mut row = vec![
                Cell::Text(s.contender.language().name().into()),
                Cell::Text(s.contender.name().into()),
                Cell::Num(n, 0),
            ];
            match &s.result {
                Ok(m) => row.extend([
                    Cell::Num(m.wall.as_secs_f64() * 1e3, 1),
                    Cell::Num(m.cpu.as_secs_f64() * 1e3, 0),
                    Cell::Num(m.cpu.as_secs_f64() * 1e6 / n, 2),
                    Cell::Num(m.rss_delta as f64 / 1024.0, 0),
                    Cell::Num(m.rss_delta as f64 / n, 0),
                    Cell::Text(String::new()),
                ]),
                Err(why) => {
                    row.extend([
                        Cell::Missing,
                        Cell::Missing,
                        Cell::Missing,
                        Cell::Missing,
                        Cell::Missing,
                    ]);
                    row.push(Cell::Text(why.clone()));
                }
            }
            row
        })
        .collect();
    let mut notes = vec![
        format!(
            "every wait lasts {} ms; ideal wall time is {} ms at any N",
            WAIT.as_millis(),
            WAIT.as_millis()
        ),
        "CPU time: Rust's from /proc/self/stat in 10 ms ticks (small values read 0), Python's from time.process_time".into(),
        "threads: each sleeps as soon as it starts, and at large N starting them takes longer than the 50 ms wait, so only some are alive at once (the wall time shows it): their RSS per wait is a lower bound".into(),
        "RSS is the peak (VmHWM) minus the RSS before the run, in a fresh child process".into(),
        format!(
            "threads are capped at {THREAD_CAP}: each costs 2 memory mappings of vm.max_map_count"
        ),
    ];
    if let (Some(threads), Some(maps)) = (
        procfs::sys_limit("kernel/threads-max"),
        procfs::sys_limit("vm/max_map_count"),
    ) {
        notes.push(format!(
            "this machine: kernel.threads-max = {threads}, vm.max_map_count = {maps}"
        ));
    }
    Table {
        verdict: None,
        title: "lightweight: N concurrent 50 ms waits".into(),
        columns: vec![
            "language",
            "contender",
            "N",
            "wall ms",
            "CPU ms",
            "CPU µs/wait",
            "peak RSS KiB",
            "RSS B/wait",
            "note",
        ],
        rows,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_verdict_follows_the_numbers() {
        let sample = |contender, n, rss_delta, cpu_ms| Sample {
            contender,
            n,
            result: Ok(Measured {
                wall: WAIT,
                cpu: Duration::from_millis(cpu_ms),
                rss_delta,
            }),
        };
        let mut samples = vec![
            sample(Contender::Executor, 10, 9_000, 0),
            sample(Contender::Threads, 10, 1_000, 10),
            sample(Contender::Executor, 100, 1_000, 1),
            sample(Contender::Threads, 100, 9_000, 10),
        ];
        // The largest N where both ran decides; the Python side was not measured.
        assert!(judge(&samples, Language::Rust).unwrap().0);
        assert_eq!(judge(&samples, Language::Python), None);
        samples.push(sample(Contender::PyAsyncio, 10, 5_000, 10));
        samples.push(sample(Contender::PyThreads, 10, 5_000, 20));
        let (holds, why) = judge(&samples, Language::Python).unwrap();
        assert!(!holds, "equal memory is not lighter: {why}");
        assert!(verdict(&samples).contains("true only in Rust"));
    }
}
