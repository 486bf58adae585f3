//! A quick look at the queue rows of the targets bench: ours vs the peers, interleaved rounds
//! (`bench::rounds`, as the targets bench does), medians. For iterating on the queue's design; `cargo bench -p bench --bench targets` is the
//! report of record.
//!
//! `cargo run --release -p bench --example queue_quick [rounds] [shape] [contender]`: the
//! optional filters keep shapes/contenders whose label/name contains them (for `perf record`).

use bench::measure::ns_per;
use bench::queues::QueueContender::{self, *};
use bench::rounds::interleaved;
use bench::stats::{median, percentile};
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
        // Like the targets bench: a warm-up, then rounds that rotate who goes first.
        let samples = interleaved(&contenders, rounds, |c| {
            ns_per(c.transfer(shape, items), items)
        });
        println!("{label}:");
        for (c, s) in contenders.iter().zip(&samples) {
            let (mid, min, max) = (median(s), percentile(s, 0.0), percentile(s, 100.0));
            println!(
                "  {:<18} {:>9.1} ns/item  (min {:.1}, max {:.1})",
                c.name(),
                mid.unwrap_or(f64::NAN),
                min.unwrap_or(f64::NAN),
                max.unwrap_or(f64::NAN)
            );
        }
    }
}
