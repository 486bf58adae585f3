//! The run loop: `Executor`, `block_on`, `spawn`, `run`.
//!
//! One scheduler *tick*:
//! 1. fire the timers that are due;
//! 2. move the ids woken from other threads into the run queue — both *before* anything is
//!    polled, as asyncio's `_run_once` moves due timers onto the ready queue before running it:
//!    so even a `block_on` that ends in its first tick (a program pumping the executor with
//!    `block_on(yield_now())`) runs what came due or was woken since the last call;
//! 3. poll main (the `block_on` future) if something woke it, then the tasks that were in the
//!    run queue at this point — a task woken during the tick (e.g. one that yields) waits for
//!    the next tick, behind the others, so it cannot starve them; after **every** task poll,
//!    poll main if something woke it (main is not in the slab; when it wakes *itself*, it
//!    queues like a task instead);
//! 4. if nothing is ready: with the virtual clock and a pending timer, jump the clock to it
//!    (unless an `off_thread` future holds time, see `off_thread.rs`); otherwise park until the
//!    next deadline or a wake.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::clock::Clock;
use crate::context;
use crate::drop_queue;
use crate::idle::Oversleep;
use crate::join_handle::JoinHandle;
use crate::slab::{TaskId, TaskSlab};
use crate::task::Task;
use crate::timer_queue::TimerQueue;
use crate::waker::{CrossThread, MainWaker};
use crate::waker_pool::WakerPool;

/// The executor's state, shared (single-threaded, `Rc`) by the `Executor`, the thread-local
/// context while it runs, and `Weak` references held by registered timers.
pub(crate) struct Core {
    pub(crate) shared: Arc<CrossThread>,
    pub(crate) run_queue: RefCell<VecDeque<TaskId>>,
    tasks: RefCell<TaskSlab>,
    /// Lends each task poll its waker (tasks own none: see `waker_pool.rs`).
    wakers: WakerPool,
    pub(crate) timers: RefCell<TimerQueue>,
    pub(crate) clock: Clock,
    /// How late a timed park wakes, measured: the real-clock idle step parks that much before
    /// a deadline and spins only for the rest (CPU vs lateness: see `idle.rs`).
    oversleep: Oversleep,
    /// Set while the executor drops its tasks: a spawn from a dropping future's `Drop` is
    /// cancelled at once, so shutdown always ends.
    closing: Cell<bool>,
    /// How many `off_thread` futures are in flight: while any is, the virtual clock does not
    /// jump (see `off_thread.rs`). A plain counter: they are polled and dropped on this thread.
    pub(crate) time_holds: Cell<usize>,
}

impl Core {
    fn new(clock: Clock) -> Self {
        let shared = Arc::new(CrossThread::new());
        Core {
            wakers: WakerPool::new(shared.clone()),
            shared,
            run_queue: RefCell::new(VecDeque::new()),
            tasks: RefCell::new(TaskSlab::new()),
            timers: RefCell::new(TimerQueue::new()),
            clock,
            oversleep: Oversleep::new(),
            closing: Cell::new(false),
            time_holds: Cell::new(0),
        }
    }

    pub(crate) fn spawn<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let cell = Rc::new(Task::new(future));
        if self.closing.get() {
            crate::slab::RawTask::shutdown(&*cell);
            // Never in the slab: the id is never used (`abort` of a finished task does nothing).
            return JoinHandle::new(cell, Weak::new(), TaskId::MAIN);
        }
        let id = self.tasks.borrow_mut().insert(cell.clone());
        self.run_queue.borrow_mut().push_back(id);
        JoinHandle::new(cell, Rc::downgrade(self), id)
    }

    /// Polls task `id` once, outside every borrow (the task may spawn, wake, abort…).
    fn run_task(&self, id: TaskId) {
        let Some(task) = self.tasks.borrow().get(id) else {
            return; // stale id: the task finished after this id was queued
        };
        if task.poll(id, &self.wakers) {
            let removed = self.tasks.borrow_mut().remove(id);
            drop(removed);
        }
        // `task` (maybe the last reference, holding the output) drops here, outside borrows.
    }

    fn fire_due_timers(&self) {
        if self.timers.borrow().is_empty() {
            return; // spares a clock read per tick when no timer is set
        }
        let now = self.clock.now();
        // One at a time: the wake may touch the timers (e.g. a woken foreign waker) and must
        // not find them borrowed.
        loop {
            let due = self.timers.borrow_mut().pop_due(now);
            match due {
                Some(waker) => waker.wake(),
                None => break,
            }
        }
    }

    /// Nothing is ready: move the virtual clock, or sleep until a deadline or a wake.
    fn idle(&self) {
        let next = self.timers.borrow().next_deadline();
        let Some(deadline) = next else {
            // No timer can wake us; only another thread can.
            self.shared.parker.park(None);
            return;
        };
        if self.clock.is_virtual() {
            if self.time_holds.get() > 0 {
                // Someone waits for another thread's work: time must not pass without it. Only
                // that thread's wake can make progress now.
                self.shared.parker.park(None);
                return;
            }
            // Everyone waits for time: make it pass, instantly and exactly.
            self.clock.advance_to(deadline);
            return;
        }
        // Park until the expected oversleep before the deadline, so the park's own lateness
        // eats the gap; yield-spin (letting any other thread run) only for what is left. The
        // trade-off — CPU spent spinning vs how late a timer fires — and why the estimate is
        // a measured median, not a constant: see `idle.rs`.
        let now = Instant::now();
        let Some(left) = deadline.checked_duration_since(now) else {
            return; // due already; the next tick fires it
        };
        match self.oversleep.park_for(left) {
            Some(park) => {
                self.shared.parker.park(Some(park));
                self.oversleep.record(now + park, Instant::now());
            }
            None => std::thread::yield_now(),
        }
    }

    fn shutdown(self: &Rc<Self>) {
        self.closing.set(true);
        // Entered, so a dropping future's `Drop` may still call `spawn` (cancelled at once, see
        // `closing`), `now`, or drop a `Sleep`.
        let _enter = context::enter(self.clone());
        let tasks = self.tasks.borrow_mut().take_all();
        // Drop every future first (a future's `Drop` may abort or await-drop other handles),
        // then the cells. No borrow of the slab is held: it is already empty.
        for task in &tasks {
            task.shutdown();
        }
        drop(tasks);
        let timers = self.timers.borrow_mut().take_all();
        // One by one and caught: a foreign waker's `Drop` is user code too.
        for (_, waker) in timers {
            drop_queue::drop_quietly(waker);
        }
        self.run_queue.borrow_mut().clear();
        self.shared.close();
    }
}

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
    /// - When a waker that is not the executor's own (one a future passed to a `Sleep` by
    ///   polling it by hand, say) panics as its timer fires: the executor cannot tell which
    ///   task that belongs to. The panic propagates; the timer entry is gone, and the executor
    ///   stays usable — the next `block_on` goes on with the other tasks.
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// let text = String::from("borrowed, not 'static");
    /// assert_eq!(ex.block_on(async { text.len() }), 21);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let Some(_running) = context::start_running() else {
            panic!(
                "Executor::block_on was called while an executor is already running on this \
                 thread (from inside a task or another block_on); `.await` the future instead"
            );
        };
        let core = &self.core;
        let _enter = context::enter(core.clone());
        // What this run drops (finished tasks' futures and outputs) is dropped before it
        // returns, even when it runs inside another drop (`drop_queue.rs`).
        let _drops = drop_queue::Scope::enter();
        let main = Arc::new(MainWaker::new(core.shared.clone()));
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        // Main is polled as soon as something else wakes it (a task it awaits finished, its
        // timer fired, another thread woke it) — between two task polls, not at the back of the
        // queue: the caller waits for exactly this future, and asyncio's order in the article's
        // example needs it (crate docs, t = 2.0 s). But a wake *during main's own poll* (main
        // yields) puts main at the back of the queue like any task, so `yield_now()` in main
        // lets every ready task run once, as `await asyncio.sleep(0)` does.
        let main_queued = Cell::new(false);
        let mut poll_main = || {
            main_queued.set(false);
            let poll = future.as_mut().poll(&mut cx);
            if poll.is_pending() && main.take_woken() {
                core.run_queue.borrow_mut().push_back(TaskId::MAIN);
                main_queued.set(true);
            }
            poll
        };
        loop {
            // Due timers and wakes from other threads first, so what they made ready is in the
            // queue before anything is polled (module docs, step 1 and 2).
            core.fire_due_timers();
            core.shared.drain_into(&mut core.run_queue.borrow_mut());
            if main.take_woken() {
                if let Poll::Ready(output) = poll_main() {
                    return output;
                }
            }
            let ready_at_tick_start = core.run_queue.borrow().len();
            for _ in 0..ready_at_tick_start {
                let Some(id) = core.run_queue.borrow_mut().pop_front() else {
                    break;
                };
                let poll = if id == TaskId::MAIN {
                    // Skipped if main was polled (for another wake) since it queued itself.
                    main_queued.get() || main.take_woken()
                } else {
                    core.run_task(id);
                    main.take_woken()
                };
                if poll {
                    if let Poll::Ready(output) = poll_main() {
                        return output;
                    }
                }
            }
            // Idle only if the next tick would find nothing either: a wake from another thread
            // during this tick must not let the virtual clock jump before it is drained.
            if core.run_queue.borrow().is_empty()
                && !main.is_woken()
                && !core.shared.has_remote_wakes()
            {
                core.idle();
            } else {
                // Not idle: the sleep step may still look for I/O now and then (a no-op for
                // the condvar parker; the reactor's zero-timeout poll, see `io/reactor.rs`).
                core.shared.parker.busy_tick();
            }
        }
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
