//! The executor's rows of the README's ablation: what one build of the executor costs on seven
//! workloads, printed as one table row. `scripts/ablation-executor` builds the crate once per
//! layer switch (`--cfg ...`) and runs this example on each build, so every row comes from the
//! same command on the same machine.
//!
//! ```text
//! cargo run --release -p executor --example ablation        # one row, the default build
//! scripts/ablation-executor                                  # every variant, the whole table
//! ```
//!
//! Memory is measured in a fresh child process per workload (this same binary, re-executed with
//! `--memory-child`): a process that already ran other workloads reuses freed heap without
//! growing its resident set, which would hide what the tasks cost.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::process::Command;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use executor::{spawn, yield_now, Executor};

const MEMORY_CHILD: &str = "--memory-child";
/// Tasks per memory measurement.
const TASKS: usize = 100_000;

thread_local! {
    static POLLED: Cell<usize> = const { Cell::new(0) };
}

/// Nanoseconds per operation: the best of three short runs (the machine is shared and noisy).
fn best_ns(ops: u64, mut run: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_nanos() as f64 / ops as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn spawn_await(n: u64) {
    Executor::new().block_on(async {
        let mut done = 0;
        while done < n {
            let handles: Vec<_> = (0..1000).map(|i| spawn(async move { i })).collect();
            for (i, handle) in handles.into_iter().enumerate() {
                assert_eq!(handle.await.unwrap(), i);
            }
            done += 1000;
        }
    });
}

fn yield_many(n: u64) {
    Executor::new().block_on(async {
        spawn(async move {
            for _ in 0..n {
                yield_now().await;
            }
        })
        .await
        .unwrap();
    });
}

/// Two tasks taking turns: each waits for its turn, then hands it over by waking the other
/// through the waker the other stored — the wake path of a task that keeps its waker.
struct Court {
    turn: Cell<usize>,
    waiting: RefCell<[Option<Waker>; 2]>,
}

struct MyTurn<'a>(&'a Court, usize);

impl Future for MyTurn<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let MyTurn(court, me) = *self;
        if court.turn.get() == me {
            return Poll::Ready(());
        }
        court.waiting.borrow_mut()[me] = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn ping_pong(rounds: u64) {
    let court = Rc::new(Court {
        turn: Cell::new(0),
        waiting: RefCell::new([None, None]),
    });
    Executor::new().block_on(async {
        let players: Vec<_> = (0..2)
            .map(|me| {
                let court = court.clone();
                spawn(async move {
                    for _ in 0..rounds {
                        MyTurn(&court, me).await;
                        court.turn.set(1 - me);
                        let other = court.waiting.borrow_mut()[1 - me].take();
                        if let Some(other) = other {
                            other.wake();
                        }
                    }
                })
            })
            .collect();
        for player in players {
            player.await.unwrap();
        }
    });
}

/// 100 000 tasks, each awaiting `sleep_until(start + i · 100 ms / 100 000)`, the median of three
/// runs of: the p50 lateness (wake − deadline) with `start` taken before the spawns (the setup
/// eats into the first deadlines), and the p99 lateness with `start` taken when the spawns are
/// done and read by each task at its first poll (the first polls overlap the first deadlines).
fn timers_ms() -> (f64, f64) {
    const N: u32 = 100_000;
    let run = |after_spawns: bool, quantile: usize| {
        let start = Rc::new(Cell::new(Instant::now()));
        let mut late: Vec<Duration> = Executor::new().block_on(async {
            let handles: Vec<_> = (0..N)
                .map(|i| {
                    let start = start.clone();
                    spawn(async move {
                        let deadline = start.get() + Duration::from_millis(100) * i / N;
                        executor::sleep_until(deadline).await;
                        Instant::now().saturating_duration_since(deadline)
                    })
                })
                .collect();
            if after_spawns {
                start.set(Instant::now());
            }
            let mut late = Vec::with_capacity(N as usize);
            for handle in handles {
                late.push(handle.await.unwrap());
            }
            late
        });
        late.sort();
        late[(late.len() - 1) * quantile / 100].as_secs_f64() * 1e3
    };
    let median = |after_spawns: bool, quantile: usize| {
        let mut runs: Vec<f64> = (0..3).map(|_| run(after_spawns, quantile)).collect();
        runs.sort_by(f64::total_cmp);
        runs[1]
    };
    (median(false, 50), median(true, 99))
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// In the child: spawns `TASKS` tasks that all end up waiting (on `pending()` or on a 500 ms
/// sleep), runs until each was polled once, and prints the resident memory they added.
fn memory_child(kind: &str) {
    let ex = Executor::new();
    let before = rss_bytes();
    let after = ex.block_on(async {
        for _ in 0..TASKS {
            let task = match kind {
                "pending" => spawn(async {
                    POLLED.with(|p| p.set(p.get() + 1));
                    std::future::pending::<()>().await;
                }),
                _ => spawn(async {
                    POLLED.with(|p| p.set(p.get() + 1));
                    executor::sleep(Duration::from_millis(500)).await;
                }),
            };
            drop(task); // detached: it stays in the executor
        }
        while POLLED.with(Cell::get) < TASKS {
            yield_now().await;
        }
        rss_bytes()
    });
    println!("{}", after.saturating_sub(before) as f64 / TASKS as f64);
    std::process::exit(0); // the sleeping tasks need not run out their 500 ms
}

fn bytes_per_task(kind: &str) -> f64 {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe)
        .args([MEMORY_CHILD, kind])
        .output()
        .expect("running the memory child");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, kind] = args.as_slice() {
        if flag == MEMORY_CHILD {
            return memory_child(kind);
        }
    }
    let variant = std::env::var("ABLATION_VARIANT").unwrap_or_else(|_| "default build".into());
    let spawn_ns = best_ns(200_000, || spawn_await(200_000));
    let yield_ns = best_ns(1_000_000, || yield_many(1_000_000));
    let pong_ns = best_ns(400_000, || ping_pong(200_000));
    let pending = bytes_per_task("pending");
    let sleeping = bytes_per_task("sleeping");
    let (before_p50, after_p99) = timers_ms();
    println!(
        "| {variant} | {spawn_ns:.0} | {yield_ns:.1} | {pong_ns:.1} | {pending:.0} | {sleeping:.0} \
         | {before_p50:.1} | {after_p99:.1} |"
    );
}
