//! The article's first example — asyncio's `create_task` / `sleep` / `run` — line for line on
//! our executor.
//!
//! ```text
//! cargo run -p demos --bin async_fetch              # real time, ~2.5 s, same lines as Python
//! cargo run -p demos --bin async_fetch -- --virtual # virtual clock: instant, each line timed
//! ```
//!
//! The Python program (`demos/reference/asyncio_example.py`) and this file side by side:
//!
//! | Python                               | Rust                                   |
//! |--------------------------------------|----------------------------------------|
//! | `async def fetch_data():`            | `async fn fetch_data()`                |
//! | `await asyncio.sleep(2)`             | `sleep(Duration::from_secs(2)).await`  |
//! | `asyncio.create_task(fetch_data())`  | `spawn(fetch_data())`                  |
//! | `value = await task1`                | `let value = task1.await`              |
//! | `asyncio.run(main())`                | `executor::run(main())`                |
//!
//! One difference a reader meets at once: awaiting a task gives a `Result`. In Python an
//! exception raised inside `fetch_data` re-raises at `await task1`; in Rust a panic inside the
//! task is caught by the executor and handed back as a `JoinError`, so `main` decides what to do
//! (here: `expect`, which re-panics with a message).
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use executor::{sleep, spawn, Executor};

/// What `fetch_data` returns: Python's `{'data': 1}`. A map rather than a struct so the value
/// is the same kind of thing as in the article.
type Data = BTreeMap<&'static str, i32>;

async fn fetch_data() -> Data {
    say("start fetching");
    sleep(Duration::from_secs(2)).await; // simulate waiting for I/O
    say("done fetching");
    Data::from([("data", 1)])
}

async fn print_numbers() {
    for i in 0..10 {
        say(&i.to_string());
        sleep(Duration::from_millis(250)).await;
    }
}

/// Python's `async def main()` (`main` itself is Rust's entry point, below).
async fn async_main() {
    let task1 = spawn(fetch_data());
    let task2 = spawn(print_numbers());
    let value = task1.await.expect("fetch_data panicked");
    say(&py_repr(&value));
    task2.await.expect("print_numbers panicked");
}

/// Runs the example: on the real clock like `asyncio.run`, or on the virtual clock, where the
/// two seconds of "I/O" take no time and every line is prefixed with its exact elapsed time.
/// Returns the lines it printed, without the time prefix (the tour compares them with
/// Python's).
pub fn run_example(virtual_clock: bool) -> Vec<String> {
    if virtual_clock {
        Executor::with_virtual_clock().block_on(timed(async_main()));
    } else {
        executor::run(async_main());
    }
    PRINTED.with(|printed| printed.take())
}

/// Records when the run started, so `say` can print times relative to it. The executor's
/// `now()` is the virtual clock when there is one, so the differences are exact (0.25, not
/// 0.2500013).
async fn timed(body: impl std::future::Future<Output = ()>) {
    START.with(|start| start.set(Some(executor::now())));
    body.await;
    START.with(|start| start.set(None));
}

thread_local! {
    // A thread-local, not a global: the executor runs every task on this one thread, and the
    // real-clock run leaves it `None`, which is what keeps its lines identical to Python's.
    static START: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
    static PRINTED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Python's `print`, plus the elapsed-time prefix on the virtual clock.
fn say(line: &str) {
    PRINTED.with(|printed| printed.borrow_mut().push(line.to_string()));
    match START.with(|start| start.get()) {
        Some(start) => {
            let elapsed = executor::now().duration_since(start);
            println!("{:.2} {line}", elapsed.as_secs_f64());
        }
        None => println!("{line}"),
    }
}

/// Prints a map the way Python's `print(dict)` does — `{'data': 1}` — so this program's output
/// is byte-for-byte the reference output, and the parity test needs no special case. (Rust's
/// own `{:?}` would print `{"data": 1}`.)
fn py_repr(map: &Data) -> String {
    let items: Vec<String> = map.iter().map(|(k, v)| format!("'{k}': {v}")).collect();
    format!("{{{}}}", items.join(", "))
}

#[allow(dead_code)] // The tour (`src/main.rs`) includes this file as a module and calls `run_example`.
fn main() {
    let mut virtual_clock = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--virtual" => virtual_clock = true,
            "-h" | "--help" => {
                println!("usage: async_fetch [--virtual]\n  --virtual  run on the virtual clock and print each line's elapsed time");
                return;
            }
            other => {
                eprintln!("async_fetch: unknown argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    run_example(virtual_clock);
}
