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

    /// Runs `plan`'s timers, one task each awaiting its own sleep, with the contender's usual
    /// timer: ours, tokio's, async-io's `Timer` (async-executor, under `async_io::block_on` as
    /// smol runs it), futures-timer's `Delay` (futures' `LocalPool`).
    ///
    /// ```
    /// use bench::exec::{ExecContender, TimerPlan};
    /// use std::time::Duration;
    /// let plan = TimerPlan::fair(100, Duration::from_millis(5));
    /// for c in ExecContender::PEERS {
    ///     let run = c.timers(plan);
    ///     assert_eq!(run.lateness_ns.len(), 100);
    ///     assert!(run.lateness_ns.iter().all(|&ns| ns >= 0), "{} fired early", c.name());
    ///     assert!(run.spawned <= run.wall);
    /// }
    /// ```
    pub fn timers(self, plan: TimerPlan) -> TimerRun {
        match self {
            ExecContender::Ours => ours::timers(plan),
            ExecContender::Tokio => tokio_rt::timers(plan),
            ExecContender::AsyncExecutor => async_exec::timers(plan),
            ExecContender::FuturesLocalPool => futures_pool::timers(plan),
        }
    }

    /// Spawns `n` tasks of `kind`, runs until each has been polled once, and returns the
    /// resident memory (bytes) before the first spawn and after the last first poll.
    ///
    /// Meaningful in a fresh process only (see [`memory`]): a process that already ran other
    /// workloads reuses freed heap and shows a smaller delta.
    pub fn tasks_rss(self, kind: TaskKind, n: usize) -> (u64, u64) {
        match self {
            ExecContender::Ours => ours::tasks_rss(kind, n),
            ExecContender::Tokio => tokio_rt::tasks_rss(kind, n),
            ExecContender::AsyncExecutor => async_exec::tasks_rss(kind, n),
            ExecContender::FuturesLocalPool => futures_pool::tasks_rss(kind, n),
        }
    }
}

/// What the tasks of a memory workload wait on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// A future that never completes and holds no waker (`std::future::pending`).
    Pending,
    /// A [`SLEEPING_TASK_SLEEP`] sleep on the contender's usual timer: the task's waker is held
    /// by the timer, as for any task that waits on something.
    Sleeping,
}

/// How long each task of the [`TaskKind::Sleeping`] workload sleeps: far longer than spawning
/// and first-polling 100 000 tasks takes, so that none has woken when the memory is read.
pub const SLEEPING_TASK_SLEEP: Duration = Duration::from_millis(500);

impl TaskKind {
    /// The kind's name in child-process arguments.
    ///
    /// ```
    /// use bench::exec::TaskKind;
    /// assert_eq!(TaskKind::from_name(TaskKind::Sleeping.name()), Some(TaskKind::Sleeping));
    /// assert_eq!(TaskKind::from_name("nap"), None);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Pending => "pending",
            TaskKind::Sleeping => "sleeping",
        }
    }

    /// The kind called `name`, if any.
    pub fn from_name(name: &str) -> Option<TaskKind> {
        [TaskKind::Pending, TaskKind::Sleeping]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// `n` timers whose deadlines are spread uniformly over `spread`, starting `lead` after the run
/// begins (the run begins before the first task is spawned).
///
/// Three plans matter. Without a lead — [`TimerPlan::from_start`] (take `now`, spawn a task per
/// deadline) and [`TimerPlan::from_first_poll`] (each task calls `sleep(offset)`), the programs
/// a user writes first — a timer due while tasks are still being spawned and first-polled
/// waits for the rest of the setup, so lateness measures the setup and the order in which the
/// executor interleaves it with firing as much as the timer. [`TimerPlan::fair`] has a lead
/// that grows with the count, so every contender has spawned and first-polled all its tasks
/// before the first deadline, and lateness measures how the timers fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerPlan {
    /// Number of timers (one task each).
    pub n: usize,
    /// The deadlines are spread uniformly over this long.
    pub spread: Duration,
    /// Time from the start of the run to the window of deadlines.
    pub lead: Duration,
    /// What each deadline counts from.
    pub base: DeadlineBase,
}

/// What a [`TimerPlan`]'s deadlines count from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineBase {
    /// One instant taken just before the first spawn: `sleep_until(start + offset)`.
    RunStart,
    /// Each task's own first poll: `sleep(offset)`, lateness against `now + offset` taken when
    /// the task starts.
    FirstPoll,
}

/// The fair plan's lead per timer: spawning and first-polling a timer task costs 0.2–1.5 µs on
/// this project's 2-core machine for every contender, so 3 µs leaves room for a loaded machine.
pub const FAIR_LEAD_PER_TIMER: Duration = Duration::from_micros(3);

impl TimerPlan {
    /// `n` timers over `spread`, counted from a start taken just before the first spawn, no
    /// lead.
    ///
    /// ```
    /// use bench::exec::TimerPlan;
    /// use std::time::Duration;
    /// assert_eq!(TimerPlan::from_start(10, Duration::from_millis(100)).lead, Duration::ZERO);
    /// ```
    pub fn from_start(n: usize, spread: Duration) -> TimerPlan {
        TimerPlan {
            n,
            spread,
            lead: Duration::ZERO,
            base: DeadlineBase::RunStart,
        }
    }

    /// `n` timers over `spread`, each counted from its own task's first poll (what `sleep(d)`
    /// in each task gives), no lead.
    ///
    /// ```
    /// use bench::exec::{DeadlineBase, TimerPlan};
    /// use std::time::Duration;
    /// let plan = TimerPlan::from_first_poll(10, Duration::from_millis(100));
    /// assert_eq!(plan.base, DeadlineBase::FirstPoll);
    /// ```
    pub fn from_first_poll(n: usize, spread: Duration) -> TimerPlan {
        TimerPlan {
            base: DeadlineBase::FirstPoll,
            ..TimerPlan::from_start(n, spread)
        }
    }

    /// `n` timers over `spread` after a lead of half the spread plus
    /// [`FAIR_LEAD_PER_TIMER`] per timer: the setup is over before the first deadline.
    ///
    /// ```
    /// use bench::exec::TimerPlan;
    /// use std::time::Duration;
    /// let plan = TimerPlan::fair(100_000, Duration::from_millis(100));
    /// assert_eq!(plan.lead, Duration::from_millis(50 + 300));
    /// ```
    pub fn fair(n: usize, spread: Duration) -> TimerPlan {
        let per_timer = FAIR_LEAD_PER_TIMER.saturating_mul(n.try_into().unwrap_or(u32::MAX));
        TimerPlan {
            n,
            spread,
            lead: (spread / 2).saturating_add(per_timer),
            base: DeadlineBase::RunStart,
        }
    }

    /// The deadline of timer `i` for a run that started at `start`, called by timer `i`'s task
    /// when it is first polled (a [`DeadlineBase::FirstPoll`] plan counts from that moment).
    ///
    /// ```
    /// use bench::exec::{DeadlineBase, TimerPlan};
    /// use std::time::{Duration, Instant};
    /// let (spread, lead) = (Duration::from_millis(100), Duration::from_millis(50));
    /// let plan = TimerPlan { n: 4, spread, lead, base: DeadlineBase::RunStart };
    /// let start = Instant::now();
    /// assert_eq!(plan.deadline(start, 0), start + Duration::from_millis(75));
    /// assert_eq!(plan.deadline(start, 3), start + Duration::from_millis(150));
    /// ```
    pub fn deadline(&self, start: Instant, i: usize) -> Instant {
        let offset = self.spread.as_nanos() * (i as u128 + 1) / self.n.max(1) as u128;
        let base = match self.base {
            DeadlineBase::RunStart => start,
            DeadlineBase::FirstPoll => Instant::now(),
        };
        base + self.lead + Duration::from_nanos(offset as u64)
    }
}

/// What a timer run measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerRun {
    /// Wall time of the whole run (from just before the first spawn to the last timer's task
    /// joined).
    pub wall: Duration,
    /// Time from the start of the run until the last task was spawned (not yet first-polled).
    pub spawned: Duration,
    /// CPU time of the executor's thread during the run, where the OS tells it.
    pub cpu: Option<Duration>,
    /// For each timer, the time it woke minus its deadline, in nanoseconds (negative: early).
    pub lateness_ns: Vec<i64>,
}

impl TimerRun {
    /// The run's CPU time (its wall time where the OS does not tell CPU time) per timer, in
    /// nanoseconds: the cost of a timer, setup, firing and join included.
    pub fn cpu_ns_per_timer(&self) -> f64 {
        crate::measure::ns_per(self.cpu.unwrap_or(self.wall), self.lateness_ns.len() as u64)
    }
}

/// Builds the [`TimerRun`] of a run that started at `start` (thread CPU time `cpu_start`).
pub(crate) fn timer_run(
    start: Instant,
    cpu_start: Option<Duration>,
    spawned: Duration,
    lateness_ns: Vec<i64>,
) -> TimerRun {
    let cpu = crate::measure::thread_cpu_time()
        .zip(cpu_start)
        .map(|(end, start)| end - start);
    TimerRun {
        wall: start.elapsed(),
        spawned,
        cpu,
        lateness_ns,
    }
}

/// Signed nanoseconds from `deadline` to now: what one timer task records when it wakes.
pub(crate) fn lateness_ns(deadline: Instant) -> i64 {
    let now = Instant::now();
    match now.checked_duration_since(deadline) {
        Some(late) => late.as_nanos() as i64,
        None => -((deadline - now).as_nanos() as i64),
    }
}

/// How many `pending_task`s or `sleeping_task`s have been polled: the memory workload runs until all of them have.
/// A process-wide counter (not an `Rc` per task) keeps the tasks themselves minimal; each
/// contender runs it in a process of its own, and resets it first.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// A task that counts its first poll, then waits forever on a future that never completes.
pub(crate) async fn pending_task() {
    POLLED.fetch_add(1, Ordering::Relaxed);
    std::future::pending::<()>().await
}

/// A task that counts its first poll, then awaits the sleep `make_sleep` builds (a contender's
/// sleep of [`SLEEPING_TASK_SLEEP`]). The sleep is built inside the task, as in
/// `spawn(async { sleep(d).await })`: the task holds only the sleep (the builder is a
/// capture-less closure, zero bytes), not a sleep built outside it and moved in.
pub(crate) async fn sleeping_task<S: std::future::Future>(make_sleep: impl FnOnce() -> S) {
    POLLED.fetch_add(1, Ordering::Relaxed);
    make_sleep().await;
}

pub(crate) fn reset_polled() {
    POLLED.store(0, Ordering::Relaxed);
}

pub(crate) fn polled() -> usize {
    POLLED.load(Ordering::Relaxed)
}
