//! Stress tests of the `queue` crate: many threads, tiny capacities, timeouts, shutdowns and
//! panics, at random points chosen by a seeded generator (never by sleeping).
//!
//! Each scenario runs under a watchdog: a lost wakeup or a hang fails the test with the
//! queue's counters after [`LIMIT`] instead of hanging CI. Every item carries its producer and
//! sequence number, so the checks are exact: each item is received (or handed back by a failed
//! put or by `shutdown_now`) exactly once, and a FIFO consumer sees each producer's items in
//! the order they were put.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier, Once};
use std::thread;
use std::time::Duration;

use queue::{BlockingQueue, Fifo, GetError, Lifo, Order, Priority, PutError, Queue, TaskDoneError};

/// How long a scenario may take before the watchdog calls it a hang (each takes well under a
/// second when nothing is wrong, even in debug builds on two busy cores).
const LIMIT: Duration = Duration::from_secs(10);

/// Runs `scenario` on its own thread and waits at most [`LIMIT`] for it. On a hang it panics
/// with `describe()` (the queue's counters), leaving the stuck thread behind: the test fails
/// instead of blocking the whole run. A panic inside the scenario is re-raised as is.
fn watchdog<R: Send + 'static>(
    name: &str,
    describe: impl Fn() -> String,
    scenario: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done_tx, done) = mpsc::channel();
    let handle = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let out = scenario();
            let _ = done_tx.send(());
            out
        })
        .unwrap();
    match done.recv_timeout(LIMIT) {
        // Disconnected: the scenario panicked; `join` hands us its panic.
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            handle.join().unwrap_or_else(|p| panic::resume_unwind(p))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!(
                "{name}: still running after {LIMIT:?} (lost wakeup or hang); state: {}",
                describe()
            )
        }
    }
}

/// xorshift64*: a tiny deterministic generator, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random pause made of busy spins and yields: moves the next event to a random point
/// without sleeping (the scheduler, not a timer, decides what happens meanwhile).
fn jitter(rng: &mut Rng, max_spins: u64) {
    for i in 0..rng.below(max_spins + 1) {
        if i % 64 == 63 {
            thread::yield_now();
        }
        std::hint::spin_loop();
    }
}

/// Item ids: producer in the high half, sequence number in the low half.
fn id(producer: u64, seq: u64) -> u64 {
    producer << 32 | seq
}

/// The panic payload our deliberate panics carry; the hook below keeps them off stderr.
const INTENDED: &str = "stress: intended panic";

/// Silences the intended panics (hundreds of them) while keeping every other panic's message.
fn quiet_intended_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&INTENDED) {
                default(info);
            }
        }));
    });
}

fn is_intended(payload: &(dyn Any + Send)) -> bool {
    payload.downcast_ref::<&str>() == Some(&INTENDED)
}

/// Asserts that `got` is exactly `expected` as a multiset: nothing lost, nothing duplicated.
fn assert_same_items(mut got: Vec<u64>, mut expected: Vec<u64>, what: &str) {
    got.sort_unstable();
    expected.sort_unstable();
    if got != expected {
        let dup = got.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
        panic!(
            "{what}: received {} items, expected {} (first duplicate: {dup:?})",
            got.len(),
            expected.len()
        );
    }
}

/// Within one consumer's log, each producer's items appear in increasing sequence order.
fn assert_per_producer_order(log: &[u64]) {
    let mut last = std::collections::HashMap::new();
    for &item in log {
        let (producer, seq) = (item >> 32, item & 0xFFFF_FFFF);
        if let Some(prev) = last.insert(producer, seq) {
            assert!(
                prev < seq,
                "producer {producer}: item {seq} received after {prev}"
            );
        }
    }
}

type Shared<O> = Arc<BlockingQueue<u64, O>>;

fn describe<O: Order<u64> + Send + 'static>(q: &Shared<O>) -> impl Fn() -> String {
    let q = q.clone();
    move || format!("{q:?}")
}

/// One producer: puts its items with a random method per step, retrying timeouts and `Full`,
/// so its own order is kept. Returns the items handed back by a shutdown.
fn produce<O: Order<u64>>(q: &BlockingQueue<u64, O>, p: u64, n: u64, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    let mut seq = 0;
    while seq < n {
        // `end`: one past the last item this step tries to put.
        let (result, end) = match rng.below(4) {
            0 => (q.put(id(p, seq)).map_err(|e| vec![e.into_inner()]), seq + 1),
            1 => loop {
                let timeout = Duration::from_micros(rng.below(30));
                match q.put_timeout(id(p, seq), timeout) {
                    Err(PutError::Timeout(_)) => continue,
                    other => break (other.map_err(|e| vec![e.into_inner()]), seq + 1),
                }
            },
            2 => loop {
                match q.try_put(id(p, seq)) {
                    Err(PutError::Full(_)) => thread::yield_now(),
                    other => break (other.map_err(|e| vec![e.into_inner()]), seq + 1),
                }
            },
            _ => {
                let end = (seq + 1 + rng.below(4)).min(n);
                let batch = q.put_batch((seq..end).map(|s| id(p, s)));
                (batch.map_err(PutError::into_inner), end)
            }
        };
        match result {
            Ok(()) => seq = end,
            Err(mut back) => {
                // Shut down: the items of this step not put come back; add the ones after it.
                back.extend((end..n).map(|s| id(p, s)));
                return back;
            }
        }
    }
    Vec::new()
}

/// One consumer: gets with a random method per step until the queue is shut down and empty,
/// marking every item done (by hand, or through a `TaskGuard`). Returns what it received.
fn consume<O: Order<u64>>(q: &BlockingQueue<u64, O>, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    let mut log = Vec::new();
    loop {
        let got = match rng.below(6) {
            0 => q.get().map(|x| vec![x]),
            1 => q
                .get_timeout(Duration::from_micros(rng.below(30)))
                .map(|x| vec![x]),
            2 => q.try_get().map(|x| vec![x]),
            3 => q.get_batch(1 + rng.below(3) as usize),
            4 => q.get_batch_timeout(
                1 + rng.below(3) as usize,
                Duration::from_micros(rng.below(30)),
            ),
            _ => match q.get_task() {
                Ok(task) => {
                    log.push(*task);
                    continue; // the guard marks it done
                }
                Err(e) => Err(e),
            },
        };
        match got {
            Ok(items) => {
                for _ in &items {
                    q.task_done().expect("one task_done per received item");
                }
                log.extend(items);
            }
            Err(GetError::Empty) => thread::yield_now(),
            Err(GetError::Timeout) => {}
            Err(GetError::ShutDown) => return log,
        }
    }
}

/// Producers and consumers with every put and get variant on a queue of `cap`; after the
/// producers finish, `shutdown` lets the consumers drain and stop.
fn producers_consumers<O: Order<u64> + Send + 'static>(cap: usize, seed: u64, fifo: bool) {
    let (producers, per, consumers) = (4u64, 1_000u64, 4u64);
    let q: Shared<O> = Arc::new(BlockingQueue::bounded(cap));
    let name = format!("producers_consumers(cap {cap}, seed {seed})");
    let (q2, label) = (q.clone(), name.clone());
    watchdog(&label, describe(&q), move || {
        let q = &*q2;
        let logs: Vec<Vec<u64>> = thread::scope(|s| {
            let ps: Vec<_> = (0..producers)
                .map(|p| s.spawn(move || produce(q, p, per, seed * 100 + p)))
                .collect();
            let cs: Vec<_> = (0..consumers)
                .map(|c| s.spawn(move || consume(q, seed * 100 + 50 + c)))
                .collect();
            for p in ps {
                assert_eq!(p.join().unwrap(), Vec::<u64>::new(), "no shutdown yet");
            }
            q.shutdown();
            cs.into_iter().map(|c| c.join().unwrap()).collect()
        });
        if fifo {
            logs.iter().for_each(|log| assert_per_producer_order(log));
        }
        let expected = (0..producers).flat_map(|p| (0..per).map(move |s| id(p, s)));
        assert_same_items(
            logs.concat(),
            expected.collect(),
            &format!("{name}: received"),
        );
        assert_eq!(q.unfinished_tasks(), 0);
        q.join();
        assert!(q.is_empty());
    });
}

#[test]
fn many_producers_and_consumers_on_capacity_1_and_2() {
    for seed in 0..3 {
        producers_consumers::<Fifo<u64>>(1, seed, true);
        producers_consumers::<Fifo<u64>>(2, seed, true);
    }
    producers_consumers::<Lifo<u64>>(1, 7, false);
    producers_consumers::<Priority<u64>>(2, 8, false);
}

/// What one thread of the shutdown race ended with.
#[derive(Default)]
struct Outcome {
    received: Vec<u64>,
    handed_back: Vec<u64>,
}

/// A full queue of `cap` with putters blocked on it, getters (`get`, `get_batch`, the iterator,
/// `get_task`), and joiners (`join`, `join_timeout(Duration::MAX)`), all released by one
/// `shutdown` or `shutdown_now` at a random moment. Every item ends up exactly once: received,
/// handed back by a failed put, or returned by `shutdown_now`; every thread returns; and `join`
/// is released because every received item is marked done.
fn shutdown_race<O: Order<u64> + Send + 'static>(seed: u64) {
    let mut rng = Rng::new(seed);
    let cap = 1 + rng.below(2) as usize;
    let (putters, getters) = (1 + rng.below(4), rng.below(4));
    let now = rng.below(2) == 0;
    // Without getters, only `shutdown_now` takes the queued items and so releases the joiners;
    // a plain `shutdown` then has only putters to release (they stay asleep on a full queue).
    let joiners = if getters > 0 || now {
        1 + rng.below(3)
    } else {
        0
    };
    let q: Shared<O> = Arc::new(BlockingQueue::bounded(cap));
    let prefill: Vec<u64> = (0..cap as u64).map(|s| id(99, s)).collect();
    q.put_batch(prefill.clone()).unwrap();
    let name = format!(
        "shutdown_race(seed {seed}: cap {cap}, {putters} putters, {getters} getters, \
         {joiners} joiners, shutdown_now {now})"
    );
    let (q2, label) = (q.clone(), name.clone());
    watchdog(&label, describe(&q), move || {
        let q = &*q2;
        let start = Barrier::new((putters + getters + joiners + 1) as usize);
        let (start, rng_seed) = (&start, seed * 1000);
        let (outcomes, from_shutdown_now) = thread::scope(|s| {
            let mut threads = Vec::new();
            for p in 0..putters {
                threads.push(s.spawn(move || {
                    start.wait();
                    let handed_back = produce(q, p, 3, rng_seed + p);
                    Outcome {
                        handed_back,
                        ..Outcome::default()
                    }
                }));
            }
            for g in 0..getters {
                threads.push(s.spawn(move || {
                    start.wait();
                    let received = match g % 3 {
                        0 => consume(q, rng_seed + 500 + g),
                        1 => q.iter().inspect(|_| q.task_done().unwrap()).collect(),
                        _ => std::iter::from_fn(|| q.get_task().ok().map(|t| t.into_inner()))
                            .collect(),
                    };
                    Outcome {
                        received,
                        ..Outcome::default()
                    }
                }));
            }
            for j in 0..joiners {
                threads.push(s.spawn(move || {
                    start.wait();
                    if j % 2 == 0 {
                        q.join();
                    } else {
                        assert!(q.join_timeout(Duration::MAX), "no deadline: all tasks done");
                    }
                    Outcome::default()
                }));
            }
            start.wait();
            jitter(&mut rng, 20_000);
            let from_shutdown_now = if now {
                q.shutdown_now()
            } else {
                q.shutdown();
                vec![]
            };
            let outcomes: Vec<Outcome> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            (outcomes, from_shutdown_now)
        });
        let mut all = from_shutdown_now;
        // What nobody took (no getters and a plain `shutdown`) is drained here.
        all.extend(std::iter::from_fn(|| q.try_get().ok()).inspect(|_| q.task_done().unwrap()));
        for o in outcomes {
            all.extend(o.received);
            all.extend(o.handed_back);
        }
        let expected = prefill
            .into_iter()
            .chain((0..putters).flat_map(|p| (0..3).map(move |s| id(p, s))));
        assert_same_items(all, expected.collect(), &name);
        assert_eq!((q.len(), q.unfinished_tasks()), (0, 0), "{name}");
        assert_eq!(q.put(0), Err(PutError::ShutDown(0)));
    });
}

#[test]
fn shutdown_races_blocked_putters_getters_and_joiners() {
    for seed in 0..60 {
        shutdown_race::<Fifo<u64>>(seed);
    }
    for seed in 60..80 {
        shutdown_race::<Lifo<u64>>(seed);
        shutdown_race::<Priority<u64>>(seed + 20);
    }
}

/// `shutdown_now` racing `put_batch` producers and `get_batch` consumers: every item is
/// received, handed back by `put_batch`'s `ShutDown`, or returned by `shutdown_now` — exactly
/// once — and `join` returns once the consumers have marked what they received done.
fn shutdown_now_vs_batches<O: Order<u64> + Send + 'static>(seed: u64) {
    let mut rng = Rng::new(seed);
    let cap = 1 + rng.below(4) as usize;
    let (producers, consumers, per) = (3u64, 2u64, 200u64);
    let q: Shared<O> = Arc::new(BlockingQueue::bounded(cap));
    let name = format!("shutdown_now_vs_batches(seed {seed}, cap {cap})");
    let (q2, label) = (q.clone(), name.clone());
    watchdog(&label, describe(&q), move || {
        let q = &*q2;
        let start = Barrier::new((producers + consumers + 1) as usize);
        let start = &start;
        let mut all = thread::scope(|s| {
            let ps: Vec<_> = (0..producers)
                .map(|p| {
                    s.spawn(move || {
                        start.wait();
                        for chunk in (0..per).collect::<Vec<_>>().chunks(1 + p as usize * 3) {
                            if let Err(e) = q.put_batch(chunk.iter().map(|&s| id(p, s))) {
                                let mut back = e.into_inner();
                                let next = chunk.last().unwrap() + 1;
                                back.extend((next..per).map(|s| id(p, s)));
                                return back;
                            }
                        }
                        Vec::new()
                    })
                })
                .collect();
            let cs: Vec<_> = (0..consumers)
                .map(|c| {
                    s.spawn(move || {
                        start.wait();
                        let mut log = Vec::new();
                        while let Ok(batch) = q.get_batch(1 + c as usize * 2) {
                            batch.iter().for_each(|_| q.task_done().unwrap());
                            log.extend(batch);
                        }
                        log
                    })
                })
                .collect();
            start.wait();
            jitter(&mut rng, 200_000);
            let mut all = q.shutdown_now();
            q.join(); // the consumers mark everything they received done
            ps.into_iter()
                .chain(cs)
                .for_each(|t| all.extend(t.join().unwrap()));
            all
        });
        all.extend(std::iter::from_fn(|| q.try_get().ok()));
        let expected = (0..producers).flat_map(|p| (0..per).map(move |s| id(p, s)));
        assert_same_items(all, expected.collect(), &name);
        assert_eq!(q.unfinished_tasks(), 0, "{name}");
    });
}

#[test]
fn shutdown_now_races_put_batch_and_get_batch() {
    for seed in 0..30 {
        shutdown_now_vs_batches::<Fifo<u64>>(seed);
    }
    for seed in 30..40 {
        shutdown_now_vs_batches::<Lifo<u64>>(seed);
        shutdown_now_vs_batches::<Priority<u64>>(seed);
    }
}

/// Workers that panic on some items while holding `TaskGuard`s — some catch the panic and go
/// on, some die — and a `join` that must still return, with every panic counted.
#[test]
fn task_guards_dropped_by_panicking_workers_release_join() {
    quiet_intended_panics();
    let (items, workers) = (400u64, 6u64);
    let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(3));
    let q2 = q.clone();
    watchdog("task_guard_panics", describe(&q), move || {
        let q = &*q2;
        let done = AtomicUsize::new(0);
        let done = &done;
        thread::scope(|s| {
            let workers: Vec<_> = (0..workers)
                .map(|w| {
                    s.spawn(move || loop {
                        // Worker 0 dies at its first bad item; the others survive each panic.
                        let step = panic::catch_unwind(AssertUnwindSafe(|| {
                            let Ok(task) = q.get_task() else { return false };
                            if *task % 7 == 0 {
                                panic::panic_any(INTENDED); // the guard is dropped while unwinding
                            }
                            done.fetch_add(1, SeqCst);
                            true
                        }));
                        match step {
                            Ok(true) => {}
                            Ok(false) => break,
                            Err(p) if w == 0 => panic::resume_unwind(p),
                            Err(p) => assert!(is_intended(&*p), "an unexpected panic"),
                        }
                    })
                })
                .collect();
            for i in 1..=items {
                q.put(i).unwrap();
            }
            q.join();
            q.shutdown(); // ends the surviving workers' loops (before any assert can fail)
            let failed = (1..=items).filter(|i| i % 7 == 0).count();
            assert_eq!(q.failed_tasks(), failed);
            assert_eq!(done.load(SeqCst), items as usize - failed);
            assert_eq!(q.unfinished_tasks(), 0);
            assert_eq!(
                q.task_done(),
                Err(TaskDoneError),
                "no guard left a task behind"
            );
            let died: Vec<bool> = workers.into_iter().map(|w| w.join().is_err()).collect();
            // Worker 0 dies if it meets a bad item (almost surely); the others never do.
            assert!(
                !died[1..].contains(&true),
                "only worker 0 lets its panic escape"
            );
        });
    });
}

/// `get_batch` freeing `n` slots wakes all `n` putters blocked on them, and `put_batch` adding
/// `n` items wakes all `n` blocked getters; a wakeup too few would leave one asleep forever.
#[test]
fn batches_wake_as_many_blocked_threads_as_they_free_or_fill() {
    for seed in 0..40 {
        let mut rng = Rng::new(seed);
        let n = 1 + rng.below(5) as usize;
        let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(n));
        let q2 = q.clone();
        watchdog(
            &format!("batch wakeups (seed {seed}, n {n})"),
            describe(&q),
            move || {
                let q = &*q2;
                let start = Barrier::new(n + 1);
                let start = &start;
                q.put_batch(0..n as u64).unwrap();
                thread::scope(|s| {
                    for i in 0..n as u64 {
                        s.spawn(move || {
                            start.wait();
                            q.put(100 + i).unwrap();
                        });
                    }
                    start.wait();
                    jitter(&mut rng, 5_000); // putters asleep, or about to be, or spinning
                    assert_eq!(q.get_batch(n), Ok((0..n as u64).collect()));
                }); // all putters returned
                let mut late = q.get_batch(n).unwrap();
                late.sort_unstable();
                assert_eq!(late, (100..100 + n as u64).collect::<Vec<_>>());

                let got = thread::scope(|s| {
                    let getters: Vec<_> = (0..n)
                        .map(|_| {
                            s.spawn(move || {
                                start.wait();
                                q.get().unwrap()
                            })
                        })
                        .collect();
                    start.wait();
                    jitter(&mut rng, 5_000);
                    q.put_batch(200..200 + n as u64).unwrap();
                    getters
                        .into_iter()
                        .map(|g| g.join().unwrap())
                        .collect::<Vec<_>>()
                });
                assert_same_items(got, (200..200 + n as u64).collect(), "getters");
            },
        );
    }
}

/// Getters with short timeouts sleep next to getters that wait forever, and items arrive one
/// by one around the timed getters' deadlines. A timed getter notified just as its deadline
/// passes must take the item: if it left with the wakeup, the item would sit in the queue next
/// to a getter asleep forever. Each timed getter tries once and puts back what it got (a fresh
/// notify), so a swallowed wakeup is not rescued by a later attempt.
///
/// Two layers prevent it today: `wait_until` re-checks readiness before reporting a timeout,
/// and `get` takes an item that is present even when the wait reported one. (A mutant that
/// breaks only the first layer passes this test, but not the putters' version below, which has
/// no second layer.)
#[test]
fn timed_out_getters_do_not_swallow_wakeups() {
    for seed in 0..60 {
        let q: Shared<Fifo<u64>> = Arc::new(Queue::unbounded());
        let q2 = q.clone();
        watchdog(
            &format!("timed getters (seed {seed})"),
            describe(&q),
            move || {
                let q = &*q2;
                let (forever, timed) = (2u64, 6u64);
                let start = Barrier::new((forever + timed + 1) as usize);
                let start = &start;
                thread::scope(|s| {
                    let sleepers: Vec<_> = (0..forever)
                        .map(|_| {
                            s.spawn(move || {
                                start.wait();
                                q.get().unwrap()
                            })
                        })
                        .collect();
                    for t in 0..timed {
                        s.spawn(move || {
                            let mut rng = Rng::new(seed * 10 + t);
                            start.wait();
                            // Half expire around the puts, half are still asleep for them.
                            let micros = if t % 2 == 0 {
                                50 + rng.below(1_000)
                            } else {
                                20_000
                            };
                            let timeout = Duration::from_micros(micros);
                            if let Ok(item) = q.get_timeout(timeout) {
                                q.put(item).unwrap();
                            }
                        });
                    }
                    let mut rng = Rng::new(seed);
                    start.wait();
                    for item in 0..forever {
                        jitter(&mut rng, 3_000);
                        q.put(item).unwrap();
                    }
                    let got: Vec<u64> = sleepers.into_iter().map(|g| g.join().unwrap()).collect();
                    assert_same_items(got, (0..forever).collect(), "forever getters");
                });
            },
        );
    }
}

/// The same for putters: timed putters (some expiring around the moment slots free up, some
/// still asleep then) next to putters that wait forever, on a full queue of capacity 1 that
/// the test drains one get at a time. A timed putter notified of a free slot must use it (or
/// pass it on) even if its deadline has just passed — `put` cannot, like `get`, fall back on
/// finding the item in the storage. Otherwise a forever putter sleeps next to a free slot and
/// the test's next `get` waits forever.
#[test]
fn timed_out_putters_do_not_swallow_wakeups() {
    for seed in 0..100 {
        let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(1));
        let q2 = q.clone();
        watchdog(
            &format!("timed putters (seed {seed})"),
            describe(&q),
            move || {
                let q = &*q2;
                let (forever, timed) = (2u64, 6u64);
                let start = Barrier::new((forever + timed + 1) as usize);
                let start = &start;
                q.put(100).unwrap();
                let seen = thread::scope(|s| {
                    for i in 0..forever {
                        s.spawn(move || {
                            start.wait();
                            q.put(i).unwrap();
                        });
                    }
                    for t in 0..timed {
                        s.spawn(move || {
                            let mut rng = Rng::new(seed * 10 + t);
                            start.wait();
                            let micros = if t % 2 == 0 {
                                50 + rng.below(1_000)
                            } else {
                                20_000
                            };
                            let _ = q.put_timeout(200 + t, Duration::from_micros(micros));
                        });
                    }
                    let mut rng = Rng::new(seed);
                    start.wait();
                    let mut seen = Vec::new();
                    while !(0..forever).all(|i| seen.contains(&i)) {
                        jitter(&mut rng, 3_000);
                        seen.push(q.get().unwrap());
                    }
                    seen
                });
                let mut unique = seen.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), seen.len(), "an item was received twice");
                assert_eq!(seen[0], 100);
            },
        );
    }
}

/// Iterators blocked on an empty queue all end at `shutdown`, and a `put_batch` much larger
/// than the capacity goes in, in parts, while consumers drain it.
#[test]
fn put_batch_larger_than_capacity_then_iterators_end_at_shutdown() {
    let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(2));
    let q2 = q.clone();
    watchdog("big put_batch", describe(&q), move || {
        let q = &*q2;
        let logs = thread::scope(|s| {
            let consumers: Vec<_> = (0..3)
                .map(|_| s.spawn(|| q.iter().collect::<Vec<u64>>()))
                .collect();
            q.put_batch(0..5_000).unwrap();
            q.shutdown();
            consumers
                .into_iter()
                .map(|c| c.join().unwrap())
                .collect::<Vec<_>>()
        });
        logs.iter()
            .for_each(|log| assert!(log.windows(2).all(|w| w[0] < w[1])));
        assert_same_items(logs.concat(), (0..5_000).collect(), "big put_batch");
        assert_eq!(q.unfinished_tasks(), 5_000, "iter does not call task_done");
        assert_eq!(q.shutdown_now(), Vec::<u64>::new());
        assert!(
            !q.join_timeout(Duration::ZERO),
            "the 5000 taken tasks are not done"
        );
    });
}

/// An item whose `Ord` panics whenever a "poisoned" item takes part in a comparison.
#[derive(Debug)]
struct Touchy {
    id: u64,
    poisoned: bool,
}

impl Touchy {
    fn new(id: u64, poisoned: bool) -> Self {
        Touchy { id, poisoned }
    }
}

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.poisoned || other.poisoned {
            panic::panic_any(INTENDED);
        }
        self.id.cmp(&other.id)
    }
}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Touchy {}

/// Many threads on a small `PriorityQueue` whose `Ord` panics now and then, during puts and
/// gets alike. Afterwards: no item is received twice; every item is either received or counted
/// in `failed_tasks` (a panicking get drops the item it was taking); a put that panicked still
/// counts as accepted; no thread is left asleep (a panicking call passes its wakeup on); and
/// `join` returns.
#[test]
fn priority_queue_with_a_panicking_ord_under_contention() {
    quiet_intended_panics();
    let (producers, per, consumers) = (3u64, 300u64, 3u64);
    let q = Arc::new(queue::PriorityQueue::<Touchy>::bounded(4));
    let (q2, q3) = (q.clone(), q.clone());
    watchdog(
        "panicking Ord",
        move || format!("{q3:?}"),
        move || {
            let q = &*q2;
            let received = thread::scope(|s| {
                let ps: Vec<_> = (0..producers)
                    .map(|p| {
                        s.spawn(move || {
                            let mut rng = Rng::new(p);
                            for seq in 0..per {
                                let item = Touchy::new(id(p, seq), rng.below(10) == 0);
                                match panic::catch_unwind(AssertUnwindSafe(|| q.put(item))) {
                                    Ok(result) => result.expect("not shut down yet"),
                                    Err(payload) => assert!(is_intended(&*payload)),
                                }
                            }
                        })
                    })
                    .collect();
                let cs: Vec<_> = (0..consumers)
                    .map(|_| {
                        s.spawn(move || {
                            let mut log = Vec::new();
                            loop {
                                match panic::catch_unwind(AssertUnwindSafe(|| q.get())) {
                                    Ok(Ok(item)) => {
                                        log.push(item.id);
                                        q.task_done().unwrap();
                                    }
                                    Ok(Err(GetError::ShutDown)) => return log,
                                    Ok(Err(e)) => panic!("a blocking get failed with {e:?}"),
                                    Err(payload) => assert!(is_intended(&*payload)),
                                }
                            }
                        })
                    })
                    .collect();
                ps.into_iter().for_each(|p| p.join().unwrap());
                q.shutdown();
                cs.into_iter()
                    .flat_map(|c| c.join().unwrap())
                    .collect::<Vec<u64>>()
            });
            let mut unique = received.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), received.len(), "an item was received twice");
            let total = (producers * per) as usize;
            assert!(q.failed_tasks() > 0, "the test must make some gets panic");
            assert_eq!(
                received.len() + q.failed_tasks(),
                total,
                "items lost without being counted"
            );
            assert_eq!((q.len(), q.unfinished_tasks()), (0, 0));
            q.join();
        },
    );
}

/// `shutdown_now` sorts a `PriorityQueue`'s items after releasing the lock, which runs `Ord`.
/// If that panics, the items must not vanish: they were removed from the unfinished count, so
/// every one comes back (unsorted, as `Priority`'s docs say) and `shutdown_now` returns normally.
#[test]
fn shutdown_now_with_a_panicking_ord_returns_every_item() {
    quiet_intended_panics();
    let q = queue::PriorityQueue::unbounded();
    q.put(Touchy::new(1, false)).unwrap();
    q.put(Touchy::new(2, false)).unwrap();
    // A poisoned item put last: its own put panics in the sift, and it stays queued (documented).
    let put = panic::catch_unwind(AssertUnwindSafe(|| q.put(Touchy::new(3, true))));
    assert!(put.is_err());
    assert_eq!((q.len(), q.unfinished_tasks()), (3, 3));
    let returned = panic::catch_unwind(AssertUnwindSafe(|| q.shutdown_now()))
        .expect("the sort's panic is contained inside shutdown_now");
    assert_eq!(returned.len(), 3, "every removed item is returned");
    assert_eq!(
        q.unfinished_tasks(),
        0,
        "shutdown_now removed them from the count"
    );
    assert_eq!(q.failed_tasks(), 0, "nothing was lost, so nothing failed");
}

/// Timeouts too large for `Instant` (or just short of that) wait without a deadline — for the
/// batch get and `join_timeout` too — and never panic.
#[test]
fn huge_timeouts_on_batches_and_join_wait_without_a_deadline() {
    let q: Shared<Fifo<u64>> = Arc::new(Queue::bounded(1));
    let q2 = q.clone();
    watchdog("huge timeouts", describe(&q), move || {
        let q = &*q2;
        let huge = [
            Duration::MAX,
            Duration::from_secs(u64::MAX / 2),
            Duration::from_secs(1 << 40),
        ];
        for timeout in huge {
            thread::scope(|s| {
                s.spawn(|| {
                    q.put(1).unwrap();
                    q.put_timeout(2, timeout).unwrap(); // blocks until the get below
                });
                assert_eq!(q.get_batch_timeout(5, timeout), Ok(vec![1]));
                assert_eq!(q.get_timeout(timeout), Ok(2));
                s.spawn(|| {
                    q.task_done().unwrap();
                    q.task_done().unwrap();
                });
                assert!(q.join_timeout(timeout));
            });
        }
    });
}

/// A FIFO storage whose `push` panics *before* storing the item [`REFUSED`]: unlike
/// `BinaryHeap`, whose panicking push keeps the item, this leaves the length unchanged.
#[derive(Default)]
struct RefusingFifo(std::collections::VecDeque<u64>);

const REFUSED: u64 = u64::MAX;

impl Order<u64> for RefusingFifo {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: u64) {
        if item == REFUSED {
            panic::panic_any(INTENDED);
        }
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<u64> {
        self.0.pop_front()
    }
    fn into_vec(self) -> Vec<u64> {
        self.0.into()
    }
}

/// A putter woken for a free slot whose storage call panics without using the slot must pass
/// the wakeup on (queue.rs, `StoreCall`): otherwise another putter sleeps next to a free slot.
/// Several putters of the refused item and of good items sleep on a full queue of capacity 1;
/// single gets free one slot at a time; every good item must get in.
#[test]
fn a_put_that_panics_without_storing_passes_its_wakeup_on() {
    quiet_intended_panics();
    for seed in 0..30 {
        let q: Shared<RefusingFifo> = Arc::new(BlockingQueue::bounded(1));
        let q2 = q.clone();
        watchdog(
            &format!("refused put (seed {seed})"),
            describe(&q),
            move || {
                let q = &*q2;
                let mut rng = Rng::new(seed);
                let (good, refused) = (3u64, 3u64);
                let start = Barrier::new((good + refused + 1) as usize);
                let start = &start;
                q.put(0).unwrap();
                let got = thread::scope(|s| {
                    for i in 0..good + refused {
                        s.spawn(move || {
                            start.wait();
                            if i < refused {
                                let put = panic::catch_unwind(AssertUnwindSafe(|| q.put(REFUSED)));
                                assert!(put.is_err_and(|p| is_intended(&*p)));
                            } else {
                                q.put(i).unwrap();
                            }
                        });
                    }
                    start.wait();
                    jitter(&mut rng, 5_000);
                    // One slot at a time: each get wakes one putter, who must use it or pass it on.
                    (0..=good).map(|_| q.get().unwrap()).collect::<Vec<u64>>()
                });
                assert_same_items(
                    got,
                    [0].into_iter().chain(refused..good + refused).collect(),
                    "got",
                );
                assert_eq!((q.len(), q.unfinished_tasks()), (0, good as usize + 1));
            },
        );
    }
}
