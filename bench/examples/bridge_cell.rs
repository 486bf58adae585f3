//! One cell of the bridge bench (`bridge.rs`): one contender, one path, one capacity, one
//! transfer of `items` — small enough to run under `perf stat -e instructions:u` or
//! `perf record -g`, where the full table would take minutes and mix every contender.
//!
//! ```text
//! cargo run --release -p bench --example bridge_cell -- <contender> <path> <capacity> [items [runs]]
//! #   contender: ours | flume | async-channel | tokio-mpsc
//! #   path:      thread-thread | thread-task | task-thread | task-task
//! ```
//!
//! A warm-up transfer at a tenth of `items` (not printed), then `runs` transfers (default 1 000 000
//! items, 1 run), each printed in ns per item. Instructions per item without start-up: the
//! difference of two callgrind totals, at `items` and `2 × items`, over `1.1 × items`.

use bench::bridge::{BridgeContender, BridgePath};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bridge_cell <contender> <path> <capacity> [items [runs]]";
    let contender = args.first().map(|s| s.replace('-', " ")).expect(usage);
    let contender = [BridgeContender::Ours]
        .into_iter()
        .chain(BridgeContender::PEERS)
        .find(|c| c.name() == contender)
        .expect("contender: ours, flume, async-channel or tokio-mpsc");
    let path = args.get(1).map(|s| s.replace('-', " -> ")).expect(usage);
    let path = BridgePath::ALL
        .into_iter()
        .find(|p| p.name() == path)
        .expect("path: thread-thread, thread-task, task-thread or task-task");
    let capacity: usize = args
        .get(2)
        .expect(usage)
        .parse()
        .expect("capacity: a number");
    let items: u64 = args
        .get(3)
        .map_or(1_000_000, |s| s.parse().expect("items: a number"));
    let runs: usize = args
        .get(4)
        .map_or(1, |s| s.parse().expect("runs: a number"));
    contender.transfer(path, capacity, (items / 10).max(1));
    for _ in 0..runs {
        let ns = contender.transfer(path, capacity, items).as_nanos() as f64 / items as f64;
        println!(
            "{} {} capacity {capacity}: {ns:.1} ns per item",
            contender.name(),
            path.name()
        );
    }
}
