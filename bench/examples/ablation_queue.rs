//! The queue's ablation: what each idea buys. One lock (CPython's design) → two sides
//! (`LinkedBlockingQueue`'s) → two sides + spinning before sleeping (what `Queue` runs), on
//! three workloads, each with its threads on one core and spread over two — all in one run.
//!
//! - SPSC, capacity 1024: one producer, one consumer, `put`/`get`.
//! - MPMC 4×4, capacity 64: four producers, four consumers ("two cores" = producers on core 0,
//!   consumers on core 1; "one core" = all eight on core 0).
//! - hand-off, capacity 1: SPSC where every item waits for the other side.
//!
//! Rounds rotate the variants (`bench::rounds::interleaved`) so background load spreads over
//! all of them; each cell is the median ns per item.
//!
//! `cargo run --release -p bench --example ablation_queue [rounds]`

use std::sync::Barrier;
use std::time::{Duration, Instant};

use bench::measure::ns_per;
use bench::rounds::interleaved;
use bench::stats::median;
use queue::{Design, Queue};

const DESIGNS: [(Design, &str); 3] = [
    (Design::OneLock, "one lock"),
    (Design::TwoSides, "two sides"),
    (Design::TwoSidesSpinning, "two sides + spinning"),
];

fn pin(core: usize) {
    let ids = core_affinity::get_core_ids().expect("core ids");
    assert!(core_affinity::set_for_current(ids[core % ids.len()]));
}

/// `producers` threads put `items` in all (split evenly) and `consumers` take them, producers
/// on core 0 and consumers on `consumer_core`; returns the time from the common start until
/// the last item was taken.
fn run(
    design: Design,
    cap: usize,
    (producers, consumers): (u64, u64),
    items: u64,
    consumer_core: usize,
) -> Duration {
    let q: Queue<u64> = Queue::with_design(Some(cap), design);
    let per_producer = items / producers;
    let per_consumer = per_producer * producers / consumers;
    let barrier = Barrier::new((producers + consumers + 1) as usize);
    std::thread::scope(|s| {
        for _ in 0..producers {
            s.spawn(|| {
                pin(0);
                barrier.wait();
                (0..per_producer).for_each(|i| q.put(i).unwrap());
            });
        }
        let takers: Vec<_> = (0..consumers)
            .map(|_| {
                s.spawn(|| {
                    pin(consumer_core);
                    barrier.wait();
                    (0..per_consumer).map(|_| q.get().unwrap()).sum::<u64>()
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let total: u64 = takers.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(total, producers * per_producer * (per_producer - 1) / 2);
        start.elapsed()
    })
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    // (name, capacity, (producers, consumers), items)
    let workloads = [
        ("SPSC cap 1024", 1024, (1, 1), 400_000),
        ("MPMC 4x4 cap 64", 64, (4, 4), 200_000),
        ("hand-off cap 1", 1, (1, 1), 40_000),
    ];
    println!("queue ablation: median ns per item over {rounds} rounds");
    print!("| workload | cores |");
    DESIGNS.iter().for_each(|(_, name)| print!(" {name} |"));
    println!("\n|---|---|---|---|---|");
    for (name, cap, threads, items) in workloads {
        for (cores, consumer_core) in [("one", 0), ("two", 1)] {
            let samples = interleaved(&DESIGNS, rounds, |(design, _)| {
                ns_per(run(design, cap, threads, items, consumer_core), items)
            });
            print!("| {name} | {cores} |");
            for v in &samples {
                print!(" {:.1} |", median(v).unwrap_or(f64::NAN));
            }
            println!();
        }
    }
}
