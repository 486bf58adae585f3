//! Threads and tasks on one channel, ours against the peers that have both faces (flume,
//! async-channel, tokio mpsc): ns per item for thread → thread, thread → task, task → thread
//! and task → task, at capacity 1024 and 1. Every task runs on our executor, so the channel is
//! what differs (`bench/src/bridge/`).
//!
//! ```text
//! cargo run --release -p bench --example bridge [items [rounds]]   # default 500 000, 15
//! ```
//!
//! Each cell is judged on many short interleaved rounds, the same way for every contender: a
//! warm-up transfer per contender, then `rounds` rounds in which every contender moves `items`
//! once (a tenth of `items` at capacity 1, where one cross-thread hand-off costs microseconds),
//! the starting contender rotating. One full run of a few long rounds moved a cell by up to 3×
//! between runs on this shared machine; a ratio taken within one short round compares two
//! transfers that saw nearly the same load, and the median over rounds ignores the rounds a
//! burst landed in. Per path: ours ÷ the best peer (median of the per-round ratios, with their
//! interquartile range; target ≤ 1.0×) and the path ÷ our own thread → thread at the same
//! capacity (medians; target ≤ 1.5×). With the default `items` and `rounds` the table is also
//! written, with the machine's facts, to `bench/results/bridge.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use bench::bridge::{BridgeContender, BridgePath};
use bench::machine::{load_average, Machine};
use bench::report::num;
use bench::rounds::{compare, rotated};
use bench::stats::{median, percentile};

const DEFAULT_ITEMS: u64 = 500_000;
const DEFAULT_ROUNDS: usize = 15;

fn main() {
    let mut args = std::env::args().skip(1);
    let items: u64 = args
        .next()
        .map_or(DEFAULT_ITEMS, |s| s.parse().expect("items: a number"));
    let rounds: usize = args
        .next()
        .map_or(DEFAULT_ROUNDS, |s| s.parse().expect("rounds: a number"));
    let machine = Machine::detect().to_markdown();
    let started = Instant::now();
    let contenders: Vec<BridgeContender> = [BridgeContender::Ours]
        .into_iter()
        .chain(BridgeContender::PEERS)
        .collect();
    let mut table = String::from(
        "| capacity | path | ours | flume | async-channel | tokio mpsc | ours ÷ best peer (≤ 1.0×) | \
         per-round ratios p25..p75 (min..max) | ÷ our thread → thread (≤ 1.5×) |\n\
         |---|---|---:|---:|---:|---:|---|---|---|\n",
    );
    let mut misses = Vec::new();
    for capacity in [1024, 1] {
        let mut reference = None;
        let n = if capacity == 1 {
            (items / 10).max(1)
        } else {
            items
        };
        for path in BridgePath::ALL {
            eprintln!("capacity {capacity}, {} ...", path.name());
            for &c in &contenders {
                c.transfer(path, capacity, (n / 10).max(1));
            }
            let ns: Vec<Vec<f64>> = rotated(&contenders, rounds, |c| {
                c.transfer(path, capacity, n).as_nanos() as f64 / n as f64
            });
            let cmp = compare(&ns[0], &ns[1..]);
            let ratios: Vec<f64> = ns[0]
                .iter()
                .zip(&ns[1 + cmp.best_peer])
                .map(|(o, p)| o / p)
                .collect();
            let q = |p: f64| num(percentile(&ratios, p).unwrap_or(f64::NAN));
            let spread = format!("{}..{} ({}..{})", q(25.0), q(75.0), q(0.0), q(100.0));
            let ours = cmp.ours;
            let base = *reference.get_or_insert(ours);
            let to_ref = ours / base;
            let peers: Vec<String> = ns[1..]
                .iter()
                .map(|p| num(median(p).unwrap_or(f64::NAN)))
                .collect();
            let peer_ok = cmp.ratio <= 1.0;
            let ref_ok = to_ref <= 1.5;
            let best = BridgeContender::PEERS[cmp.best_peer].name();
            if !peer_ok {
                misses.push(format!(
                    "capacity {capacity} {}: {}× {best}",
                    path.name(),
                    num(cmp.ratio)
                ));
            }
            if !ref_ok {
                misses.push(format!(
                    "capacity {capacity} {}: {}× our thread → thread",
                    path.name(),
                    num(to_ref)
                ));
            }
            let _ = writeln!(
                table,
                "| {capacity} | {} | {} | {} | {} | {} | {}× ({best}) {} | {spread} | {}× {} |",
                path.name().replace("->", "→"),
                num(ours),
                peers[0],
                peers[1],
                peers[2],
                num(cmp.ratio),
                if peer_ok { "met" } else { "MISSED" },
                num(to_ref),
                if ref_ok { "met" } else { "MISSED" },
            );
        }
    }
    let summary = format!(
        "Targets missed: {}.\n\nThe run took {:.0} s; load average at the end: {}.",
        if misses.is_empty() {
            "none".to_string()
        } else {
            misses.join("; ")
        },
        started.elapsed().as_secs_f64(),
        load_average().unwrap_or_else(|| "unknown".into())
    );
    println!(
        "\nns per item, {rounds} rounds of {items} items (a tenth at capacity 1), medians\n\n\
         {table}\n{summary}"
    );
    if items != DEFAULT_ITEMS || rounds != DEFAULT_ROUNDS {
        return;
    }
    let md = format!(
        "# Bridge: threads and tasks on one channel, ours vs flume, async-channel, tokio mpsc\n\n\
         {machine}- command: `cargo run --release -p bench --example bridge`\n\
         - method: per cell, the same for every contender: a warm-up transfer each, then \
         {rounds} short interleaved rounds, every contender once per round, the starting \
         contender rotating; a round moves {items} items at capacity 1024 and {} at capacity 1; \
         ns per item are medians over rounds; ours ÷ best peer is the median of the per-round \
         ratios (ours ÷ that peer in the same round), their quartiles and extremes beside it; \
         every task on our executor\n\n\
         {table}\n{summary}\n",
        (items / 10).max(1)
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join("bridge.md");
    match std::fs::write(&path, md) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
