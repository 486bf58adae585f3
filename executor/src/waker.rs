//! Wakers: how "this task can make progress" travels back to the run queue.
//!
//! A `Waker` must be `Send + Sync` (any thread may hold and call it), but the tasks themselves
//! are not `Send`. So the waker carries only a task *id* and a reference to [`CrossThread`], the
//! executor's cross-thread half — the only part other threads may touch. A task's waker is
//! lent to each poll and kept only if its future cloned it (`lent_waker.rs`; the textbook
//! task owning one waker for its whole life: `owned_waker.rs`). Two routes lead from a wake to
//! the run queue:
//!
//! - **same thread** (the common case: a task finishing wakes its awaiter, a timer fires, a task
//!   yields): the thread-local "current executor" is this waker's executor, so the id goes
//!   straight into the executor's `RefCell<VecDeque>` run queue — no lock, no atomics beyond the
//!   `scheduled` flag.
//! - **other thread** (or the executor is not running right now): the id goes into
//!   `CrossThread::injector` (a `Mutex<Vec>`) and the parker is unparked. The run loop drains the
//!   injector once per tick.

use std::sync::Arc;
use std::task::Wake;

#[cfg(not(executor_owned_waker))]
pub(crate) use crate::lent_waker::{PollWaker, WakerPool};
#[cfg(executor_owned_waker)]
pub(crate) use crate::owned_waker::{PollWaker, WakerPool};

use crate::context;
use crate::idle_sleep::IdleSleep;
use crate::slab::TaskId;
use crate::sync::{lock, AtomicBool, AtomicU64, Mutex, Ordering};

/// The executor's cross-thread half: the only part of it that other threads may touch (the
/// injector for their wakes, the parker to wake the executor's thread).
#[derive(Debug)]
pub(crate) struct CrossThread {
    pub(crate) injector: Mutex<Injector>,
    /// Set after a push to `injector`, so the run loop can skip the lock when nothing came in.
    pending: AtomicBool,
    pub(crate) parker: IdleSleep,
}

#[derive(Debug, Default)]
pub(crate) struct Injector {
    pub(crate) queue: Vec<TaskId>,
    /// Set when the executor is dropped: later wakes are ignored, so a waker that outlives its
    /// executor can be called forever without growing anything (`shutdown.rs`).
    pub(crate) closed: bool,
}

impl CrossThread {
    pub(crate) fn new() -> Self {
        CrossThread {
            injector: Mutex::new(Injector::default()),
            pending: AtomicBool::new(false),
            parker: IdleSleep::new(),
        }
    }

    /// Puts `id` on the run queue by whichever route is correct for the calling thread.
    fn schedule(self: &Arc<Self>, id: TaskId) {
        if !context::push_local(self, id) {
            self.push_remote(id);
        }
    }

    fn push_remote(&self, id: TaskId) {
        {
            let mut injector = lock(&self.injector);
            if injector.closed {
                return;
            }
            injector.queue.push(id);
        }
        // After the push: the run loop that sees `pending` will find the id under the lock. If
        // it already looked, the unpark below makes its next park return at once.
        self.pending.store(true, Ordering::Release);
        self.parker.unpark();
    }

    /// Moves every id woken from other threads into `run_queue` (called by the run loop).
    pub(crate) fn drain_into(&self, run_queue: &mut std::collections::VecDeque<TaskId>) {
        // The cheap check first: almost every tick has nothing from other threads.
        if self.pending.load(Ordering::Relaxed) && self.pending.swap(false, Ordering::Acquire) {
            run_queue.extend(lock(&self.injector).queue.drain(..));
        }
    }

    /// True if a wake from another thread waits to be drained (a hint: one may land just after).
    pub(crate) fn has_remote_wakes(&self) -> bool {
        self.pending.load(Ordering::Relaxed)
    }
}

/// The waker of one spawned task: its id, its `scheduled` flag, the way back to its executor.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    /// The task's id (`TaskId::to_bits`). Atomic only so that a lent waker nobody else holds
    /// can be handed to the next task (`lent_waker.rs`); the textbook variant never changes it.
    pub(crate) id: AtomicU64,
    /// True while the task is in a run queue (or finished). Wakes flip it false → true and only
    /// that flip enqueues the id, so many wakes before a poll enqueue it once. The run loop
    /// flips it back just *before* polling, so a wake during the poll enqueues it again.
    pub(crate) scheduled: AtomicBool,
    cross_thread: Arc<CrossThread>,
}

impl TaskWaker {
    /// A waker for a task about to be polled (so not scheduled: a wake must queue it again).
    pub(crate) fn new(id: TaskId, cross_thread: Arc<CrossThread>) -> Self {
        TaskWaker {
            id: AtomicU64::new(id.to_bits()),
            scheduled: AtomicBool::new(false),
            cross_thread,
        }
    }

    /// Called right before a poll: from here on, any wake queues the task again. A swap, not
    /// a store: Acquire pairs with the Release of the wake that set the flag, so the poll sees
    /// whatever the waking thread did before waking.
    pub(crate) fn prepare_poll(&self) {
        self.scheduled.swap(false, Ordering::Acquire);
    }

    /// Called when the task is gone: later wakes through stale clones do nothing.
    pub(crate) fn retire(&self) {
        self.scheduled.store(true, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // AcqRel: Release publishes what the waker did before waking to the poll that clears the
        // flag; Acquire orders us after that clear, so "was false" really means "not queued".
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            let id = TaskId::from_bits(self.id.load(Ordering::Relaxed));
            self.cross_thread.schedule(id);
        }
    }
}

/// The waker of the future passed to `block_on` ("main"). Main is not in the slab: the run loop
/// checks `woken` after every task poll and polls main as soon as it is set.
#[derive(Debug)]
pub(crate) struct MainWaker {
    woken: AtomicBool,
    cross_thread: Arc<CrossThread>,
}

impl MainWaker {
    /// Main starts woken: it is polled once before anything else.
    pub(crate) fn new(cross_thread: Arc<CrossThread>) -> Self {
        MainWaker {
            woken: AtomicBool::new(true),
            cross_thread,
        }
    }

    /// True (once) if main was woken since the last call.
    pub(crate) fn take_woken(&self) -> bool {
        // A plain load first: the swap is a locked instruction and this runs after every poll.
        self.woken.load(Ordering::Relaxed) && self.woken.swap(false, Ordering::Acquire)
    }

    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        // On the executor's own thread the run loop is busy (it is running us), so it will see
        // the flag; only another thread can find it parked.
        if !context::is_current(&self.cross_thread) {
            self.cross_thread.parker.unpark();
        }
    }
}

/// A waker that does nothing, for unit tests that poll a future by hand.
/// (`Waker::noop` needs Rust 1.85; our MSRV is 1.80.)
#[cfg(test)]
pub(crate) fn noop_waker() -> std::task::Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    std::task::Waker::from(Arc::new(Noop))
}

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::task::Waker;

    fn id(index: u32) -> TaskId {
        crate::slab::tests_support::id(index)
    }

    #[test]
    fn many_wakes_queue_a_task_once_and_a_closed_executor_queues_nothing() {
        let cross_thread = Arc::new(CrossThread::new());
        let waker = Arc::new(TaskWaker::new(id(3), cross_thread.clone()));
        waker.prepare_poll(); // as a task's poll does
        let as_waker = Waker::from(waker.clone());
        for _ in 0..100 {
            as_waker.wake_by_ref(); // not on the executor's thread: the injector route
        }
        let mut queue = VecDeque::new();
        cross_thread.drain_into(&mut queue);
        assert_eq!(queue, [id(3)], "queued once");

        cross_thread.close();
        waker.prepare_poll();
        for _ in 0..100 {
            as_waker.wake_by_ref();
            waker.prepare_poll(); // even if every wake passed the flag...
        }
        cross_thread.drain_into(&mut queue);
        assert_eq!(queue, [id(3)], "...a closed injector stays empty");
        assert!(lock(&cross_thread.injector).queue.is_empty());
    }
}
