//! Helpers shared by the stress-test binaries: a watchdog that turns a hang into a failure, a
//! seeded generator and spin-based jitter (so no test sleeps to order events), the hook that
//! keeps intended panics quiet, exact checks on received items, and the queue's randomized
//! producer and consumer.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::any::Any;
use std::panic;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{mpsc, Arc, Once};
use std::thread;
use std::time::Duration;

use queue::{BlockingQueue, GetError, Order, PutError};

/// How long a scenario may go without a sign of life before the watchdog calls it a hang (each
/// takes well under a second when nothing is wrong, even in debug builds on two busy cores).
pub const LIMIT: Duration = Duration::from_secs(10);

/// Items moved by [`produce`] and [`consume`] in this process: the watchdog's sign of life. A
/// starved but working scenario keeps moving items, a lost wakeup stops them all — so a
/// scenario that moves items fails for a whole [`LIMIT`] without one, not for being slow (on a
/// loaded machine thousands of hand-offs on a queue of capacity 1 can take longer than that).
static PROGRESS: AtomicU64 = AtomicU64::new(0);

/// Counts `items` moved as a sign of life for [`watchdog`] (scenarios that move items by hand
/// call it as [`produce`] and [`consume`] do).
pub fn made_progress(items: u64) {
    PROGRESS.fetch_add(items, Relaxed);
}

/// Runs `scenario` on its own thread and waits for it while it shows a sign of life at least
/// every [`LIMIT`]: an item moved ([`PROGRESS`]; while another test of the binary moves items,
/// that counts too), or one of its threads waited for a CPU for half the window
/// ([`cpu_waits`]) — starved, not hung: a lost wakeup leaves every thread asleep, waiting for
/// nothing. On a hang it panics with `describe()` (the queue's counters), leaving the stuck
/// thread behind: the test fails instead of blocking the whole run. A panic inside the
/// scenario is re-raised as is.
pub fn watchdog<R: Send + 'static>(
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
    let (mut seen, mut waited) = (PROGRESS.load(Relaxed), cpu_waits(name));
    loop {
        match done.recv_timeout(LIMIT) {
            // Disconnected: the scenario panicked; `join` hands us its panic.
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return handle.join().unwrap_or_else(|p| panic::resume_unwind(p))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let (now, waits) = (PROGRESS.load(Relaxed), cpu_waits(name));
                let starved = waits.iter().any(|(tid, total)| {
                    let before = waited
                        .iter()
                        .find(|(t, _)| t == tid)
                        .map_or(Duration::ZERO, |w| w.1);
                    total.saturating_sub(before) >= LIMIT / 2
                });
                if now == seen && !starved {
                    panic!(
                        "{name}: no sign of life for {LIMIT:?} (lost wakeup or hang); state: {}",
                        describe()
                    )
                }
                (seen, waited) = (now, waits);
            }
        }
    }
}

/// For each live thread of the scenario `name` — its own thread and those it spawned, which
/// inherit its name (Linux keeps the first 15 bytes) — how long it has waited on a run queue,
/// runnable but not running (`/proc/self/task/*/schedstat`, second field). Empty where that
/// cannot be read: then only items moved count as a sign of life.
fn cpu_waits(name: &str) -> Vec<(String, Duration)> {
    let comm = &name.as_bytes()[..name.len().min(15)];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let dir = task.ok()?.path();
            let own = std::fs::read(dir.join("comm")).ok()?;
            if own.strip_suffix(b"\n").unwrap_or(&own) != comm {
                return None;
            }
            let stat = std::fs::read_to_string(dir.join("schedstat")).ok()?;
            let nanos = stat.split_whitespace().nth(1)?.parse().ok()?;
            let tid = dir.file_name()?.to_string_lossy().into_owned();
            Some((tid, Duration::from_nanos(nanos)))
        })
        .collect()
}

/// The state to show on a hang when the watchdog cannot see any: an executor is not `Send`, so
/// it lives inside the scenario's thread.
pub fn no_state() -> String {
    "(the executor is inside the scenario's thread)".to_owned()
}

/// xorshift64*: a tiny deterministic generator, so a failing seed can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random pause made of busy spins and yields: moves the next event to a random point
/// without sleeping (the scheduler, not a timer, decides what happens meanwhile).
pub fn jitter(rng: &mut Rng, max_spins: u64) {
    for i in 0..rng.below(max_spins + 1) {
        if i % 64 == 63 {
            thread::yield_now();
        }
        std::hint::spin_loop();
    }
}

/// Item ids: producer in the high half, sequence number in the low half.
pub fn id(producer: u64, seq: u64) -> u64 {
    producer << 32 | seq
}

/// The panic payload our deliberate panics carry; the hook below keeps them off stderr.
pub const INTENDED: &str = "stress: intended panic";

/// Silences the intended panics (hundreds of them) while keeping every other panic's message.
pub fn quiet_intended_panics() {
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

pub fn is_intended(payload: &(dyn Any + Send)) -> bool {
    payload.downcast_ref::<&str>() == Some(&INTENDED)
}

/// Asserts that `got` is exactly `expected` as a multiset: nothing lost, nothing duplicated.
pub fn assert_same_items(mut got: Vec<u64>, mut expected: Vec<u64>, what: &str) {
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
pub fn assert_per_producer_order(log: &[u64]) {
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

pub type Shared<O> = Arc<BlockingQueue<u64, O>>;

pub fn describe<O: Order<u64> + Send + 'static>(q: &Shared<O>) -> impl Fn() -> String {
    let q = q.clone();
    move || format!("{q:?}")
}

/// One producer: puts its items with a random method per step, retrying timeouts and `Full`,
/// so its own order is kept. Returns the items handed back by a shutdown.
pub fn produce<O: Order<u64>>(q: &BlockingQueue<u64, O>, p: u64, n: u64, seed: u64) -> Vec<u64> {
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
            Ok(()) => {
                made_progress(end - seq);
                seq = end;
            }
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
pub fn consume<O: Order<u64>>(q: &BlockingQueue<u64, O>, seed: u64) -> Vec<u64> {
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
                    made_progress(1);
                    log.push(*task);
                    continue; // the guard marks it done
                }
                Err(e) => Err(e),
            },
        };
        match got {
            Ok(items) => {
                made_progress(items.len() as u64);
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
