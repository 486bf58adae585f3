//! `TaskGroup`: spawned tasks owned together (asyncio 3.11's `TaskGroup`, tokio's `JoinSet`).
//!
//! The group owns its tasks' `JoinHandle`s: [`join_next`](TaskGroup::join_next) yields each
//! result as its task finishes, [`join_all`](TaskGroup::join_all) every result in spawn order.
//! Like asyncio's `TaskGroup`, a failure cancels the siblings: a panic (whichever way the group
//! is awaited), or — with [`try_join_all`](TaskGroup::try_join_all) — the first `Err` a task
//! returns. The siblings are aborted when the group sees the failure, in the poll that the
//! failed task's end wakes. Dropping the group aborts whatever is left, so no task outlives
//! the scope that owns it.
//!
//! # Which task finished? The children say so themselves
//!
//! Polling every unfinished handle on each wake would cost O(n) per wake, O(n²) for n tasks.
//! `gather` solves this with one waker per child that records its index; that waker must be an
//! `Arc` with a `Mutex` inside, because a `Waker` must be `Send + Sync`. Here each task already
//! runs our code: it is spawned as `async move { let _done = done; future.await }`, and `done`
//! is dropped when the task ends — at the end of its last poll, or with its future — pushing
//! the task's index onto a ready list shared with the group and waking the group. However the
//! task ends (it returned, panicked, was aborted, or its executor shut down) that guard is
//! dropped, so one guard covers all four, in the order they happened. The list never leaves
//! this thread (tasks are not `Send`), so it sits in an `Rc` with `RefCell`s: no atomic, no
//! lock, no allocation per child beyond the task itself. The group then polls only the handle
//! of a task that has ended, whose result is already stored (the group cannot run before that
//! task's poll has returned).
//!
//! **Cancel-safe.** An index leaves the ready list only together with its result, in the poll
//! that returns it: dropping a pending `join_next` loses nothing.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::join_handle::{JoinError, JoinHandle};

/// Tasks spawned and awaited together (asyncio's `TaskGroup`, tokio's `JoinSet`).
///
/// ```
/// use std::time::Duration;
/// use executor::{sleep, TaskGroup};
/// executor::Executor::with_virtual_clock().block_on(async {
///     let mut group = TaskGroup::new();
///     for secs in [3, 1, 2] {
///         group.spawn(async move { sleep(Duration::from_secs(secs)).await; secs });
///     }
///     let mut finished = Vec::new();
///     while let Some(result) = group.join_next().await {
///         finished.push(result.unwrap()); // as each task finishes (asyncio's as_completed)
///     }
///     assert_eq!(finished, [1, 2, 3]);
///
///     for secs in [3, 1, 2] {
///         group.spawn(async move { sleep(Duration::from_secs(secs)).await; secs });
///     }
///     assert_eq!(group.join_all().await.unwrap(), [3, 1, 2]); // spawn order
/// });
/// ```
pub struct TaskGroup<T> {
    /// A task's index in the ready list is its slot here.
    slots: Vec<Slot<T>>,
    /// Slots whose result was yielded, for the next spawns: a long-lived group that is never
    /// empty keeps as many slots as it ever had unfinished tasks, not one per task spawned.
    free: Vec<usize>,
    ready: Rc<Ready>,
    /// Tasks whose result has not been yielded yet.
    left: usize,
    /// Spawn number of the next task (`join_all` sorts by it).
    spawned: u64,
}

struct Slot<T> {
    spawned: u64,
    /// `None` once its result was yielded (the slot is then free).
    handle: Option<JoinHandle<T>>,
}

/// Shared by the group and the `Done` guard of each of its tasks.
struct Ready {
    /// Indices of the tasks that ended, in the order they ended.
    finished: RefCell<VecDeque<usize>>,
    /// The waker of the last poll of the group; taken by the first task that ends after it.
    waker: RefCell<Option<Waker>>,
}

/// Lives in a group's task; its drop is the task's end.
struct Done {
    index: usize,
    ready: Rc<Ready>,
}

impl Drop for Done {
    fn drop(&mut self) {
        self.ready.finished.borrow_mut().push_back(self.index);
        let waker = self.ready.waker.borrow_mut().take();
        if let Some(waker) = waker {
            // Outside the borrow: waking may run arbitrary code. It is whoever polled the group
            // — any waker — and this guard may drop while the task's own panic unwinds, where a
            // second panic aborts the process: so a panic in it is caught and dropped, as the
            // executor does for a `JoinHandle`'s awaiter.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                // Its payload's `Drop` may panic too; then that second payload is leaked.
                if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
                    std::mem::forget(again);
                }
            }
        }
    }
}

impl<T: 'static> TaskGroup<T> {
    /// An empty group.
    ///
    /// ```
    /// let group = executor::TaskGroup::<()>::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn new() -> Self {
        TaskGroup {
            slots: Vec::new(),
            free: Vec::new(),
            ready: Rc::new(Ready {
                finished: RefCell::new(VecDeque::new()),
                waker: RefCell::new(None),
            }),
            left: 0,
            spawned: 0,
        }
    }

    /// Spawns `future` as a task of this group (asyncio's `TaskGroup.create_task`).
    ///
    /// # Panics
    /// When called outside an executor, as [`spawn`](crate::spawn) does.
    ///
    /// ```
    /// executor::run(async {
    ///     let mut group = executor::TaskGroup::new();
    ///     group.spawn(async { 1 });
    ///     group.spawn(async { 2 });
    ///     assert_eq!(group.len(), 2);
    ///     assert_eq!(group.join_all().await.unwrap(), [1, 2]);
    /// });
    /// ```
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + 'static,
    {
        // A free slot's previous task has ended and its index left the ready list: the index
        // can name the new task.
        let index = self.free.pop().unwrap_or(self.slots.len());
        let done = Done {
            index,
            ready: self.ready.clone(),
        };
        let handle = crate::spawn(async move {
            let _done = done;
            future.await
        });
        let slot = Slot {
            spawned: self.spawned,
            handle: Some(handle),
        };
        if index == self.slots.len() {
            self.slots.push(slot);
        } else {
            self.slots[index] = slot;
        }
        self.spawned += 1;
        self.left += 1;
    }

    /// Number of tasks whose result has not been yielded yet (running or finished).
    pub fn len(&self) -> usize {
        self.left
    }

    /// True when every task's result has been yielded (or none was spawned).
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// Waits for the next task to finish and returns its result, or `None` when the group is
    /// empty. If the task panicked, the group first aborts every other task (asyncio cancels
    /// the siblings of a task that raised); the next calls then yield their results —
    /// cancelled, or `Ok` for those that had finished already. Cancel-safe.
    ///
    /// ```
    /// executor::run(async {
    ///     let mut group = executor::TaskGroup::new();
    ///     group.spawn(async { panic!("boom") });
    ///     group.spawn(std::future::pending::<()>());
    ///     let first = group.join_next().await.unwrap().unwrap_err();
    ///     assert_eq!(first.to_string(), "task panicked: boom");
    ///     assert!(group.join_next().await.unwrap().unwrap_err().is_cancelled());
    ///     assert!(group.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx))
            .await
            .map(|(_, result)| result)
    }

    /// The next finished task's spawn number and result.
    fn poll_join_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(u64, Result<T, JoinError>)>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        // Registered before looking at the list, so a task ending after the look wakes us.
        let old = {
            let mut waker = self.ready.waker.borrow_mut();
            match waker.as_ref() {
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => waker.replace(cx.waker().clone()),
            }
        };
        drop(old); // outside the borrow
        let front = self.ready.finished.borrow().front().copied();
        let Some(index) = front else {
            return Poll::Pending;
        };
        let slot = &mut self.slots[index];
        let handle = slot.handle.as_mut().expect("a task's end is recorded once");
        // Ready: the guard drops in the task's last poll (or with its future), and the group
        // cannot run before that poll has returned and the result is stored. Pending only if
        // the group is polled from inside that very poll; the handle then wakes us, and the
        // index stays first in line.
        let Poll::Ready(result) = Pin::new(handle).poll(cx) else {
            return Poll::Pending;
        };
        self.ready.finished.borrow_mut().pop_front();
        let spawned = slot.spawned;
        let handle = slot.handle.take();
        drop(handle);
        self.free.push(index);
        self.left -= 1;
        if result.as_ref().is_err_and(JoinError::is_panic) {
            self.abort_all();
        }
        Poll::Ready(Some((spawned, result)))
    }

    /// Waits for every task and returns their results in spawn order (asyncio's
    /// `async with TaskGroup() as tg:` block ending). On the first task that panicked (or was
    /// cancelled), aborts the others and returns its [`JoinError`]. The future owns the group:
    /// dropping it before it completes (e.g. in a `timeout`) aborts the tasks left.
    ///
    /// ```
    /// use std::time::Duration;
    /// executor::Executor::with_virtual_clock().block_on(async {
    ///     let t0 = executor::now();
    ///     let mut group = executor::TaskGroup::new();
    ///     group.spawn(async { executor::sleep(Duration::from_secs(60)).await; 1 });
    ///     group.spawn(async { executor::sleep(Duration::from_secs(1)).await; panic!("no") });
    ///     assert!(group.join_all().await.unwrap_err().is_panic());
    ///     assert_eq!(executor::now() - t0, Duration::from_secs(1)); // the sibling was aborted
    /// });
    /// ```
    pub async fn join_all(mut self) -> Result<Vec<T>, JoinError> {
        let mut results = Vec::with_capacity(self.left);
        while let Some((spawned, result)) = poll_fn(|cx| self.poll_join_next(cx)).await {
            results.push((spawned, result?)); // an error: `self` drops, aborting the rest
        }
        Ok(in_spawn_order(results))
    }

    /// Aborts every task not finished yet ([`JoinHandle::abort`]); their results, cancelled,
    /// are still yielded by `join_next`. Dropping the group does this too.
    ///
    /// ```
    /// executor::run(async {
    ///     let mut group = executor::TaskGroup::new();
    ///     group.spawn(std::future::pending::<()>());
    ///     group.abort_all();
    ///     assert!(group.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for handle in self.slots.iter().filter_map(|slot| slot.handle.as_ref()) {
            handle.abort(); // no borrow held: the task's `Done` guard may run right here
        }
    }
}

impl<T: 'static, E: 'static> TaskGroup<Result<T, E>> {
    /// Like [`join_all`](Self::join_all) for tasks that return `Result`: the first task to end
    /// with an `Err` — returned or panicked — aborts the others (asyncio's semantics, where
    /// every error is an exception). `Ok(Ok(values))` in spawn order, `Ok(Err(e))` for the
    /// first `Err` returned, `Err(join_error)` for the first panic, the same shape as awaiting
    /// a `JoinHandle<Result<T, E>>`.
    ///
    /// ```
    /// use std::time::Duration;
    /// executor::Executor::with_virtual_clock().block_on(async {
    ///     let t0 = executor::now();
    ///     let mut group = executor::TaskGroup::new();
    ///     group.spawn(async { executor::sleep(Duration::from_secs(60)).await; Ok(1) });
    ///     group.spawn(async { executor::sleep(Duration::from_secs(1)).await; Err("bad input") });
    ///     assert_eq!(group.try_join_all().await.unwrap(), Err("bad input"));
    ///     assert_eq!(executor::now() - t0, Duration::from_secs(1)); // the sibling was aborted
    /// });
    /// ```
    pub async fn try_join_all(mut self) -> Result<Result<Vec<T>, E>, JoinError> {
        let mut results = Vec::with_capacity(self.left);
        while let Some((spawned, result)) = poll_fn(|cx| self.poll_join_next(cx)).await {
            match result? {
                Ok(value) => results.push((spawned, value)),
                Err(error) => return Ok(Err(error)), // `self` drops, aborting the rest
            }
        }
        Ok(Ok(in_spawn_order(results)))
    }
}

/// Results collected in completion order, put back in spawn order.
fn in_spawn_order<T>(mut results: Vec<(u64, T)>) -> Vec<T> {
    results.sort_unstable_by_key(|&(spawned, _)| spawned);
    results.into_iter().map(|(_, value)| value).collect()
}

impl<T: 'static> Default for TaskGroup<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for TaskGroup<T> {
    fn drop(&mut self) {
        // Nobody will await the group again: forget its waker, so the aborted tasks' guards do
        // not wake it, then abort what is left.
        let waker = self.ready.waker.borrow_mut().take();
        drop(waker);
        for handle in self.slots.iter().filter_map(|slot| slot.handle.as_ref()) {
            handle.abort();
        }
    }
}

impl<T> fmt::Debug for TaskGroup<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("spawned", &self.spawned)
            .field("left", &self.left)
            .finish()
    }
}
