//! The run loop: the executor's state (`Core`), `spawn`, and `block_on`'s tick.
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
//!    queues like a task instead); on the real clock, timers that come due during a long tick
//!    fire within it and their tasks go first (a layer: `mid_tick_timers.rs`); and every few
//!    dozen polls the tick looks for I/O without waiting, so sockets that became ready meanwhile
//!    wake their tasks for the next tick (a layer: `mid_tick_io.rs`; a no-op without `io`);
//! 4. if nothing is ready: with the virtual clock and a pending timer, jump the clock to it
//!    (unless an `off_thread` future holds time, see `off_thread.rs`, or I/O ready already
//!    woke a task: that runs first); otherwise park until the next deadline or a wake.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::clock::Clock;
use crate::context;
use crate::drop_queue::{self, wake_quietly};
use crate::idle::Oversleep;
use crate::join_handle::{JoinError, JoinHandle};
use crate::join_table::JoinTable;
use crate::mid_tick_timers::Tick;
use crate::slab::{Stage, TaskId, TaskSlab};
use crate::task::Task;
use crate::timer_queue::TimerQueue;
use crate::waker::{CrossThread, MainWaker, WakerPool};

/// The executor's state, shared (single-threaded, `Rc`) by the `Executor`, the thread-local
/// context while it runs, and `Weak` references held by `Sleep`s (to remove their timer
/// entries) and `JoinHandle`s (to abort a task, or ask whether it finished). Timer entries hold a task id
/// or a `Waker` (`task_timers.rs::Target`).
pub(crate) struct Core {
    pub(crate) cross_thread: Arc<CrossThread>,
    pub(crate) run_queue: RefCell<VecDeque<TaskId>>,
    pub(crate) tasks: RefCell<TaskSlab>,
    pub(crate) timers: RefCell<TimerQueue>,
    /// The spare waker lent to a poll (a layer: `lent_waker.rs`; nothing in the textbook
    /// variant, where each task owns one).
    #[cfg_attr(executor_owned_waker, allow(dead_code))]
    pub(crate) waker_pool: WakerPool,
    /// The task being polled and the waker its poll was given: how a `Sleep` tells its task's
    /// own waker from a combinator's (a layer: `task_timers.rs`).
    pub(crate) polling: RefCell<Option<(TaskId, Waker)>>,
    /// Who awaits which unfinished task, and the outcomes handles have not read yet (a layer:
    /// `join_table.rs`). Shared with the handles, which may outlive the executor.
    pub(crate) joins: Rc<RefCell<JoinTable>>,
    pub(crate) clock: Clock,
    /// How late a timed park wakes, as measured while running: the real-clock idle step parks
    /// that much before a deadline and spins only for the rest (CPU vs lateness: `idle.rs`).
    oversleep: Oversleep,
    /// Set while the executor drops its tasks: a spawn from a dropping future's `Drop` is
    /// cancelled at once, so shutdown always ends.
    pub(crate) closing: Cell<bool>,
    /// How many `off_thread` futures are in flight: while any is, the virtual clock does not
    /// jump (see `off_thread.rs`). A plain counter: they are polled and dropped on this thread.
    pub(crate) time_holds: Cell<usize>,
    /// How many spawns teardown cancelled at once (`shutdown.rs`): numbers their handles' ids.
    pub(crate) cancelled_spawns: Cell<u32>,
}

impl Core {
    pub(crate) fn new(clock: Clock) -> Self {
        Core {
            cross_thread: Arc::new(CrossThread::new()),
            run_queue: RefCell::new(VecDeque::new()),
            tasks: RefCell::new(TaskSlab::new()),
            timers: RefCell::new(TimerQueue::new(clock.now())), // before `clock` moves in
            waker_pool: WakerPool::default(),
            polling: RefCell::new(None),
            joins: Rc::default(),
            clock,
            oversleep: Oversleep::new(),
            closing: Cell::new(false),
            time_holds: Cell::new(0),
            cancelled_spawns: Cell::new(0),
        }
    }

    pub(crate) fn spawn<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        if self.closing.get() {
            return self.spawn_cancelled(future); // see `shutdown.rs`
        }
        let mut tasks = self.tasks.borrow_mut();
        let id = tasks.next_id();
        tasks.insert(Task::new(future, id, &self.cross_thread));
        drop(tasks);
        self.run_queue.borrow_mut().push_back(id);
        JoinHandle::new(id, self)
    }

    /// Polls task `id` once, outside every borrow (the task may spawn, wake, abort…): the task
    /// is moved out of its slot for the poll and back after (`Stage::Polling` meanwhile).
    fn run_task(&self, id: TaskId) {
        let Some(mut task) = self.start_poll(id) else {
            return; // stale id: the task finished after this id was queued
        };
        let outcome = match task.poll(id, self) {
            Poll::Pending => {
                let mut tasks = self.tasks.borrow_mut();
                match tasks.get_mut(id) {
                    Some(stage) if !stage.flags().abort_requested => {
                        task.flags.joined = stage.flags().joined; // its handle may be gone
                        *stage = Stage::Idle(task);
                        return;
                    }
                    // Aborted during its own poll, and not finished: cancel now that we may drop
                    // it. (`None`: torn down during its own poll; teardown stored its outcome.)
                    _ => Err(JoinError::cancelled()),
                }
            }
            // Finished, even if an abort came during this last poll: "already finished → Ok".
            Poll::Ready(outcome) => outcome,
        };
        let removed = self.tasks.borrow_mut().remove(id);
        let joined = removed.is_some_and(|stage| stage.flags().joined);
        if let Some(awaiter) = self.finish(id, joined, outcome, Some(task)) {
            wake_quietly(awaiter);
        }
    }

    /// Takes task `id` out of its slot for a poll, leaving `Polling` (and its flags) behind.
    fn start_poll(&self, id: TaskId) -> Option<Task> {
        let mut tasks = self.tasks.borrow_mut();
        let stage = tasks.get_mut(id)?;
        let Stage::Idle(task) = stage else {
            return None; // polled already (a task cannot be polled inside itself)
        };
        let flags = task.flags;
        match std::mem::replace(stage, Stage::Polling(flags)) {
            Stage::Idle(task) => Some(task),
            Stage::Polling(_) => unreachable!("matched `Idle` just above"),
        }
    }

    pub(crate) fn fire_due_timers(&self) {
        if self.timers.borrow().is_empty() {
            return; // spares a clock read per tick when no timer is set
        }
        let now = self.clock.now();
        // One at a time, each popped in the closure's own borrow: the wake may touch the timers
        // (e.g. a woken foreign waker) and must not find them borrowed.
        let pop_due = || self.timers.borrow_mut().pop_due(now);
        while let Some(target) = pop_due() {
            target.wake(self); // a waker, or a task filed by id (`task_timers.rs`)
        }
    }

    /// Nothing is ready: move the virtual clock, or sleep until a deadline or a wake.
    pub(crate) fn idle(&self) {
        let next = self.timers.borrow().next_deadline();
        let Some(deadline) = next else {
            // No timer can wake us; only another thread can.
            self.cross_thread.parker.park(None);
            return;
        };
        if self.clock.is_virtual() {
            if self.time_holds.get() > 0 {
                // Someone waits for another thread's work: time must not pass without it. Only
                // that thread's wake can make progress now.
                self.cross_thread.parker.park(None);
            } else if !self.cross_thread.parker.poll_io_now() {
                // Everyone waits for time: make it pass, instantly and exactly. (I/O that is
                // ready already comes first: `poll_io_now` looks without waiting and, if that
                // woke something, the next tick runs it; a no-op without `io`.)
                self.clock.advance_to(deadline);
            }
            return;
        }
        // Park until the expected oversleep before the deadline, so the park's own lateness
        // eats the gap; yield-spin (letting any other thread run) only for what is left. The
        // trade-off — CPU spent spinning vs how late a timer fires — and why the estimate is
        // a running median, not a constant: see `idle.rs`.
        let now = Instant::now();
        let Some(left) = deadline.checked_duration_since(now) else {
            return; // due already; the next tick fires it
        };
        match self.oversleep.park_for(left) {
            Some(park) => {
                self.cross_thread.parker.park(Some(park));
                self.oversleep.record(now + park, Instant::now());
            }
            None => std::thread::yield_now(),
        }
    }

    /// `block_on`'s loop, one tick per turn (module docs). The caller checked that no executor
    /// runs on this thread.
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> F::Output {
        let core = self;
        let _enter = context::enter(self.clone());
        // What this run drops (finished tasks' futures and outputs) is dropped before it
        // returns, even when it runs inside another drop (`drop_queue.rs`).
        let _drops = drop_queue::Scope::enter();
        let main = Arc::new(MainWaker::new(core.cross_thread.clone()));
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
            core.cross_thread
                .drain_into(&mut core.run_queue.borrow_mut());
            if main.take_woken() {
                if let Poll::Ready(output) = poll_main() {
                    return output;
                }
            }
            // The tasks ready now (and, on the real clock, those timers that come due meanwhile
            // wake: they go first, see `mid_tick_timers.rs`).
            let mut tick = Tick::new(core.run_queue.borrow().len());
            for polled in 0.. {
                let Some(id) = core.next_in_tick(polled, &mut tick) else {
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
                core.look_for_io_mid_tick(polled); // a layer: `mid_tick_io.rs`
            }
            // Idle only if the next tick would find nothing either: a wake from another thread
            // during this tick must not let the virtual clock jump before it is drained.
            if core.run_queue.borrow().is_empty()
                && !main.is_woken()
                && !core.cross_thread.has_remote_wakes()
            {
                core.idle();
            } else {
                // Not idle: the sleep step may still look for I/O now and then (a no-op for
                // the condvar parker; the reactor's zero-timeout poll, see `io/reactor.rs`).
                core.cross_thread.parker.busy_tick();
            }
        }
    }
}
