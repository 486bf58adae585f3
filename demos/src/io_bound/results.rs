//! The I/O-bound experiment's results: the table, the crossover line and the verdict.

use super::{Contender, Measured, Sample};
use crate::echo::{Server, MESSAGE, POOL_THREADS};
use crate::report::{Cell, Language, Table};
use crate::verdict::{self, Judged};

/// The task-based and the thread-per-connection contender of `language`.
fn pair(language: Language) -> (Contender, Contender) {
    match language {
        Language::Rust => (
            Contender::Rust(Server::Executor),
            Contender::Rust(Server::Threads),
        ),
        Language::Python => (Contender::PyAsyncio, Contender::PyThreads),
    }
}

fn measured(samples: &[Sample], c: Contender, idle: bool, n: usize) -> Option<&Measured> {
    samples
        .iter()
        .find(|s| s.contender == c && s.load.idle == idle && s.load.connections == n)
        .and_then(|s| s.result.as_ref().ok())
}

/// The values of N where both of `language`'s task and thread contenders ran under `idle`,
/// ascending, with the two measurements.
fn both(samples: &[Sample], language: Language, idle: bool) -> Vec<(usize, Measured, Measured)> {
    let (tasks, threads) = pair(language);
    let mut ns: Vec<usize> = samples.iter().map(|s| s.load.connections).collect();
    ns.sort_unstable();
    ns.dedup();
    ns.into_iter()
        .filter_map(|n| {
            Some((
                n,
                *measured(samples, tasks, idle, n)?,
                *measured(samples, threads, idle, n)?,
            ))
        })
        .collect()
}

fn per_conn_bytes(m: &Measured, n: usize) -> f64 {
    m.rss_delta as f64 / n as f64
}

fn per_conn_us(m: &Measured, n: usize) -> f64 {
    m.cpu.as_secs_f64() * 1e6 / n as f64
}

/// The claim judged in `language`, at the largest N where its task and thread servers both
/// ran under both loads: the task server must serve a busy connection in less CPU time *and*
/// hold an idle one in less memory than a thread per connection. Both are the server's own
/// costs; the wall time is shown but not judged, as on loopback it is as much the load
/// generator's (it shares the machine's cores with the server).
pub fn judge(samples: &[Sample], language: Language) -> Judged {
    let busy = both(samples, language, false);
    let idle = both(samples, language, true);
    let (n, task_busy, thread_busy) = busy
        .iter()
        .rev()
        .find(|(n, ..)| idle.iter().any(|(m, ..)| m == n))?;
    let (_, task_idle, thread_idle) = idle.iter().find(|(m, ..)| m == n)?;
    let (tasks, threads) = pair(language);
    let (task_us, thread_us) = (per_conn_us(task_busy, *n), per_conn_us(thread_busy, *n));
    let (task_b, thread_b) = (
        per_conn_bytes(task_idle, *n),
        per_conn_bytes(thread_idle, *n),
    );
    let holds = task_us < thread_us && task_b < thread_b;
    Some((
        holds,
        format!(
            "at N = {n}, {} {task_us:.0} µs CPU per busy connection and {task_b:.0} B per idle one, {} {thread_us:.0} µs and {thread_b:.0} B",
            tasks.name(),
            threads.name()
        ),
    ))
}

/// The verdict line on "asyncio suits I/O-bound work", from both languages' numbers.
pub fn verdict(samples: &[Sample]) -> String {
    verdict::line(
        "asyncio suits I/O-bound work (many connections) better than a thread per connection",
        &judge(samples, Language::Rust),
        &judge(samples, Language::Python),
    )
}

/// Where the task server starts to win in `language`, one line: the smallest N from which
/// it beats a thread per connection at every larger N measured: on busy wall time, on busy CPU
/// per connection, and on idle memory per connection.
pub fn crossover(samples: &[Sample], language: Language) -> Option<String> {
    let from = |rows: &[(usize, Measured, Measured)],
                wins: &dyn Fn(&(usize, Measured, Measured)) -> bool| {
        let last_loss = rows.iter().rposition(|r| !wins(r));
        match last_loss {
            None => "at every N measured".to_string(),
            Some(i) if i + 1 == rows.len() => "at no N measured".to_string(),
            Some(i) => format!("from N = {} on", rows[i + 1].0),
        }
    };
    let busy = both(samples, language, false);
    let idle = both(samples, language, true);
    if busy.is_empty() && idle.is_empty() {
        return None;
    }
    let (tasks, threads) = pair(language);
    Some(format!(
        "crossover, {}: {} beats {} on busy wall time {}, on busy CPU per connection {}, on idle memory per connection {} (N measured: {})",
        language.name(),
        tasks.name(),
        threads.name(),
        from(&busy, &|(_, t, h)| t.wall <= h.wall),
        from(&busy, &|(_, t, h)| t.cpu < h.cpu),
        from(&idle, &|(n, t, h)| per_conn_bytes(t, *n) < per_conn_bytes(h, *n)),
        busy.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(", "),
    ))
}

/// The results as a table: per contender, load and N, totals and the cost per connection.
pub fn table(samples: &[Sample]) -> Table {
    let rows = samples
        .iter()
        .map(|s| {
            let n = s.load.connections as f64;
            let mut row = vec![
                Cell::Text(s.contender.language().name().into()),
                Cell::Text(s.contender.name().into()),
                Cell::Text(s.load.name().into()),
                Cell::Num(n, 0),
            ];
            match &s.result {
                Ok(m) => row.extend([
                    Cell::Num(m.wall.as_secs_f64() * 1e3, 1),
                    Cell::Num(m.cpu.as_secs_f64() * 1e3, 0),
                    Cell::Num(m.cpu.as_secs_f64() * 1e6 / n, 1),
                    Cell::Num(m.rss_delta as f64 / 1024.0, 0),
                    Cell::Num(m.rss_delta as f64 / n, 0),
                    Cell::Text(String::new()),
                ]),
                Err(why) => {
                    row.extend(std::iter::repeat_with(|| Cell::Missing).take(5));
                    row.push(Cell::Text(why.clone()));
                }
            }
            row
        })
        .collect();
    let rounds = samples.iter().map(|s| s.load.rounds).max().unwrap_or(0);
    let mut notes = vec![
        format!("busy: each connection does {rounds} round trips of {MESSAGE} B back to back; idle: one trip, held open until all N are open, one more trip (RSS per connection held open)"),
        "the server runs in a fresh child process, the load generator (our executor, at most 64 connections opening at once: connected, first echo not back) in a child of it: CPU and peak RSS are the server's alone; wall time is the load generator's, first connect to last close".into(),
        format!("pool: a WorkerPool of {POOL_THREADS} threads serves {POOL_THREADS} connections at once, the rest wait their turn (busy); under the idle load it cannot finish"),
        "CPU time: Rust's from /proc/self/stat in 10 ms ticks (small values read 0), Python's from time.process_time".into(),
        "loopback, 2 processes on a shared machine: the wall time includes the load generator's own work".into(),
    ];
    notes.extend(crossover(samples, Language::Rust));
    notes.extend(crossover(samples, Language::Python));
    Table {
        verdict: None,
        title: "io: N concurrent connections doing round trips over loopback".into(),
        columns: vec![
            "language",
            "contender",
            "load",
            "N",
            "wall ms",
            "CPU ms",
            "CPU µs/conn",
            "peak RSS KiB",
            "RSS B/conn",
            "note",
        ],
        rows,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::echo::Load;
    use std::time::Duration;

    fn sample(contender: Contender, idle: bool, n: usize, wall_ms: u64, rss: u64) -> Sample {
        // CPU follows the wall time here: each test row wins or loses on both.
        Sample {
            contender,
            load: Load {
                connections: n,
                rounds: 10,
                idle,
            },
            result: Ok(Measured {
                wall: Duration::from_millis(wall_ms),
                cpu: Duration::from_millis(wall_ms),
                rss_delta: rss,
            }),
        }
    }

    #[test]
    fn the_verdict_and_the_crossover_follow_the_numbers() {
        let (exec, threads) = pair(Language::Rust);
        let mut samples = vec![
            // N = 10: threads faster and lighter; N = 100 and 1000: the executor wins both.
            sample(exec, false, 10, 5, 0),
            sample(threads, false, 10, 4, 0),
            sample(exec, true, 10, 1, 50_000),
            sample(threads, true, 10, 1, 40_000),
            sample(exec, false, 100, 10, 0),
            sample(threads, false, 100, 20, 0),
            sample(exec, true, 100, 1, 100_000),
            sample(threads, true, 100, 1, 900_000),
            sample(exec, false, 1_000, 50, 0),
            sample(threads, false, 1_000, 90, 0),
            sample(exec, true, 1_000, 1, 1_000_000),
            sample(threads, true, 1_000, 1, 9_000_000),
        ];
        assert!(judge(&samples, Language::Rust).unwrap().0);
        assert_eq!(judge(&samples, Language::Python), None);
        let line = crossover(&samples, Language::Rust).unwrap();
        assert!(line.contains("busy wall time from N = 100 on"), "{line}");
        assert!(
            line.contains("busy CPU per connection from N = 100 on"),
            "{line}"
        );
        assert!(
            line.contains("idle memory per connection from N = 100 on"),
            "{line}"
        );
        // Python: asyncio cheaper in CPU but heavier: false, and "at no N" for memory.
        samples.push(sample(Contender::PyAsyncio, false, 10, 5, 0));
        samples.push(sample(Contender::PyThreads, false, 10, 9, 0));
        samples.push(sample(Contender::PyAsyncio, true, 10, 1, 9_000));
        samples.push(sample(Contender::PyThreads, true, 10, 1, 5_000));
        assert!(!judge(&samples, Language::Python).unwrap().0);
        let py = crossover(&samples, Language::Python).unwrap();
        assert!(py.contains("busy wall time at every N measured"), "{py}");
        assert!(
            py.contains("busy CPU per connection at every N measured"),
            "{py}"
        );
        assert!(
            py.contains("idle memory per connection at no N measured"),
            "{py}"
        );
        assert!(verdict(&samples).contains("true only in Rust"));
    }
}
