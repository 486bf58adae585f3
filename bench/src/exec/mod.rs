//! The executor contenders: the same async workloads on our executor and on its peers, each
//! contender in a file of its own, all run on the calling thread.

mod async_exec;
mod futures_pool;
pub mod memory;
mod ours;
mod tokio_rt;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Tasks are spawned and awaited in batches of this many: 1M live tasks at once would measure
/// the allocator and the cache misses of a 100+ MB heap, not the executor's per-task machinery.
pub const SPAWN_BATCH: u64 = 1024;

/// A single-threaded executor that the executor benchmarks compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecContender {
    /// Our `executor::Executor`.
    Ours,
    /// tokio's current-thread runtime with a `LocalSet` (`spawn_local`), its `!Send` setup.
    Tokio,
    /// async-executor's `LocalExecutor`, driven by `futures::executor::block_on`.
    AsyncExecutor,
    /// futures' `LocalPool` with `spawn_local_with_handle`.
    FuturesLocalPool,
}

impl ExecContender {
    /// Every peer, for picking the best one in a run.
    pub const PEERS: [ExecContender; 3] = [
        ExecContender::Tokio,
        ExecContender::AsyncExecutor,
        ExecContender::FuturesLocalPool,
    ];

    /// The contender's name in tables, criterion reports and child-process arguments.
    ///
    /// ```
    /// use bench::exec::ExecContender;
    /// assert_eq!(ExecContender::from_name("tokio"), Some(ExecContender::Tokio));
    /// assert_eq!(ExecContender::Tokio.name(), "tokio");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ExecContender::Ours => "ours",
            ExecContender::Tokio => "tokio",
            ExecContender::AsyncExecutor => "async-executor",
            ExecContender::FuturesLocalPool => "futures LocalPool",
        }
    }

    /// The contender called `name` (see [`ExecContender::name`]), if any.
    pub fn from_name(name: &str) -> Option<ExecContender> {
        [ExecContender::Ours]
            .into_iter()
            .chain(Self::PEERS)
            .find(|c| c.name() == name)
    }

    /// Spawns `n` trivial tasks (each returns its index) in batches of [`SPAWN_BATCH`], awaits
    /// each handle, and returns the time it took (runtime construction excluded).
    ///
    /// ```
    /// use bench::exec::ExecContender;
    /// for c in ExecContender::PEERS {
    ///     assert!(c.spawn_await(2_000).as_nanos() > 0);
    /// }
    /// ```
    pub fn spawn_await(self, n: u64) -> Duration {
        match self {
            ExecContender::Ours => ours::spawn_await(n),
            ExecContender::Tokio => tokio_rt::spawn_await(n),
            ExecContender::AsyncExecutor => async_exec::spawn_await(n),
            ExecContender::FuturesLocalPool => futures_pool::spawn_await(n),
        }
    }

    /// Spawns one task that yields `n` times, awaits it, and returns the time it took.
    ///
    /// ```
    /// use bench::exec::ExecContender;
    /// for c in ExecContender::PEERS {
    ///     assert!(c.yield_many(1_000).as_nanos() > 0);
    /// }
    /// ```
    pub fn yield_many(self, n: u64) -> Duration {
        match self {
            ExecContender::Ours => ours::yield_many(n),
            ExecContender::Tokio => tokio_rt::yield_many(n),
            ExecContender::AsyncExecutor => async_exec::yield_many(n),
            ExecContender::FuturesLocalPool => futures_pool::yield_many(n),
        }
    }

    /// Whether this contender has a timer of its own, i.e. whether [`ExecContender::timers`]
    /// runs.
    ///
    /// ```
    /// use bench::exec::ExecContender;
    /// assert!(ExecContender::Tokio.has_timer());
    /// assert!(!ExecContender::AsyncExecutor.has_timer());
    /// ```
    pub fn has_timer(self) -> bool {
        matches!(self, ExecContender::Ours | ExecContender::Tokio)
    }

    /// Runs `plan`'s timers, one task each, or `None` for a contender without a timer of its
    /// own (async-executor and futures need another crate for that, e.g. async-io).
    ///
    /// ```
    /// use bench::exec::{ExecContender, TimerPlan};
    /// use std::time::Duration;
    /// let plan = TimerPlan::new(100, Duration::from_millis(5));
    /// let run = ExecContender::Tokio.timers(plan).unwrap();
    /// assert_eq!(run.lateness_ns.len(), 100);
    /// assert!(run.lateness_ns.iter().all(|&ns| ns >= 0), "a timer fired early");
    /// assert!(ExecContender::FuturesLocalPool.timers(plan).is_none());
    /// ```
    pub fn timers(self, plan: TimerPlan) -> Option<TimerRun> {
        match self {
            ExecContender::Ours => Some(ours::timers(plan)),
            ExecContender::Tokio => Some(tokio_rt::timers(plan)),
            ExecContender::AsyncExecutor | ExecContender::FuturesLocalPool => None,
        }
    }

    /// Spawns `n` tasks that never complete, runs until each has been polled once, and returns
    /// the resident memory (bytes) before the first spawn and after the last first poll.
    ///
    /// Meaningful in a fresh process only (see [`memory`]): a process that already ran other
    /// workloads reuses freed heap and shows a smaller delta.
    pub fn pending_rss(self, n: usize) -> (u64, u64) {
        match self {
            ExecContender::Ours => ours::pending_rss(n),
            ExecContender::Tokio => tokio_rt::pending_rss(n),
            ExecContender::AsyncExecutor => async_exec::pending_rss(n),
            ExecContender::FuturesLocalPool => futures_pool::pending_rss(n),
        }
    }
}

/// `n` timers whose deadlines are spread uniformly over `spread`, starting `lead` after the run
/// begins.
///
/// The lead gives every contender time to spawn and first-poll all its timer tasks before the
/// first deadline, so lateness measures how timers fire, not how long the setup took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerPlan {
    /// Number of timers (one task each).
    pub n: usize,
    /// The deadlines are spread uniformly over this long.
    pub spread: Duration,
    /// Time from the start of the run to the window of deadlines.
    pub lead: Duration,
}

impl TimerPlan {
    /// `n` timers over `spread`, with a lead of half the spread.
    pub fn new(n: usize, spread: Duration) -> TimerPlan {
        TimerPlan {
            n,
            spread,
            lead: spread / 2,
        }
    }

    /// The deadline of timer `i` for a run that started at `base`.
    ///
    /// ```
    /// use bench::exec::TimerPlan;
    /// use std::time::{Duration, Instant};
    /// let plan = TimerPlan::new(4, Duration::from_millis(100));
    /// let base = Instant::now();
    /// assert_eq!(plan.deadline(base, 0), base + Duration::from_millis(75));
    /// assert_eq!(plan.deadline(base, 3), base + Duration::from_millis(150));
    /// ```
    pub fn deadline(&self, base: Instant, i: usize) -> Instant {
        let offset = self.spread.as_nanos() * (i as u128 + 1) / self.n.max(1) as u128;
        base + self.lead + Duration::from_nanos(offset as u64)
    }
}

/// What a timer run measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerRun {
    /// Wall time of the whole run.
    pub wall: Duration,
    /// CPU time of the executor's thread during the run, where the OS tells it.
    pub cpu: Option<Duration>,
    /// For each timer, the time it woke minus its deadline, in nanoseconds (negative: early).
    pub lateness_ns: Vec<i64>,
}

/// Signed nanoseconds from `deadline` to now: what one timer task records when it wakes.
pub(crate) fn lateness_ns(deadline: Instant) -> i64 {
    let now = Instant::now();
    match now.checked_duration_since(deadline) {
        Some(late) => late.as_nanos() as i64,
        None => -((deadline - now).as_nanos() as i64),
    }
}

/// How many `pending_task`s have been polled: the memory workload runs until all of them have.
/// A process-wide counter (not an `Rc` per task) keeps the tasks themselves minimal; each
/// contender runs it in a process of its own, and resets it first.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// A task that counts its first poll, then waits forever on a future that never completes.
pub(crate) async fn pending_task() {
    POLLED.fetch_add(1, Ordering::Relaxed);
    std::future::pending::<()>().await
}

pub(crate) fn reset_polled() {
    POLLED.store(0, Ordering::Relaxed);
}

pub(crate) fn polled() -> usize {
    POLLED.load(Ordering::Relaxed)
}
