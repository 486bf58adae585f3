//! Mixed sync and async producers and consumers on one `Queue`: threads with the blocking
//! calls, tasks on our executor with the awaitable ones, at once. The received multiset equals
//! the sent one, each producer's items reach each consumer in order, and after `join_async`
//! nothing is left unfinished.

use std::sync::{Arc, Mutex};

use executor::{spawn, Executor};
use proptest::prelude::*;
use queue::{Design, Queue};

type Item = (usize, usize); // (producer, sequence number)

fn run(
    cap: usize,
    design: Design,
    sync_p: &[usize],
    async_p: &[usize],
    sync_c: usize,
    async_c: usize,
) -> Vec<Vec<Item>> {
    // In `Arc`s: the executor's tasks are `'static`.
    let q: Arc<Queue<Item>> = Arc::new(Queue::with_design(Some(cap), design));
    // Each producer thread says it is done here, so that a task can await them all.
    let done: Arc<Queue<()>> = Arc::new(Queue::unbounded());
    let received = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let received = &received;
        for (p, &n) in sync_p.iter().enumerate() {
            let (q, done) = (q.clone(), done.clone());
            s.spawn(move || {
                (0..n).for_each(|i| q.put((p, i)).unwrap());
                done.put(()).unwrap();
            });
        }
        for _ in 0..sync_c {
            let q = q.clone();
            s.spawn(move || {
                let mut got = Vec::new();
                while let Ok(task) = q.get_task() {
                    got.push(*task);
                }
                received.lock().unwrap().push(got);
            });
        }
        s.spawn(move || {
            Executor::new().block_on(async move {
                let consumers: Vec<_> = (0..async_c)
                    .map(|_| {
                        let q = q.clone();
                        spawn(async move {
                            let mut got = Vec::new();
                            while let Ok(task) = q.get_task_async().await {
                                got.push(*task);
                            }
                            got
                        })
                    })
                    .collect();
                let producers: Vec<_> = async_p
                    .iter()
                    .enumerate()
                    .map(|(p, &n)| {
                        let (p, q) = (sync_p.len() + p, q.clone());
                        spawn(async move {
                            for i in 0..n {
                                q.put_async((p, i)).await.unwrap();
                            }
                        })
                    })
                    .collect();
                for producer in producers {
                    producer.await.unwrap();
                }
                for _ in sync_p {
                    done.get_async().await.unwrap();
                }
                q.join_async().await;
                assert_eq!(q.unfinished_tasks(), 0);
                assert!(q.is_empty());
                q.shutdown();
                for consumer in consumers {
                    let got = consumer.await.unwrap();
                    received.lock().unwrap().push(got);
                }
            })
        });
    });
    received.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn threads_and_tasks_share_one_queue(
        cap in 1usize..4,
        design in prop_oneof![Just(Design::OneLock), Just(Design::TwoSides), Just(Design::TwoSidesSpinning)],
        sync_p in prop::collection::vec(0usize..30, 0..3),
        async_p in prop::collection::vec(0usize..30, 0..3),
        (sync_c, async_c) in (0usize..3, 0usize..3).prop_filter("a consumer", |(s, a)| s + a > 0),
    ) {
        let received = run(cap, design, &sync_p, &async_p, sync_c, async_c);
        // Per-producer order, at each consumer.
        for got in &received {
            for p in 0..sync_p.len() + async_p.len() {
                let seq: Vec<usize> = got.iter().filter(|(q, _)| *q == p).map(|&(_, i)| i).collect();
                prop_assert!(seq.windows(2).all(|w| w[0] < w[1]), "producer {} out of order: {:?}", p, seq);
            }
        }
        // The multiset received is the one sent.
        let mut all: Vec<Item> = received.into_iter().flatten().collect();
        all.sort();
        let mut sent: Vec<Item> = sync_p.iter().chain(&async_p).enumerate()
            .flat_map(|(p, &n)| (0..n).map(move |i| (p, i))).collect();
        sent.sort();
        prop_assert_eq!(all, sent);
    }
}
