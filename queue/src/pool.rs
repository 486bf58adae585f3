//! `WorkerPool`: a fixed set of OS threads fed by a bounded [`Queue`] of jobs, whose results
//! are [`Pending`]s — blocking for threads, `Future`s for async code.
//!
//! # Where this sits in the article
//!
//! The article's advice is "I/O-bound work on asyncio, CPU-bound work on threads with queues".
//! Real programs need both at once, and every runtime has the same bridge:
//!
//! | asyncio                                   | tokio                       | here                           |
//! |-------------------------------------------|-----------------------------|--------------------------------|
//! | `await asyncio.to_thread(f)`              | `spawn_blocking(f).await`   | `pool.submit(f).await`         |
//! | `await loop.run_in_executor(pool, f)`     | (a dedicated runtime)       | `pool.submit(f).await`         |
//! | `concurrent.futures.ThreadPoolExecutor`   | the blocking thread pool    | [`WorkerPool`]                 |
//! | `executor.submit(f).result()`             | `handle.blocking_recv()`    | `pool.submit(f).wait()`        |
//!
//! CPython's `ThreadPoolExecutor` is itself a `queue.SimpleQueue` of work items and threads that
//! loop on `get()`; this is the same shape on our [`Queue`], with two differences: the queue is
//! **bounded** (a producer faster than the workers blocks in [`submit`](WorkerPool::submit)
//! instead of growing memory without limit), and a job is tracked with
//! [`get_task`](crate::BlockingQueue::get_task), so [`join`](WorkerPool::join) cannot hang
//! on a job that panicked.
//!
//! The pool knows nothing of any executor. A [`Pending`] stores whatever `Waker` it is polled
//! with and wakes it from the worker thread, which is all an executor needs. Here it is awaited
//! by the smallest possible executor, a `block_on` that parks its thread until woken:
//!
//! ```
//! use std::future::Future;
//! use std::sync::Arc;
//! use std::task::{Context, Poll, Wake, Waker};
//! use std::thread::{self, Thread};
//!
//! struct Unpark(Thread);
//! impl Wake for Unpark {
//!     fn wake(self: Arc<Self>) { self.0.unpark() }
//! }
//!
//! fn block_on<F: Future>(future: F) -> F::Output {
//!     let mut future = std::pin::pin!(future);
//!     let waker = Waker::from(Arc::new(Unpark(thread::current())));
//!     let mut cx = Context::from_waker(&waker);
//!     loop {
//!         match future.as_mut().poll(&mut cx) {
//!             Poll::Ready(out) => return out,
//!             Poll::Pending => thread::park(), // the worker's wake unparks us
//!         }
//!     }
//! }
//!
//! let pool = queue::WorkerPool::new(2);
//! let total = block_on(async {
//!     let a = pool.submit(|| (1..=100u64).sum::<u64>());
//!     let b = pool.submit(|| (1..=10u64).product::<u64>());
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(total, 5050 + 3_628_800);
//! ```
//!
//! # Waiting from inside a job
//!
//! A job may [`wait`](Pending::wait) for another job of the same pool — even in a pool of one
//! thread, where that job is queued behind it: the waiting worker runs queued jobs itself
//! until its job is done (`worker.rs` says why and how). `.await` inside a job cannot help that
//! way; see [`Pending::wait`].
//!
//! # Shutting down
//!
//! [`shutdown`](WorkerPool::shutdown) — and dropping the pool, which does the same — stops
//! the queue, lets the workers finish every job already submitted, and joins the threads
//! (Python's `ThreadPoolExecutor.shutdown(wait=True)`). [`shutdown_now`](WorkerPool::shutdown_now)
//! instead drops the jobs still queued, and their `Pending`s report
//! [`is_cancelled`](crate::JobError::is_cancelled) (`shutdown(cancel_futures=True)`). Both
//! take the pool by value, so no `submit` can race them: submitting to a shut-down pool does not
//! compile rather than failing at run time.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

#[cfg(loom)]
use loom::{sync::Arc, thread};
#[cfg(not(loom))]
use std::{sync::Arc, thread};

use crate::job_error::JobError;
use crate::pending::{self, Pending};
use crate::pool_builder::WorkerPoolBuilder;
use crate::worker::{self, Job, Running};
use crate::Queue;

/// A fixed number of named OS threads that run submitted closures, in submission order,
/// from a bounded queue.
///
/// `WorkerPool` is `Send + Sync`: share it by reference or in an `Arc` to submit from several
/// threads. Dropping it is [`shutdown`](Self::shutdown): it blocks until every submitted job has
/// run.
///
/// ```
/// use queue::WorkerPool;
///
/// let pool = WorkerPool::new(2);
/// let results: Vec<_> = (0..10u32).map(|i| pool.submit(move || i * i)).collect();
/// pool.join();
/// let sum: u32 = results.into_iter().map(|r| r.wait().unwrap()).sum();
/// assert_eq!(sum, 285);
/// ```
pub struct WorkerPool {
    jobs: Arc<Queue<Job>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl WorkerPool {
    /// A pool of `threads` workers named `pool-worker-0`, `pool-worker-1`, …, with a queue of
    /// `64 × threads` jobs.
    ///
    /// # Panics
    ///
    /// If `threads` is 0 (a pool that can never run a job would make every `wait` hang), or
    /// if the OS refuses to start a thread.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(4);
    /// assert_eq!(pool.threads(), 4);
    /// ```
    ///
    /// ```should_panic
    /// let _ = queue::WorkerPool::new(0); // panics: at least one thread
    /// ```
    pub fn new(threads: usize) -> WorkerPool {
        WorkerPool::builder().threads(threads).build()
    }

    /// A [`WorkerPoolBuilder`] with the defaults: one thread per core, `64 × threads` queued jobs,
    /// names `pool-worker-N`.
    ///
    /// ```
    /// let pool = queue::WorkerPool::builder().build();
    /// assert!(pool.threads() >= 1);
    /// ```
    pub fn builder() -> WorkerPoolBuilder {
        WorkerPoolBuilder::new()
    }

    /// Queues `f` to run on a worker thread and returns its [`Pending`] result.
    ///
    /// Blocks while the queue is full (back-pressure). From async code that means the
    /// executor's thread blocks too: a task uses [`submit_async`](Self::submit_async). A job that panics
    /// does not take its worker down: the panic is caught and its `Pending` yields a
    /// [`JobError`] carrying the payload. Dropping the `Pending` does not cancel the job.
    ///
    /// Calling `submit` from inside one of this pool's jobs works while there is room, but
    /// if the queue is full and every worker does that, nobody is left to make room.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let ok = pool.submit(|| "fine");
    /// let bad = pool.submit(|| -> &str { panic!("job failed") });
    /// let after = pool.submit(|| "the worker survived");
    /// assert_eq!(ok.wait().unwrap(), "fine");
    /// assert!(bad.wait().unwrap_err().is_panic());
    /// assert_eq!(after.wait().unwrap(), "the worker survived");
    /// ```
    pub fn submit<F, T>(&self, f: F) -> Pending<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (pending, job) = self.job_for(f);
        // The only possible error is `ShutDown`, and the queue is shut down only by `shutdown`,
        // `shutdown_now` and `drop`, which take the pool by value: no `&self` can be alive then.
        self.jobs
            .put(job)
            .unwrap_or_else(|_| unreachable!("a live WorkerPool's queue is never shut down"));
        pending
    }

    /// [`submit`](Self::submit) for a task: awaits room in the pool's queue instead of
    /// blocking the executor's thread, then yields the job's [`Pending`] (await that for the
    /// result). Dropping this future before it completes drops the job unrun.
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let pool = queue::WorkerPool::builder().threads(1).capacity(1).build();
    /// let sum = block_on(async {
    ///     let mut jobs = Vec::new();
    ///     for i in 0..4u64 {
    ///         jobs.push(pool.submit_async(move || i * 10).await); // waits while full
    ///     }
    ///     let mut sum = 0;
    ///     for job in jobs {
    ///         sum += job.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 60);
    /// ```
    pub async fn submit_async<F, T>(&self, f: F) -> Pending<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (pending, job) = self.job_for(f);
        // As in `submit`: a live pool's queue is never shut down.
        self.jobs
            .put_async(job)
            .await
            .unwrap_or_else(|_| unreachable!("a live WorkerPool's queue is never shut down"));
        pending
    }

    /// A job that runs `f` on a worker and completes the returned `Pending`.
    fn job_for<F, T>(&self, f: F) -> (Pending<T>, Job)
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (pending, completer) = pending::channel(worker::pool_id(&self.jobs));
        let job = Box::new(move || {
            // While it runs, a `wait` for this very job on this thread would wait for itself.
            let _running = Running::enter(completer.slot_id());
            // `AssertUnwindSafe`: `f` is consumed here, so nobody can observe it half-run; state
            // it shares with other threads can be, exactly as with a panicking
            // `thread::spawn`, which does not demand `UnwindSafe` either.
            let result = panic::catch_unwind(AssertUnwindSafe(f)).map_err(JobError::panicked);
            completer.complete(result);
        });
        (pending, Some(job))
    }

    /// Blocks until every job submitted so far has finished — run to completion or panicked
    /// (Python's `queue.join`). Afterwards every `Pending` from those jobs
    /// [`is_ready`](Pending::is_ready).
    ///
    /// # Panics
    ///
    /// When called from one of this pool's own jobs, which would wait for itself forever.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(2);
    /// let jobs: Vec<_> = (0..8).map(|i| pool.submit(move || i)).collect();
    /// pool.join();
    /// assert!(jobs.iter().all(|p| p.is_ready()));
    /// ```
    pub fn join(&self) {
        assert!(
            !self.is_own_thread(),
            "WorkerPool::join called from one of the pool's own jobs: it would wait for itself"
        );
        self.jobs.join();
    }

    /// The number of worker threads.
    ///
    /// ```
    /// assert_eq!(queue::WorkerPool::new(3).threads(), 3);
    /// ```
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// Stops accepting jobs, waits for every submitted job to finish, and joins the threads.
    /// Dropping the pool does exactly this; the method only makes it visible in the code.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let ran = Arc::new(AtomicUsize::new(0));
    /// let pool = queue::WorkerPool::builder().threads(1).capacity(100).build();
    /// for _ in 0..100 {
    ///     let ran = ran.clone();
    ///     pool.submit(move || ran.fetch_add(1, Ordering::SeqCst)); // Pending dropped: still runs
    /// }
    /// pool.shutdown();
    /// assert_eq!(ran.load(Ordering::SeqCst), 100);
    /// ```
    pub fn shutdown(self) {
        // `Drop` does the work; see there.
    }

    /// Stops accepting jobs, **drops** the jobs still queued (their `Pending`s yield a
    /// [`JobError`] that [`is_cancelled`](JobError::is_cancelled)), lets the running ones
    /// finish, and joins the threads. Returns how many jobs were cancelled (Java's
    /// `shutdownNow`, Python's `shutdown(cancel_futures=True)`).
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let (started, has_started) = std::sync::mpsc::channel();
    /// let (release, held) = std::sync::mpsc::channel::<()>();
    /// let running = pool.submit(move || {
    ///     started.send(()).unwrap();
    ///     held.recv().unwrap(); // occupies the only worker until released
    /// });
    /// let queued: Vec<_> = (0..3).map(|i| pool.submit(move || i)).collect();
    /// has_started.recv().unwrap();
    /// // Released only once the queued jobs resolved, which no worker is free to do: so they
    /// // can only be resolved by being cancelled.
    /// let watcher = std::thread::spawn(move || {
    ///     let results: Vec<_> = queued.into_iter().map(|p| p.wait()).collect();
    ///     release.send(()).unwrap();
    ///     results
    /// });
    /// assert_eq!(pool.shutdown_now(), 3);
    /// assert!(watcher.join().unwrap().iter().all(|r| r.as_ref().unwrap_err().is_cancelled()));
    /// assert!(running.wait().is_ok()); // a job already running is never cancelled
    /// ```
    pub fn shutdown_now(self) -> usize {
        let cancelled = self.jobs.shutdown_now();
        let count = cancelled.len();
        // Dropping a job drops its completer, which resolves its `Pending` as cancelled — here,
        // outside the queue's lock, and before the workers are joined, so a thread waiting for
        // those results is not kept waiting until the running jobs finish.
        drop(cancelled);
        count
        // `self` drops here: the queue is already shut down, so it only joins the workers.
    }

    /// Starts a pool with settings already checked by the builder.
    pub(crate) fn start(threads: usize, capacity: usize, name_prefix: &str) -> WorkerPool {
        // The pool exists before its threads: if spawning one fails, the panic drops the pool,
        // which shuts the queue down and joins the workers already started.
        let mut pool = WorkerPool {
            jobs: Arc::new(Queue::bounded(capacity)),
            workers: Vec::with_capacity(threads),
        };
        for i in 0..threads {
            let jobs = Arc::clone(&pool.jobs);
            let worker = thread::Builder::new()
                .name(format!("{name_prefix}-{i}"))
                .spawn(move || worker::work(jobs))
                .expect("failed to start a WorkerPool thread");
            pool.workers.push(worker);
        }
        pool
    }

    /// True when the calling thread is one of this pool's workers.
    fn is_own_thread(&self) -> bool {
        let me = thread::current().id();
        self.workers.iter().any(|w| w.thread().id() == me)
    }
}

impl Drop for WorkerPool {
    /// Shuts the queue down (submitted jobs still run: workers drain it before they stop) and
    /// joins every worker, so no thread outlives the pool.
    fn drop(&mut self) {
        self.jobs.shutdown();
        let me = thread::current().id();
        for worker in self.workers.drain(..) {
            // The last owner of the pool (say, an `Arc<WorkerPool>` moved into a job) may drop
            // it on a worker thread. That worker must not join itself (a deadlock); it leaves its
            // loop on its own once the queue is drained.
            if worker.thread().id() != me {
                // A worker never panics (every job runs under `catch_unwind`), so this is `Ok`.
                let _ = worker.join();
            }
        }
    }
}

impl fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool")
            .field("threads", &self.workers.len())
            .field("queued", &self.jobs.len())
            .finish()
    }
}
