//! The article's second example — worker threads fed by a `queue.Queue` — in Rust, with the
//! two things the Python version gets wrong fixed.
//!
//! ```text
//! cargo run -p demos --bin queue_workers            # 10 workers, 20 items, 40 lines, exit 0
//! cargo run -p demos --bin queue_workers -- --crash # one worker panics; join still returns
//! ```
//!
//! 1. **Ending.** Python marks its workers `daemon = True` because they can never leave
//!    `while True: queue.get()`: the interpreter simply abandons them, blocked, at exit. Here the
//!    workers are *scoped* threads and `shutdown` makes their `get_task` fail once the queue is
//!    drained, so they return and are joined — nothing is abandoned.
//! 2. **A worker that fails.** In Python, a worker that raises before `task_done()` leaves that
//!    item unfinished forever and `q.join()` hangs (pipe the Python program into `head -3`: the
//!    print raises `BrokenPipeError` in a worker and the program never ends). Here a worker takes
//!    its item with `get_task`, whose guard calls `task_done` when dropped — also while the
//!    thread unwinds from a panic — and the queue counts such items in `failed_tasks()`.
#![forbid(unsafe_code)]

use std::thread;

use queue::Queue;

/// Python's `worker(queue)`. The literal translation — `loop { let item = q.get()?; …;
/// q.task_done(); }` — would hang `join` on a panic exactly like Python; the guard cannot.
fn worker(q: &Queue<u32>, crash_on: Option<u32>, say: &Say<'_>) {
    // `while let Ok(..)`: Python's `while True`, except that it ends. `get_task` returns
    // `Err(GetError::ShutDown)` once the queue is shut down and empty.
    while let Ok(item) = q.get_task() {
        // `say` is Python's `print`; here it is `print_line`, which takes stdout's lock for the
        // whole line, so two workers' lines never glue together (Python's `print` writes the
        // text and the newline separately: the reference output has `Working on 9Working on 10`).
        say(&format!("Working on {}", *item));
        if crash_on == Some(*item) {
            panic!("worker crashed on item {}", *item);
        }
        say(&format!("Finished {}", *item));
    } // `item` (the guard) is dropped at the end of each iteration: that is the `task_done()`.
}

/// Where the workers' lines go: `print_line` in the program; the tour also collects them.
pub type Say<'a> = dyn Fn(&str) + Sync + 'a;

/// `println!`, minus its panic when stdout is gone (`queue_workers | head -3`): a worker that
/// panicked on every line would leave the items still queued to no one, and `join` — which
/// waits for every item — would wait forever, Python's hang by another road. The line is
/// written whole, under stdout's lock; a failed write is dropped like the rest of the output.
pub fn print_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Runs `workers` threads over the items `0..items`, waits for every item with `join`, then
/// shuts the queue down so the workers return. With `crash_on = Some(n)`, the worker that takes
/// item `n` panics. Each line goes to `say`. Returns the number of failed tasks.
pub fn run_example(workers: usize, items: u32, crash_on: Option<u32>, say: &Say<'_>) -> usize {
    let q = Queue::unbounded(); // Python's `Queue()` is unbounded too.
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("worker-{i}"))
                    .spawn_scoped(s, || worker(&q, crash_on, say))
                    .expect("spawn a worker thread")
            })
            .collect();
        for item in 0..items {
            q.put(item).expect("the queue is not shut down yet");
        }
        q.join(); // returns even if a worker panicked: its guard marked the item done.
        q.shutdown(); // wakes every worker blocked in `get_task`; each one returns.
                      // Joining each handle ourselves collects a panicked worker's `Err` here; an unjoined
                      // panicked scoped thread would make `thread::scope` itself panic.
        let panicked = handles
            .into_iter()
            .map(|h| h.join())
            .filter(Result::is_err)
            .count();
        assert_eq!(
            panicked,
            q.failed_tasks(),
            "each crash failed exactly one task"
        );
    });
    q.failed_tasks()
}

#[allow(dead_code)] // The tour (`src/main.rs`) includes this file as a module and calls `run_example`.
fn main() {
    let mut crash_on = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--crash" => crash_on = Some(7),
            "-h" | "--help" => {
                println!("usage: queue_workers [--crash]\n  --crash  the worker that takes item 7 panics; join still returns");
                return;
            }
            other => {
                eprintln!("queue_workers: unknown argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    let failed = run_example(10, 20, crash_on, &print_line);
    if crash_on.is_some() {
        println!("{failed} failed task{}", if failed == 1 { "" } else { "s" });
    }
}
