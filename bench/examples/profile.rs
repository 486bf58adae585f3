//! Runs one workload for one contender, for a profiler to look at:
//!
//! ```text
//! cargo build --release -p bench --example profile
//! valgrind --tool=callgrind target/release/examples/profile exec spawn_await ours 100000
//! perf record -g target/release/examples/profile queue spsc_cap1024 ours 1000000
//! ```
//!
//! `exec` workloads: `spawn_await`, `yield`, `timers` (deadlines from the start, no lead), `timers_fair`
//! (a lead scaled with the count), `timers_first_poll` (each deadline from its task's first
//! poll), `pending_rss`, `sleeping_rss`; `exec` contenders: `ours`,
//! `tokio`, `async-executor`, `futures LocalPool`. `queue` workloads: `spsc_cap1024`,
//! `mpmc_4x4_cap64`, `spsc_cap1`; `queue` contenders: `ours`, `ours get_batch`,
//! `std sync_channel`, `crossbeam-channel`, `flume`. `echo round_trips <contender>
//! <connections>` (100 round trips each); `echo` contenders: `ours`, `tokio current_thread`,
//! `thread per connection`; `ECHO_PLACEMENT=two-cores` pins the server's thread and the
//! clients' to a core each (`echo::Placement::TwoCores`).

use bench::echo::{EchoContender, EchoPlan, Placement};
use bench::exec::{ExecContender, TaskKind, TimerPlan};
use bench::measure::ns_per;
use bench::queues::QueueContender;
use bench::stats::percentile;
use bench::threads::Shape;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, workload, contender, n] = &args[..] else {
        eprintln!("usage: profile exec|queue|echo <workload> <contender> <n>");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("n must be a number");
    match kind.as_str() {
        "exec" => {
            let c = ExecContender::from_name(contender).expect("unknown executor contender");
            match workload.as_str() {
                "spawn_await" => println!("{:.1} ns/task", ns_per(c.spawn_await(n), n)),
                "yield" => println!("{:.1} ns/yield", ns_per(c.yield_many(n), n)),
                "timers" | "timers_fair" | "timers_first_poll" => {
                    let (n, spread) = (n as usize, Duration::from_millis(100));
                    let plan = match workload.as_str() {
                        "timers" => TimerPlan::from_start(n, spread),
                        "timers_first_poll" => TimerPlan::from_first_poll(n, spread),
                        _ => TimerPlan::fair(n, spread),
                    };
                    let run = c.timers(plan);
                    let late = |p| percentile(&run.lateness_ns, p).unwrap_or(0) as f64 / 1e3;
                    let (p50, p99, max) = (late(50.0), late(99.0), late(100.0));
                    println!(
                        "cpu {:?}, wall {:?}, last spawn at {:?}",
                        run.cpu, run.wall, run.spawned
                    );
                    println!("lateness p50 {p50:.1} µs, p99 {p99:.1} µs, max {max:.1} µs");
                    // Lateness along the timers (in deadline order): a setup burst shows as a
                    // ramp over the first timers, a firing backlog as a plateau.
                    let tenth = (run.lateness_ns.len() / 10).max(1);
                    let along: Vec<String> = (run.lateness_ns.iter().step_by(tenth))
                        .map(|ns| format!("{:.1}", *ns as f64 / 1e6))
                        .collect();
                    println!("lateness (ms) at every tenth timer: {}", along.join(" "));
                    // Which timers were late by more than 1 ms, if any: setup or scheduling?
                    let slow: Vec<usize> = (run.lateness_ns.iter().enumerate())
                        .filter(|(_, &ns)| ns > 1_000_000)
                        .map(|(i, _)| i)
                        .collect();
                    match (slow.first(), slow.last()) {
                        (Some(first), Some(last)) => {
                            println!(
                                "{} timers over 1 ms late, indices {first}..={last}",
                                slow.len()
                            )
                        }
                        _ => println!("no timer over 1 ms late"),
                    }
                }
                "pending_rss" | "sleeping_rss" => {
                    let kind = match workload.as_str() {
                        "pending_rss" => TaskKind::Pending,
                        _ => TaskKind::Sleeping,
                    };
                    let (before, after) = c.tasks_rss(kind, n as usize);
                    println!("{:.1} bytes/task", (after - before) as f64 / n as f64);
                }
                other => panic!("unknown executor workload {other}"),
            }
        }
        "queue" => {
            let c = [QueueContender::Ours, QueueContender::OursBatch]
                .into_iter()
                .chain(QueueContender::PEERS)
                .find(|c| c.name() == contender)
                .expect("unknown queue contender");
            let shape = [Shape::SPSC_1024, Shape::MPMC_4X4_64, Shape::HANDOFF_1]
                .into_iter()
                .find(|s| s.name() == *workload)
                .expect("unknown queue workload");
            println!("{:.1} ns/item", ns_per(c.transfer(shape, n), n));
        }
        "echo" => {
            // `echo round_trips <contender> <connections>`: 100 round trips per connection.
            assert_eq!(workload, "round_trips", "the echo workload is round_trips");
            let c = EchoContender::from_name(contender).expect("unknown echo contender");
            let plan = EchoPlan {
                connections: n as usize,
                round_trips: 100,
            };
            // `ECHO_PLACEMENT=two-cores`: the server and the clients pinned to a core each.
            let placement = match std::env::var("ECHO_PLACEMENT").as_deref() {
                Ok("two-cores") => Placement::TwoCores,
                _ => Placement::Unpinned,
            };
            let run = c.echo_placed(plan, placement).expect("echo run");
            println!(
                "{:.0} round trips/s, server CPU {:?}, client CPU {:?}",
                run.round_trips_per_sec(plan),
                run.server_cpu,
                run.client_cpu
            );
        }
        other => panic!("unknown kind {other}: exec, queue or echo"),
    }
}
