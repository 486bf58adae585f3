//! A worker thread's loop, and how a job that waits for another job of its own pool *helps*
//! instead of blocking.
//!
//! # Why help
//!
//! In a pool of one thread, a job that calls [`Pending::wait`](crate::Pending::wait) on a job
//! queued behind it would block the only worker that could ever run that job: a deadlock
//! (with `n` threads, `n` such jobs at once). So a worker that waits for a job of its *own*
//! pool that has not finished takes jobs from the pool's queue and runs them itself — with the
//! same panic catching and `task_done` as the loop — until its job is done or the queue is
//! empty. An empty queue means the job was taken by another worker (or is this thread's own,
//! see below): then it blocks as any thread does. This is how Java's ForkJoin `join` and
//! rayon avoid the same deadlock.
//!
//! Helping may run the awaited job on this thread, deeper in the stack than the job that waits.
//! A job that ends up waiting for a job *further up its own thread's stack* — itself, or the
//! job that is helping — could never be finished by anyone; [`Running`] records the jobs
//! running on each thread so that such a `wait` panics, naming the mistake, instead of
//! hanging. (A cycle across threads — A waits for B on another worker, B waits for A — is a
//! deadlock of the program's own making, as with two locks; it is not detected.)
//!
//! Under loom the pool's threads are loom's, which share OS threads, so these thread-local
//! records are left out there (`cfg(not(loom))`): the loom models check the loop's protocol,
//! not the helping.

use std::panic::{self, AssertUnwindSafe};

#[cfg(loom)]
use loom::sync::Arc;
#[cfg(not(loom))]
use std::sync::Arc;

use crate::{GetError, Queue, TaskGuard};

/// A type-erased job. The `Option` lets a worker move the job out of its `TaskGuard` while
/// keeping the guard (whose drop is the `task_done` that `WorkerPool::join` waits for) alive
/// until the job has run.
pub(crate) type Job = Option<Box<dyn FnOnce() + Send + 'static>>;

/// The identity of a pool, for `Pending`s to compare with the pool a worker serves: the
/// address of its job queue, which lives (in an `Arc`) as long as any of its workers.
pub(crate) fn pool_id(jobs: &Queue<Job>) -> usize {
    std::ptr::from_ref(jobs) as usize
}

/// A worker's whole life: run jobs until the queue is shut down and drained.
pub(crate) fn work(jobs: Arc<Queue<Job>>) {
    imp::serve(&jobs);
    // `get_task` fails only once the queue is shut down *and* empty: that is how a worker
    // finishes every submitted job before it stops.
    while let Ok(task) = jobs.get_task() {
        run(task);
    }
}

/// Runs one job taken from the queue. `task` drops at the end, after the job: that is the
/// `task_done` that `join` waits for.
fn run(mut task: TaskGuard<'_, Job>) {
    let job = task
        .take()
        .expect("every queued job is Some until a worker takes it");
    // The job catches its own closure's panic. What can still unwind is user code *around*
    // it — a waker's `wake`, or the drop of a result nobody waits for — and this keeps such a
    // panic from killing the worker (which would silently shrink the pool).
    let _ = panic::catch_unwind(AssertUnwindSafe(job));
}

/// Called by `Pending::wait` before it blocks: if this thread is a worker of pool `pool`, runs
/// that pool's queued jobs until `done()` or the queue is empty (see the module docs).
///
/// # Panics
///
/// If the job waited for (`slot`, its result slot's address) is running on this very thread,
/// further up the stack: it could never finish.
pub(crate) fn help_until(pool: usize, slot: usize, done: impl Fn() -> bool) {
    if imp::is_running_here(slot) {
        panic!(
            "Pending::wait on a job that is running further up this same thread (a job that \
             waits for itself, or for the job that was helping when it started): it could \
             never finish. Return the value instead of waiting for it, or submit the work as a \
             separate job"
        );
    }
    let Some(jobs) = imp::served_pool().filter(|jobs| pool_id(jobs) == pool) else {
        return;
    };
    while !done() {
        match jobs.try_get() {
            Ok(job) => run(TaskGuard::new(&jobs, job)),
            // Nothing queued: the job is running on another worker (or just finished).
            Err(GetError::Empty | GetError::ShutDown | GetError::Timeout) => return,
        }
    }
}

/// Marks the job with result slot `slot` as running on this thread until dropped.
pub(crate) struct Running(());

impl Running {
    pub(crate) fn enter(slot: usize) -> Running {
        imp::push_running(slot);
        Running(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        imp::pop_running();
    }
}

#[cfg(not(loom))]
mod imp {
    use std::cell::RefCell;
    use std::sync::Arc;

    use super::Job;
    use crate::Queue;

    thread_local! {
        /// The job queue of the pool this thread is a worker of, if any.
        static SERVED: RefCell<Option<Arc<Queue<Job>>>> = const { RefCell::new(None) };
        /// The result slots of the jobs running on this thread, innermost last.
        static RUNNING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn serve(jobs: &Arc<Queue<Job>>) {
        SERVED.with(|served| *served.borrow_mut() = Some(Arc::clone(jobs)));
    }

    /// A clone, so that no `RefCell` borrow is held while jobs run (they may wait, and help).
    pub(super) fn served_pool() -> Option<Arc<Queue<Job>>> {
        SERVED.with(|served| served.borrow().clone())
    }

    pub(super) fn push_running(slot: usize) {
        RUNNING.with(|running| running.borrow_mut().push(slot));
    }

    pub(super) fn pop_running() {
        RUNNING.with(|running| running.borrow_mut().pop());
    }

    pub(super) fn is_running_here(slot: usize) -> bool {
        RUNNING.with(|running| running.borrow().contains(&slot))
    }
}

#[cfg(loom)]
mod imp {
    use loom::sync::Arc;

    use super::Job;
    use crate::Queue;

    pub(super) fn serve(_jobs: &Arc<Queue<Job>>) {}
    pub(super) fn served_pool() -> Option<Arc<Queue<Job>>> {
        None
    }
    pub(super) fn push_running(_slot: usize) {}
    pub(super) fn pop_running() {}
    pub(super) fn is_running_here(_slot: usize) -> bool {
        false
    }
}
