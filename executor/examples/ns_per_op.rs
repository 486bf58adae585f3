//! A quick, dependency-free measurement of the executor's two hot paths (the real comparison
//! against tokio/async-executor lives in the `bench` crate):
//!
//! ```text
//! cargo run --release -p executor --example ns_per_op
//! ```

use std::time::{Duration, Instant};

fn per_op(label: &str, n: u32, f: impl FnOnce()) {
    let start = Instant::now();
    f();
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    println!("{label:<40} {ns:>8.1} ns/op");
}

fn main() {
    const N: u32 = 1_000_000;
    for _ in 0..3 {
        per_op("spawn + await, one at a time", N, || {
            executor::run(async {
                for i in 0..N {
                    assert_eq!(executor::spawn(async move { i }).await.unwrap(), i);
                }
            })
        });
        per_op("spawn all, then await all", N, || {
            executor::run(async {
                let handles: Vec<_> = (0..N).map(|i| executor::spawn(async move { i })).collect();
                for (i, h) in (0..N).zip(handles) {
                    assert_eq!(h.await.unwrap(), i);
                }
            })
        });
        per_op("one task yielding", N, || {
            executor::run(async {
                executor::spawn(async {
                    for _ in 0..N {
                        executor::yield_now().await;
                    }
                })
                .await
                .unwrap()
            })
        });
        per_op("timers: sleep(0..100µs) x 100k", 100_000, || {
            executor::Executor::with_virtual_clock().block_on(async {
                let handles: Vec<_> = (0..100_000u64)
                    .map(|i| executor::spawn(executor::sleep(Duration::from_nanos(i * 1000))))
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        });
    }
}
