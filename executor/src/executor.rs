//! The public handle: `Executor`, `run`, `spawn`. Thin: the run loop is `run_loop.rs`.

use std::cell::OnceCell;
use std::future::Future;
use std::rc::Rc;

use crate::clock::Clock;
use crate::context;
use crate::join_handle::JoinHandle;
use crate::run_loop::Core;
use crate::spawner::Spawner;

/// A single-threaded executor: runs many tasks on the calling thread, switching between them
/// whenever one waits.
///
/// Most programs use the free function [`run`]; an `Executor` is for driving several
/// `block_on` calls on one set of tasks, or for the virtual clock.
///
/// An `Executor` is neither `Send` nor `Sync`: its tasks need not be `Send`, so they — and the
/// executor that owns them — stay on the thread that created them. Its *wakers* are
/// `Send + Sync`: any thread may wake its tasks.
///
/// ```
/// let ex = executor::Executor::new();
/// let handle = ex.spawn(async { 1 + 1 });
/// assert_eq!(ex.block_on(handle).unwrap(), 2);
/// ```
pub struct Executor {
    core: Rc<Core>,
    /// Made by the first `spawner()` call, with its receiving task (`spawner.rs`).
    spawner: OnceCell<Spawner>,
}

impl Executor {
    /// An executor on the real clock.
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// assert_eq!(ex.block_on(async { "done" }), "done");
    /// ```
    pub fn new() -> Self {
        Executor {
            core: Rc::new(Core::new(Clock::Real)),
            spawner: OnceCell::new(),
        }
    }

    /// An executor on a virtual clock (like tokio's `start_paused`): time stands still while
    /// tasks run, and when every task waits for a timer the clock jumps straight to the earliest
    /// deadline. A program that sleeps for hours finishes at once, and `now()` differences are
    /// exact.
    ///
    /// If nothing is ready and no timer is pending, the executor parks until another thread
    /// wakes one of its tasks, as the real-clock executor does.
    ///
    /// **Other threads.** The virtual clock ignores work in flight on other threads: it cannot
    /// see it, only the wakers handed out. So with a timer pending, a task awaiting a worker
    /// thread would find the clock jumped past its timeout before the worker finished. Await
    /// such work through [`off_thread`](crate::off_thread) — `off_thread(pool.submit(job))` —
    /// and the clock holds still until it completes (or is dropped): the executor parks for
    /// the wake instead of jumping.
    ///
    /// **Sockets.** Before the clock jumps, the executor looks — without waiting — for sockets
    /// that are ready: data already waiting in the kernel is read before time passes. A peer
    /// that has not answered yet does not hold time (as with tokio's paused clock): await such
    /// a socket through `off_thread` too, and the clock waits for its readiness.
    ///
    /// **Busy tasks.** The clock only jumps when nothing is ready, so a task that keeps
    /// yielding (`loop { yield_now().await }`) stops virtual time for everyone.
    ///
    /// ```
    /// use std::time::Duration;
    /// let ex = executor::Executor::with_virtual_clock();
    /// let slept = ex.block_on(async {
    ///     let start = executor::now();
    ///     executor::sleep(Duration::from_secs(3 * 3600)).await;
    ///     executor::now() - start
    /// });
    /// assert_eq!(slept, Duration::from_secs(3 * 3600));
    /// ```
    pub fn with_virtual_clock() -> Self {
        Executor {
            core: Rc::new(Core::new(Clock::new_virtual())),
            spawner: OnceCell::new(),
        }
    }

    /// Runs `future` to completion on this thread, running spawned tasks while it waits, and
    /// returns its output. Tasks still pending when it returns stay in the executor (a later
    /// `block_on` continues them; dropping the executor drops them).
    ///
    /// A panic in `future` propagates to the caller; a panic in a spawned task does not (it is
    /// delivered to that task's [`JoinHandle`]), nor does a panic in the `Drop` of anything the
    /// executor drops for a task — its future, or an output nobody will read (caught and
    /// dropped, as tokio does).
    ///
    /// Calling `block_on` from a `Drop` while *another* executor is being dropped is fine: that
    /// one is tearing down, not running, and never runs again.
    ///
    /// # Panics
    /// - When called while an executor is already running on this thread (from inside a task
    ///   or another `block_on`): the outer executor could never run again until the inner call
    ///   returned, so this would deadlock; `.await` the future instead.
    /// - When a waker that is not the executor's own (one a future passed to a `Sleep` or a
    ///   socket by polling it by hand, say) panics as its timer fires or its socket becomes
    ///   ready: the executor cannot tell which task that belongs to. The panic propagates; the
    ///   timer entry is gone, every other task made ready at that moment has been woken, and
    ///   the executor stays usable — the next `block_on` goes on with the other tasks. (The
    ///   waker a hand-polled `JoinHandle` was given is different: a panic in it, when the task
    ///   ends, is caught and dropped, since a task may end in `abort` or in teardown.)
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// let text = String::from("borrowed, not 'static");
    /// assert_eq!(ex.block_on(async { text.len() }), 21);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _running = Self::start_running("block_on");
        self.core.block_on(future)
    }

    #[track_caller]
    fn start_running(what: &str) -> context::RunningGuard {
        let Some(running) = context::start_running() else {
            panic!(
                "Executor::{what} was called while an executor is already running on this \
                 thread (from inside a task or another block_on); `.await` the future instead"
            );
        };
        running
    }

    /// Runs every task that is ready, and every task they make ready, until nothing can run
    /// now (futures' `LocalPool::run_until_stalled`); tasks still waiting stay in the executor.
    /// A timer due later is not ready: it returns without waiting for it, and on the virtual
    /// clock without moving time. A hand-over from a [`Spawner`] that has arrived is ready.
    ///
    /// # Panics
    /// As [`block_on`](Self::block_on), when an executor is already running on this thread.
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    /// let ex = executor::Executor::with_virtual_clock();
    /// let steps = Rc::new(Cell::new(0));
    /// let task = ex.spawn({ let steps = steps.clone(); async move {
    ///     steps.set(1);
    ///     executor::yield_now().await; // ready again at once: still run
    ///     steps.set(2);
    ///     executor::sleep(Duration::from_secs(1)).await; // not ready now: stalled
    ///     steps.set(3);
    /// }});
    /// ex.run_until_stalled();
    /// assert_eq!(steps.get(), 2);
    /// assert!(!task.is_finished());
    /// ```
    pub fn run_until_stalled(&self) {
        let _running = Self::start_running("run_until_stalled");
        self.core.run_until_stalled();
    }

    /// Runs until every spawned task has finished (futures' `LocalPool::run`), waiting for
    /// timers (on the virtual clock, jumping to them) and for wakes from other threads. A task
    /// that nothing will ever wake makes it wait forever: that cannot be told from a task
    /// whose waker another thread still holds (`run_until.rs` argues the choice). The
    /// [`Spawner`]'s own receiving task is not counted, and a spawn that has not arrived yet is
    /// not waited for.
    ///
    /// # Panics
    /// As [`block_on`](Self::block_on), when an executor is already running on this thread.
    ///
    /// ```
    /// use std::time::Duration;
    /// let ex = executor::Executor::with_virtual_clock();
    /// let start = ex.block_on(async { executor::now() });
    /// let late = ex.spawn(executor::sleep(Duration::from_secs(3600)));
    /// ex.run_until_done();
    /// assert!(late.is_finished());
    /// assert_eq!(ex.block_on(async { executor::now() }) - start, Duration::from_secs(3600));
    /// ```
    pub fn run_until_done(&self) {
        let _running = Self::start_running("run_until_done");
        self.core
            .run_until_done(usize::from(self.spawner.get().is_some()));
    }

    /// A [`Spawner`] for this executor: a `Send + Sync + Clone` handle with which any thread
    /// can spawn `Send` futures onto it (asyncio's `run_coroutine_threadsafe`, tokio's
    /// `Handle::spawn`). Every call returns a clone of the same spawner.
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// let spawner = ex.spawner();
    /// let answer = std::thread::spawn(move || spawner.spawn(async { 40 + 2 }).unwrap())
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(ex.block_on(answer).unwrap(), 42);
    /// ```
    pub fn spawner(&self) -> Spawner {
        self.spawner
            .get_or_init(|| Spawner::new(&self.core))
            .clone()
    }

    /// Spawns `future` as a new task (asyncio's `create_task`) and returns its handle. The task
    /// starts running at the next `block_on`, or right away if this executor is running.
    /// The future need not be `Send`: it never leaves this thread.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let ex = executor::Executor::new();
    /// let shared = Rc::new(5); // not Send, and that is fine
    /// let handle = ex.spawn({ let shared = shared.clone(); async move { *shared * 2 } });
    /// assert_eq!(ex.block_on(handle).unwrap(), 10);
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core.spawn(future)
    }

    /// Number of spawned tasks that have not finished yet (crate-internal: tests use it).
    #[cfg(test)]
    pub(crate) fn live_tasks(&self) -> usize {
        self.core.tasks.borrow().len()
    }

    #[cfg(test)]
    pub(crate) fn pending_timers(&self) -> usize {
        self.core.timers.borrow().len()
    }

    /// True when the join table holds nothing (no awaiter, no unread outcome).
    #[cfg(test)]
    pub(crate) fn join_table_is_empty(&self) -> bool {
        self.core.joins.borrow().is_empty()
    }

    /// Ages every free slot to its last generation (`TaskSlab::age_free_slots`).
    #[cfg(test)]
    pub(crate) fn age_free_slots(&self) {
        self.core.tasks.borrow_mut().age_free_slots();
    }

    /// How many entries the join table has room for.
    #[cfg(test)]
    pub(crate) fn join_table_capacity(&self) -> usize {
        self.core.joins.borrow().capacity()
    }
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("tasks", &self.core.tasks.borrow().len())
            .field("timers", &self.core.timers.borrow().len())
            .field("virtual_clock", &self.core.clock.is_virtual())
            .finish()
    }
}

/// Dropping an executor drops every task still pending (their handles yield "cancelled"), and
/// makes every waker that outlives it a no-op. A panic in a future's `Drop` is caught and
/// dropped; a `Drop` may run another executor (`run`) to clean up: this one is not running.
impl Drop for Executor {
    fn drop(&mut self) {
        self.core.shutdown();
    }
}

/// Runs `future` on a fresh executor until it completes, then drops every task still pending
/// and returns the output — asyncio's `asyncio.run`.
///
/// ```
/// let answer = executor::run(async {
///     let task = executor::spawn(async { 40 });
///     task.await.unwrap() + 2
/// });
/// assert_eq!(answer, 42);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    let executor = Executor::new();
    let output = executor.block_on(future);
    drop(executor);
    output
}

/// Spawns `future` on the executor running on this thread (asyncio's `create_task`).
///
/// # Panics
/// - When called outside an executor (not inside [`run`], [`Executor::block_on`], or a task).
/// - When 2³² − 1 tasks are alive at once (also [`Executor::spawn`]).
///
/// ```
/// executor::run(async {
///     let a = executor::spawn(async { 1 });
///     let b = executor::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::expect_current("`executor::spawn` was called", "call").spawn(future)
}
