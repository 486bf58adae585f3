//! A lost-wakeup hunt on "one put wakes one waiter" (`wait.rs::Sleepers`, `api.rs::put_on_core`,
//! `batch.rs::put_batch`): the deterministic repro of the one hang it found (a batch that
//! waited for room before waking the task that would make it), then randomized mixes of every
//! kind of getter and putter, threads and tasks, with a progress watchdog.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use queue::{Design, Queue};

const DESIGNS: [Design; 3] = [Design::OneLock, Design::TwoSides, Design::TwoSidesSpinning];

/// A waker that records that it was woken (and unparks a thread, if given one).
struct Flag {
    woken: AtomicBool,
    thread: Option<thread::Thread>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if let Some(t) = &self.thread {
            t.unpark();
        }
    }
}

/// Polls `fut` until it is Pending without having woken itself: then it is registered as a
/// waiter (the queue's repoll self-wakes a few times before it registers).
fn poll_until_registered<F: Future>(
    fut: std::pin::Pin<&mut F>,
    flag: &Arc<Flag>,
) -> Option<F::Output> {
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = fut;
    for _ in 0..1000 {
        flag.woken.store(false, Ordering::SeqCst);
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return Some(v),
            Poll::Pending if !flag.woken.load(Ordering::SeqCst) => return None,
            Poll::Pending => {}
        }
    }
    panic!("the future kept waking itself");
}

/// A task waits in `get_async` on a queue of capacity 1 (registered, no thread asleep); a
/// thread puts a batch of two. The first item fits; the batch then waits for room, which only
/// the task can make, and the task's wakeup is given only when the whole batch is in.
#[test]
fn put_batch_larger_than_room_wakes_a_waiting_task() {
    let mut lost = Vec::new();
    for design in DESIGNS {
        let q: Arc<Queue<u32>> = Arc::new(Queue::with_design(Some(1), design));
        let flag = Arc::new(Flag {
            woken: AtomicBool::new(false),
            thread: None,
        });
        let mut fut = pin!(q.get_async());
        assert!(poll_until_registered(fut.as_mut(), &flag).is_none());
        let putter = {
            let q = q.clone();
            thread::spawn(move || q.put_batch([1, 2]))
        };
        // Bounded wait: only to turn a hang into a failure, not to order events.
        let mut woke = false;
        for _ in 0..500 {
            if flag.woken.load(Ordering::SeqCst) {
                woke = true;
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let len = q.len();
        if !woke {
            // Unblock the putter so the test can end: take the item by hand.
            let _ = q.try_get();
            let _ = putter.join();
            lost.push(format!("{design:?}: {len} item(s) queued, the task never woken, put_batch waiting for room"));
            continue;
        }
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(Ok(1)));
        putter.join().unwrap().unwrap();
        assert_eq!(q.try_get(), Ok(2));
    }
    assert!(lost.is_empty(), "lost wakeups: {lost:#?}");
}

// ---------------------------------------------------------------------------------------
// The randomized mix: producers and consumers of every kind, a watchdog on progress.

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone, Copy, Debug)]
enum Getter {
    /// `get` forever, until shut down.
    Forever,
    /// `get_batch(n)` forever.
    Batch(usize),
    /// `get_task` forever.
    Task,
    /// `get_timeout` with tiny timeouts, only while producers run.
    Timeout(u64),
    /// `try_get`, only while producers run.
    Try,
    /// A task in `get_async`, parked between polls; cancelled after a wakeup every `k`-th time.
    Async(u64),
}

#[derive(Clone, Copy, Debug)]
enum Putter {
    Put,
    Try,
    Timeout,
    /// Only on unbounded queues or with no async getters: see the deterministic test above.
    Batch(usize),
}

fn block_on_get(q: &Queue<u64>, cancel_every: u64, rng: &mut Rng) -> Result<u64, queue::GetError> {
    let flag = Arc::new(Flag {
        woken: AtomicBool::new(false),
        thread: Some(thread::current()),
    });
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        let mut fut = Box::pin(q.get_async());
        loop {
            flag.woken.store(false, Ordering::SeqCst);
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            while !flag.woken.load(Ordering::SeqCst) {
                thread::park();
            }
            if cancel_every != 0 && rng.below(cancel_every) == 0 {
                break; // woken, then dropped: the wakeup must pass on
            }
        }
    }
}

fn scenario(
    seed: u64,
    design: Design,
    cap: Option<usize>,
    getters: &[Getter],
    putters: &[Putter],
    per_putter: u64,
) {
    let q: Arc<Queue<u64>> = Arc::new(Queue::with_design(cap, design));
    let received = Arc::new(AtomicUsize::new(0));
    let sum = Arc::new(AtomicUsize::new(0));
    let putting = Arc::new(AtomicBool::new(true));
    let total = putters.len() as u64 * per_putter;
    let mut handles = Vec::new();
    for (i, &g) in getters.iter().enumerate() {
        let (q, received, sum, putting) =
            (q.clone(), received.clone(), sum.clone(), putting.clone());
        handles.push(thread::spawn(move || {
            let mut rng = Rng(seed.wrapping_mul(31).wrapping_add(i as u64) | 1);
            let got = |v: u64| {
                sum.fetch_add(v as usize, Ordering::SeqCst);
                received.fetch_add(1, Ordering::SeqCst);
            };
            loop {
                match g {
                    Getter::Forever => match q.get() {
                        Ok(v) => got(v),
                        Err(_) => return,
                    },
                    Getter::Batch(n) => match q.get_batch(n) {
                        Ok(vs) => vs.into_iter().for_each(got),
                        Err(_) => return,
                    },
                    Getter::Task => match q.get_task() {
                        Ok(t) => got(*t),
                        Err(_) => return,
                    },
                    Getter::Timeout(us) => {
                        if !putting.load(Ordering::SeqCst) {
                            return;
                        }
                        if let Ok(v) = q.get_timeout(Duration::from_micros(rng.below(us + 1))) {
                            got(v)
                        }
                    }
                    Getter::Try => {
                        if !putting.load(Ordering::SeqCst) {
                            return;
                        }
                        match q.try_get() {
                            Ok(v) => got(v),
                            Err(_) => thread::yield_now(),
                        }
                    }
                    Getter::Async(k) => match block_on_get(&q, k, &mut rng) {
                        Ok(v) => got(v),
                        Err(_) => return,
                    },
                }
            }
        }));
    }
    let mut puts = Vec::new();
    for (p, &kind) in putters.iter().enumerate() {
        let q = q.clone();
        puts.push(thread::spawn(move || {
            let mut rng = Rng(seed.wrapping_mul(17).wrapping_add(p as u64 + 100) | 1);
            let mut next = p as u64 * per_putter;
            let end = next + per_putter;
            while next < end {
                match kind {
                    Putter::Put => q.put(next).unwrap(),
                    Putter::Try => {
                        while q.try_put(next).is_err() {
                            thread::yield_now();
                        }
                    }
                    Putter::Timeout => {
                        while q
                            .put_timeout(next, Duration::from_micros(rng.below(20)))
                            .is_err()
                        {}
                    }
                    Putter::Batch(n) => {
                        let k = (1 + rng.below(n as u64)).min(end - next);
                        q.put_batch(next..next + k).unwrap();
                        next += k;
                        continue;
                    }
                }
                next += 1;
            }
        }));
    }
    // Watchdog, over the producers' phase too: fail if no item arrives for 10 s while some
    // are missing (a stalled `put_batch` is part of what it must catch).
    let (mut last, mut still) = (received.load(Ordering::SeqCst), 0);
    while received.load(Ordering::SeqCst) < total as usize || puts.iter().any(|p| !p.is_finished())
    {
        if puts.iter().all(|p| p.is_finished()) {
            putting.store(false, Ordering::SeqCst);
        }
        thread::sleep(Duration::from_millis(5));
        let now = received.load(Ordering::SeqCst);
        if now == last {
            still += 1;
            assert!(
                still < 2000,
                "LOST WAKEUP seed {seed} {design:?} cap {cap:?} getters {getters:?} putters {putters:?}: \
                 received {now}/{total}, queue len {}, putters still running {}",
                q.len(),
                puts.iter().filter(|p| !p.is_finished()).count()
            );
        } else {
            (last, still) = (now, 0);
        }
    }
    putting.store(false, Ordering::SeqCst);
    for p in puts {
        p.join().unwrap();
    }
    q.shutdown();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(received.load(Ordering::SeqCst), total as usize);
    assert_eq!(
        sum.load(Ordering::SeqCst) as u64,
        total * (total.saturating_sub(1)) / 2,
        "not the items sent"
    );
    assert!(q.is_empty());
}

fn random_mix(seed: u64, iters: u64, allow_bounded_batch_with_tasks: bool) {
    let mut rng = Rng(seed | 1);
    for it in 0..iters {
        let design = DESIGNS[rng.below(3) as usize];
        let cap = [Some(1), Some(2), None][rng.below(3) as usize];
        let mut getters = Vec::new();
        // At least one getter that waits forever.
        for _ in 0..1 + rng.below(4) {
            getters.push(match rng.below(6) {
                0 => Getter::Forever,
                1 => Getter::Batch(1 + rng.below(3) as usize),
                2 => Getter::Task,
                3 => Getter::Async(0),
                4 => Getter::Async(1 + rng.below(3)),
                _ => Getter::Forever,
            });
        }
        for _ in 0..rng.below(3) {
            getters.push(if rng.below(2) == 0 {
                Getter::Timeout(rng.below(50))
            } else {
                Getter::Try
            });
        }
        let has_async = getters.iter().any(|g| matches!(g, Getter::Async(_)));
        let mut putters = Vec::new();
        for _ in 0..1 + rng.below(3) {
            putters.push(match rng.below(4) {
                0 => Putter::Put,
                1 => Putter::Try,
                2 => Putter::Timeout,
                _ if cap.is_none() || !has_async || allow_bounded_batch_with_tasks => {
                    Putter::Batch(1 + rng.below(4) as usize)
                }
                _ => Putter::Put,
            });
        }
        scenario(
            seed ^ it,
            design,
            cap,
            &getters,
            &putters,
            20 + rng.below(200),
        );
    }
}

fn iters() -> u64 {
    std::env::var("HOSTILE_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

#[test]
fn random_mixes_of_getters_and_putters_lose_no_wakeup() {
    let seed = std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9);
    random_mix(seed, iters(), false);
    random_mix(seed ^ 0x5eed, iters(), true);
}

/// Only two kinds: async getters cancelled after a wakeup, and getters with tiny timeouts
/// alongside `get` forever, on capacity 1 and 2: the wakeup-eating cases.
#[test]
fn cancel_and_timeout_eat_wakeups() {
    for it in 0..iters() {
        let design = DESIGNS[(it % 3) as usize];
        let cap = [Some(1), Some(2), None][((it / 3) % 3) as usize];
        let getters = [
            Getter::Async(1),
            Getter::Async(2),
            Getter::Forever,
            Getter::Timeout(5),
        ];
        scenario(it, design, cap, &getters, &[Putter::Put, Putter::Put], 100);
        let getters = [
            Getter::Timeout(2),
            Getter::Timeout(2),
            Getter::Forever,
            Getter::Async(1),
        ];
        scenario(
            it + 1_000_000,
            design,
            cap,
            &getters,
            &[Putter::Try, Putter::Timeout],
            100,
        );
    }
}

/// Bounded batches whose later parts wait for room that only a task makes: the harness form
/// of the deterministic repro (it hung within seconds before `put_batch` woke tasks per part).
#[test]
fn bounded_batches_beside_tasks_only() {
    for it in 0..iters() {
        let design = DESIGNS[(it % 3) as usize];
        scenario(
            it,
            design,
            Some(1),
            &[Getter::Async(0)],
            &[Putter::Batch(4)],
            500,
        );
    }
}
