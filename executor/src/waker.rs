//! Wakers: how "this task can make progress" travels back to the run queue.
//!
//! A `Waker` must be `Send + Sync` (any thread may hold and call it), but the tasks themselves
//! are not `Send`. So the waker carries only a task *id* and a reference to [`CrossThread`], the part
//! of the executor that other threads may touch. Two routes lead from a wake to the run queue:
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

use crate::context;
use crate::parker::IdleSleep;
use crate::slab::TaskId;
use crate::sync::{lock, AtomicBool, AtomicU32, Mutex, Ordering};

/// The part of an executor that other threads may touch.
#[derive(Debug)]
pub(crate) struct CrossThread {
    injector: Mutex<Injector>,
    /// Set after a push to `injector`, so the run loop can skip the lock when nothing came in.
    pending: AtomicBool,
    pub(crate) parker: IdleSleep,
}

#[derive(Debug, Default)]
struct Injector {
    queue: Vec<TaskId>,
    /// Set when the executor is dropped: later wakes are ignored, so a waker that outlives its
    /// executor can be called forever without growing anything.
    closed: bool,
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

    /// Executor shutdown: forget queued ids and ignore every later wake.
    pub(crate) fn close(&self) {
        let mut injector = lock(&self.injector);
        injector.closed = true;
        injector.queue = Vec::new();
    }
}

/// The waker of one spawned task, lent to it for a poll (see `waker_pool.rs`).
#[derive(Debug)]
pub(crate) struct TaskWaker {
    /// The task's id, as two atomics because the pool relabels a waker for another task while
    /// its `Waker` handle (which the pool keeps, ready for the next poll) shares it. Written
    /// only while nobody else holds the waker, so `Relaxed` suffices: whoever gets a clone
    /// later gets it through something that synchronises (a channel, a lock, a spawn).
    index: AtomicU32,
    generation: AtomicU32,
    /// True while the task is in a run queue (or finished). Wakes flip it false → true and only
    /// that flip enqueues the id, so many wakes before a poll enqueue it once. The run loop
    /// flips it back just *before* polling, so a wake during the poll enqueues it again.
    scheduled: AtomicBool,
    shared: Arc<CrossThread>,
}

impl TaskWaker {
    /// A waker for a task about to be polled (so not scheduled: a wake must queue it again).
    pub(crate) fn new(id: TaskId, shared: Arc<CrossThread>) -> Self {
        let (index, generation) = id.into_parts();
        TaskWaker {
            index: AtomicU32::new(index),
            generation: AtomicU32::new(generation),
            scheduled: AtomicBool::new(false),
            shared,
        }
    }

    /// Makes this waker task `id`'s, not scheduled. Only for a waker nobody else holds
    /// (`WakerPool` checks that), so no wake can observe the change half-done.
    pub(crate) fn relabel(&self, id: TaskId) {
        let (index, generation) = id.into_parts();
        self.index.store(index, Ordering::Relaxed);
        self.generation.store(generation, Ordering::Relaxed);
        // A swap, not a store: the flag's last writer may be a wake from the thread that held
        // the last clone. The pool's fence already orders that wake first, but through `Arc`'s
        // count, which is std even under loom; reading the wake's write with an Acquire
        // read-modify-write shows the order to loom too (its model
        // `a_waker_is_lent_to_another_task_only_once_nobody_holds_it` fails with a store). It is
        // the one locked instruction a poll with a pooled waker pays.
        self.clear_scheduled();
    }

    fn id(&self) -> TaskId {
        TaskId::from_parts(
            self.index.load(Ordering::Relaxed),
            self.generation.load(Ordering::Relaxed),
        )
    }

    /// Called right before a poll with a waker the task kept. Acquire pairs with the Release of
    /// the wake that set the flag, so the poll sees whatever the waking thread did before waking.
    pub(crate) fn clear_scheduled(&self) {
        self.scheduled.swap(false, Ordering::Acquire);
    }

    /// Called when the task is gone: later wakes through stale wakers do nothing.
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
            self.shared.schedule(self.id());
        }
    }
}

/// The waker of the future passed to `block_on` ("main"). Main is not in the slab: the run loop
/// checks `woken` after every task poll and polls main as soon as it is set.
#[derive(Debug)]
pub(crate) struct MainWaker {
    woken: AtomicBool,
    shared: Arc<CrossThread>,
}

impl MainWaker {
    /// Main starts woken: it is polled once before anything else.
    pub(crate) fn new(shared: Arc<CrossThread>) -> Self {
        MainWaker {
            woken: AtomicBool::new(true),
            shared,
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
        if !context::is_current(&self.shared) {
            self.shared.parker.unpark();
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::task::Waker;

    fn id(index: u32) -> TaskId {
        crate::slab::tests_support::id(index)
    }

    #[test]
    fn many_wakes_queue_a_task_once_and_a_closed_executor_queues_nothing() {
        let shared = Arc::new(CrossThread::new());
        let waker = Arc::new(TaskWaker::new(id(3), shared.clone()));
        waker.clear_scheduled(); // as the run loop does before a poll
        let as_waker = Waker::from(waker.clone());
        for _ in 0..100 {
            as_waker.wake_by_ref(); // not on the executor's thread: the injector route
        }
        let mut queue = VecDeque::new();
        shared.drain_into(&mut queue);
        assert_eq!(queue, [id(3)], "queued once");

        shared.close();
        waker.clear_scheduled();
        for _ in 0..100 {
            as_waker.wake_by_ref();
            waker.clear_scheduled(); // even if every wake passed the flag...
        }
        shared.drain_into(&mut queue);
        assert_eq!(queue, [id(3)], "...a closed injector stays empty");
        assert!(lock(&shared.injector).queue.is_empty());
    }
}
