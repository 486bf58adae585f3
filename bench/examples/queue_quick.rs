//! A quick look at the queue rows of the targets bench: ours vs the peers, interleaved rounds,
//! medians. For iterating on the queue's design; `cargo bench -p bench --bench targets` is the
//! report of record.
//!
//! `cargo run --release -p bench --example queue_quick [rounds] [shape] [contender]`: the
//! optional filters keep shapes/contenders whose label/name contains them (for `perf record`).

use bench::queues::QueueContender::{self, *};
use bench::threads::Shape;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let shapes = [
        (Shape::SPSC_1024, 1_000_000, "SPSC cap 1024"),
        (Shape::MPMC_4X4_64, 400_000, "MPMC 4x4 cap 64"),
        (Shape::HANDOFF_1, 20_000, "SPSC cap 1"),
    ];
    let shape_filter = std::env::args().nth(2).unwrap_or_default();
    let name_filter = std::env::args().nth(3).unwrap_or_default();
    let contenders: Vec<QueueContender> = [Ours, OursBatch, Std, Crossbeam, Flume]
        .into_iter()
        .filter(|c| c.name().contains(&name_filter))
        .collect();
    for (shape, items, label) in shapes {
        if !label.contains(&shape_filter) {
            continue;
        }
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
        for _ in 0..rounds {
            for (i, c) in contenders.iter().enumerate() {
                let t = c.transfer(shape, items);
                samples[i].push(t.as_nanos() as f64 / items as f64);
            }
        }
        println!("{label}:");
        for (c, s) in contenders.iter().zip(&mut samples) {
            s.sort_by(f64::total_cmp);
            println!(
                "  {:<18} {:>9.1} ns/item  (min {:.1}, max {:.1})",
                c.name(),
                s[s.len() / 2],
                s[0],
                s[s.len() - 1]
            );
        }
    }
}
