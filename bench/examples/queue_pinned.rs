//! SPSC through our queue and std's `sync_channel` with the producer and the consumer pinned
//! to chosen cores: `same` puts both on core 0 (they take turns), `split` puts them on cores 0
//! and 1 (every item crosses between caches). The unpinned benchmarks land in either mode at
//! the scheduler's whim, which is most of their run-to-run spread; this separates the two.
//!
//! `cargo run --release -p bench --example queue_pinned [same|split] [capacity] [rounds]`

use std::sync::mpsc::sync_channel;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use bench::measure::ns_per;
use bench::rounds::interleaved;
use bench::stats::{median, percentile};
use queue::Queue;

const ITEMS: u64 = 1_000_000;

fn pin(core: usize) {
    let ids = core_affinity::get_core_ids().expect("core ids");
    assert!(core_affinity::set_for_current(ids[core % ids.len()]));
}

/// Runs `produce` and `consume` on two threads pinned to `cores`; returns the consumer's time.
fn pinned(
    cores: (usize, usize),
    produce: impl FnOnce() + Send,
    consume: impl FnOnce() -> u64 + Send,
) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            pin(cores.0);
            barrier.wait();
            produce();
        });
        let consumer = s.spawn(|| {
            pin(cores.1);
            barrier.wait();
            let start = Instant::now();
            let sum = consume();
            assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
            start.elapsed()
        });
        consumer.join().unwrap()
    })
}

fn ours(cores: (usize, usize), cap: usize, batch: bool) -> Duration {
    let q = Queue::bounded(cap);
    pinned(
        cores,
        || (0..ITEMS).for_each(|i| q.put(i).unwrap()),
        || {
            let (mut n, mut sum) = (0, 0);
            while n < ITEMS {
                if batch {
                    let b = q.get_batch(cap).unwrap();
                    n += b.len() as u64;
                    sum += b.into_iter().sum::<u64>();
                } else {
                    sum += q.get().unwrap();
                    n += 1;
                }
            }
            sum
        },
    )
}

fn std_channel(cores: (usize, usize), cap: usize) -> Duration {
    let (tx, rx) = sync_channel(cap);
    pinned(
        cores,
        move || (0..ITEMS).for_each(|i| tx.send(i).unwrap()),
        move || rx.iter().sum(),
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "split".into());
    let cap: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let cores = if mode == "same" { (0, 0) } else { (0, 1) };
    let names = ["ours", "ours get_batch", "std"];
    // Like the targets bench: a warm-up, then rounds that rotate who goes first.
    let samples = interleaved(&[0, 1, 2], rounds, |i| {
        let elapsed = match i {
            0 => ours(cores, cap, false),
            1 => ours(cores, cap, true),
            _ => std_channel(cores, cap),
        };
        ns_per(elapsed, ITEMS)
    });
    println!("SPSC cap {cap}, {mode} cores, {rounds} rounds (median, min..max ns/item):");
    for (name, v) in names.iter().zip(&samples) {
        let (mid, min, max) = (median(v), percentile(v, 0.0), percentile(v, 100.0));
        println!(
            "  {name:<15} {:>7.1}  ({:.1}..{:.1})",
            mid.unwrap_or(f64::NAN),
            min.unwrap_or(f64::NAN),
            max.unwrap_or(f64::NAN)
        );
    }
}
