//! `Spawner`: spawning onto an executor from any thread (asyncio's `run_coroutine_threadsafe`,
//! tokio's `Handle::spawn`).
//!
//! A layer on the public core, not inside it: the executor's tasks are not `Send`, so another
//! thread cannot build one. It hands over a `Send` future instead — or, with `spawn_with`, a
//! `Send` closure that the executor's thread calls to build a future that need not be `Send`
//! (one that uses `sleep`, `spawn`, `JoinHandle`: they belong to one executor) — through an
//! **inbox** (a `Mutex<Vec>` beside the executor, like the injector of wakes), and wakes the
//! **receiving task**: one ordinary task per executor, spawned with the first `Spawner`, whose
//! poll moves every future in the inbox into a task of its own. So the hand-over reaches a parked executor
//! by exactly the path of a wake from another thread: the receiving task's waker → the injector
//! → `IdleSleep::unpark` (with `io`, the reactor's `mio::Waker`). The run loop is unchanged.
//!
//! **Invariant: every future handed over ends with its handle told.** It is either refused
//! ([`SpawnError`] gives it back, so it is dropped on the spawning thread), or started (its task
//! delivers `Ok`, a panic, or — dropped by teardown — "cancelled"), or still in the inbox when
//! the executor is dropped: then the receiving task's `Drop` closes the inbox and drops it on
//! the executor's thread, which tells its handle "cancelled". Closing and pushing take the same
//! lock, so a spawn racing teardown lands on one side or the other, never in between.
//!
//! **Virtual time.** The rule of `off_thread.rs`: the clock cannot see other threads. A future
//! handed over is an ordinary task from the tick that receives it: its sleeps are virtual,
//! measured from the virtual `now` of its first poll. A hand-over that has *arrived* (pushed
//! before the executor decided it had nothing to do) is run before the clock jumps — its wake is
//! a pending remote wake — but the clock does not wait for spawns still to come. A task that
//! expects one awaits the other thread's signal through `off_thread`.
//!
//! No user code runs under the inbox lock: futures are only moved in and out, the receiving
//! task's waker is cloned under it and woken (or dropped) after it.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::context;
use crate::drop_queue;
use crate::run_loop::Core;
use crate::spawn_handle::{self, SpawnHandle};
use crate::sync::{current_thread, lock, Mutex, ThreadId};

/// Spawns `Send` futures onto one executor from any thread. Made by
/// [`Executor::spawner`](crate::Executor::spawner); cheap to clone (an `Arc`).
///
/// ```
/// use std::sync::mpsc;
///
/// let ex = executor::Executor::new();
/// let spawner = ex.spawner();
/// let (arrived, spawned) = mpsc::channel();
/// let worker = std::thread::spawn(move || {
///     let handle = spawner.spawn(async { 6 * 7 }).expect("the executor is alive");
///     arrived.send(()).unwrap();
///     handle.wait() // blocks this thread until the executor has run the task
/// });
/// spawned.recv().unwrap(); // the future is in the executor's inbox...
/// ex.run_until_done(); // ...and runs here, with every other task
/// assert_eq!(worker.join().unwrap().unwrap(), 42);
/// ```
#[derive(Clone)]
pub struct Spawner {
    inbox: Arc<Inbox>,
}

/// What the spawning threads and the receiving task share.
struct Inbox {
    state: Mutex<InboxState>,
    /// The executor's thread: `SpawnHandle::wait` refuses to block it.
    owner: ThreadId,
}

struct InboxState {
    jobs: Vec<Box<dyn Job>>,
    /// The receiving task's waker (`None` until its first poll: it is queued from its spawn).
    receiver: Option<Waker>,
    /// Set by the receiving task's `Drop` (executor teardown): later spawns are refused.
    closed: bool,
}

/// A future handed over, with its handle's sending side, type-erased for the inbox.
trait Job: Send {
    /// Makes it a task of `core` (on the executor's thread). Dropping a job instead cancels it.
    fn start(self: Box<Self>, core: &Rc<Core>);
}

/// What crosses the threads: `make` — the future itself (`spawn`) or a closure that builds it
/// (`spawn_with`) — turned into the future by `build` on the executor's thread.
struct Handover<M, F: Future> {
    make: M,
    build: fn(M) -> F,
    completion: spawn_handle::Completion<F::Output>,
}

impl<M, F> Job for Handover<M, F>
where
    M: Send + 'static,
    F: Future + 'static,
    F::Output: Send + 'static,
{
    fn start(self: Box<Self>, core: &Rc<Core>) {
        let Handover {
            make,
            build,
            completion,
        } = *self;
        // Detached: the result travels through the completion, not the `JoinHandle`.
        drop(core.spawn(spawn_handle::deliver(build(make), completion)));
    }
}

impl Spawner {
    /// The spawner of `core`, with its receiving task (`Executor::spawner` makes one).
    pub(crate) fn new(core: &Rc<Core>) -> Self {
        let inbox = Arc::new(Inbox {
            state: Mutex::new(InboxState {
                jobs: Vec::new(),
                receiver: None,
                closed: false,
            }),
            owner: current_thread().id(),
        });
        drop(core.spawn(Receive {
            inbox: inbox.clone(),
        }));
        Spawner { inbox }
    }

    /// Queues `future` on the executor as a new task, from any thread, and returns a handle to
    /// its result: `handle.wait()` on another thread, `handle.await` in a task. The task runs
    /// when the executor next runs (a parked executor is woken).
    ///
    /// The future must be `Send`: it is made on this thread. This crate's own timers and
    /// handles (`sleep`, `timeout`, `JoinHandle`…) belong to one executor and are not `Send`;
    /// a future that uses them is built on the executor's thread by
    /// [`spawn_with`](Self::spawn_with).
    ///
    /// # Errors
    /// [`SpawnError`] if the executor has been dropped; it gives the future back.
    ///
    /// ```
    /// let ex = executor::Executor::new();
    /// let spawner = ex.spawner();
    /// let handle = spawner.spawn(async { "ran" }).unwrap();
    /// assert_eq!(ex.block_on(handle).unwrap(), "ran");
    /// drop(ex);
    /// let refused = spawner.spawn(async { "never" }).unwrap_err();
    /// assert_eq!(refused.to_string(), "spawning on an executor that is gone");
    /// let _future = refused.into_inner(); // given back, dropped here
    /// ```
    pub fn spawn<F>(&self, future: F) -> Result<SpawnHandle<F::Output>, SpawnError<F>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.hand_over(future, |future| future)
    }

    /// Like [`spawn`](Self::spawn), but hands over `make`, which the executor's thread calls to
    /// build the future (tokio's `LocalPoolHandle::spawn_pinned`): the future need not be
    /// `Send`, so it may `sleep`, `spawn` and await local handles. Only `make` and the output
    /// cross threads.
    ///
    /// # Errors
    /// [`SpawnError`] if the executor has been dropped; it gives `make` back, never called.
    ///
    /// ```
    /// use std::time::Duration;
    /// let ex = executor::Executor::with_virtual_clock();
    /// let spawner = ex.spawner();
    /// let handle = std::thread::spawn(move || {
    ///     spawner.spawn_with(|| async {
    ///         let t0 = executor::now();
    ///         executor::sleep(Duration::from_secs(60)).await; // a `Sleep` is not `Send`
    ///         executor::now() - t0
    ///     }).unwrap()
    /// }).join().unwrap();
    /// assert_eq!(ex.block_on(handle).unwrap(), Duration::from_secs(60));
    /// ```
    pub fn spawn_with<M, F>(&self, make: M) -> Result<SpawnHandle<F::Output>, SpawnError<M>>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        self.hand_over(make, |make| make())
    }

    fn hand_over<M, F>(
        &self,
        make: M,
        build: fn(M) -> F,
    ) -> Result<SpawnHandle<F::Output>, SpawnError<M>>
    where
        M: Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let mut state = lock(&self.inbox.state);
        if state.closed {
            drop(state);
            return Err(SpawnError { future: make });
        }
        let (completion, handle) = spawn_handle::pair(self.inbox.owner);
        state.jobs.push(Box::new(Handover {
            make,
            build,
            completion,
        }));
        let receiver = state.receiver.clone();
        drop(state);
        // After the push and outside the lock: the receiving task, polled, finds the job.
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(handle)
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner")
            .field("closed", &lock(&self.inbox.state).closed)
            .finish_non_exhaustive()
    }
}

/// The receiving task: moves each future handed over into a task of its own. Never finishes;
/// dropped with the executor (teardown), when it closes the inbox.
struct Receive {
    inbox: Arc<Inbox>,
}

impl Future for Receive {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.inbox.state);
        let jobs = mem::take(&mut state.jobs);
        // The task keeps the waker it was lent while this clone lives (`lent_waker.rs`): the
        // same waker at every poll, so stored once, kept.
        let first = state.receiver.is_none();
        if first {
            state.receiver = Some(cx.waker().clone());
        }
        drop(state);
        if !jobs.is_empty() {
            let core = context::expect_current("a Spawner's receiving task ran", "run");
            for job in jobs {
                job.start(&core);
            }
        }
        Poll::Pending
    }
}

impl Drop for Receive {
    fn drop(&mut self) {
        let mut state = lock(&self.inbox.state);
        state.closed = true;
        let jobs = mem::take(&mut state.jobs);
        let receiver = state.receiver.take();
        drop(state);
        // Outside the lock, one by one and caught (a future's `Drop` is user code): each job's
        // drop tells its handle "cancelled", waking its awaiter.
        for job in jobs {
            drop_queue::drop_quietly(job);
        }
        drop(receiver);
    }
}

/// The error of [`Spawner::spawn`] (and [`Spawner::spawn_with`]) on an executor that is gone.
/// Holds the future (or the closure), which was never queued: [`into_inner`](Self::into_inner)
/// gives it back.
pub struct SpawnError<F> {
    future: F,
}

impl<F> SpawnError<F> {
    /// The future (or `spawn_with`'s closure) that was not spawned.
    ///
    /// ```
    /// let spawner = executor::Executor::new().spawner(); // the executor drops at once
    /// let err = spawner.spawn(async { 5 }).unwrap_err();
    /// assert_eq!(executor::run(err.into_inner()), 5);
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F> fmt::Debug for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SpawnError { .. }")
    }
}

impl<F> fmt::Display for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("spawning on an executor that is gone")
    }
}

impl<F> std::error::Error for SpawnError<F> {}
