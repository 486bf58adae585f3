//! The awaitable face of every queue: [`put_async`](BlockingQueue::put_async),
//! [`put_async_until`](BlockingQueue::put_async_until), [`get_async`](BlockingQueue::get_async),
//! [`get_task_async`](BlockingQueue::get_task_async) and [`join_async`](BlockingQueue::join_async),
//! for tasks on any executor (only `std::task::Waker` is used), on the same queue that threads
//! use with the blocking calls at the same time — Python's janus, without a second queue.
//!
//! Each future is the thread's `while` loop turned inside out: try the non-blocking
//! operation; if it would block, first re-poll a few times (`async_spin.rs`: wake its own
//! waker and return `Pending`, as a thread spins before it sleeps), then register the task's
//! waker (`async_wait.rs`), try once more (the second look is what makes a wakeup impossible
//! to miss), and return `Pending`. The same results as the blocking calls: the errors, the
//! orders, shutdown winning over full, a shut-down queue still served until drained.
//!
//! **Cancellation.** Dropping a pending future loses no item: a get takes an item only in the
//! poll that returns it. A dropped future that had been woken passes that wakeup on to the next
//! task waiting for the same thing. A dropped `put_async` drops its item with it (a future
//! that is gone cannot hand it back); to get the item back when waiting takes too long, use
//! `put_async_until` with your runtime's sleep: the queue crate has no timer.
//!
//! **On the executor's virtual clock**, a task that awaits something only threads will do (a
//! `get_async` fed by a thread's `put`) must be awaited through `executor::off_thread`, so
//! that the clock does not jump ahead while the executor waits for another thread.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::async_spin::Repoll;
use crate::order::Order;
use crate::queue::{BlockingQueue, Core};
use crate::wait::Cond;
use crate::{GetError, PutError, TaskGuard};

impl<T, O: Order<T>> BlockingQueue<T, O> {
    /// Awaits room, then puts `item`: the awaitable [`put`](Self::put). Fails with
    /// [`PutError::ShutDown`] (the item back) if the queue is or gets shut down first.
    ///
    /// Dropping the future before it completes drops the item; see
    /// [`put_async_until`](Self::put_async_until) to give up and keep it.
    ///
    /// ```
    /// use queue::Queue;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = Queue::bounded(1);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| block_on(async { for i in 0..3 { q.put_async(i).await.unwrap() } }));
    ///     let got: Vec<i32> = (0..3).map(|_| q.get().unwrap()).collect(); // a thread gets
    ///     assert_eq!(got, [0, 1, 2]);
    /// });
    /// ```
    pub fn put_async(&self, item: T) -> PutAsync<'_, T, O> {
        PutAsync {
            queue: self,
            item: Some(item),
            key: None,
            repoll: Repoll::new(),
        }
    }

    /// [`put_async`](Self::put_async), given up when `timer` completes first: then the
    /// result is [`PutError::Timeout`] with the item back (Python's `put(x, timeout=t)`,
    /// tokio's `send_timeout`). `timer` is your runtime's sleep, e.g.
    /// `executor::sleep(d)`: the queue crate has no clock of its own. A put that can go in
    /// wins over a timer that completed at the same poll.
    ///
    /// ```
    /// use queue::{PutError, Queue};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = Queue::bounded(1);
    /// q.put(1).unwrap();
    /// let expired = std::future::ready(()); // a timer that has already fired
    /// assert_eq!(block_on(q.put_async_until(2, expired)), Err(PutError::Timeout(2)));
    /// ```
    pub fn put_async_until<F: Future<Output = ()>>(
        &self,
        item: T,
        timer: F,
    ) -> PutAsyncUntil<'_, T, O, F> {
        PutAsyncUntil {
            put: self.put_async(item),
            timer: Box::pin(timer),
        }
    }

    /// Awaits an item: the awaitable [`get`](Self::get). Fails with [`GetError::ShutDown`]
    /// once the queue is shut down and drained. Dropping it while it waits loses nothing.
    ///
    /// ```
    /// use queue::Queue;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = Queue::bounded(1);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| { for i in 0..3 { q.put(i).unwrap() } q.shutdown() }); // a thread puts
    ///     let got = block_on(async {
    ///         let mut got = Vec::new();
    ///         while let Ok(item) = q.get_async().await { got.push(item) }
    ///         got
    ///     });
    ///     assert_eq!(got, [0, 1, 2]);
    /// });
    /// ```
    pub fn get_async(&self) -> GetAsync<'_, T, O> {
        GetAsync {
            queue: self,
            key: None,
            repoll: Repoll::new(),
        }
    }

    /// [`get_async`](Self::get_async), the item in a [`TaskGuard`] that marks the task done
    /// when dropped (the awaitable [`get_task`](Self::get_task)).
    ///
    /// ```
    /// use queue::Queue;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = Queue::unbounded();
    /// q.put("job").unwrap();
    /// block_on(async {
    ///     let task = q.get_task_async().await.unwrap();
    ///     assert_eq!(*task, "job");
    /// }); // the guard is dropped: task done
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn get_task_async(&self) -> GetTaskAsync<'_, T, O> {
        GetTaskAsync {
            get: self.get_async(),
        }
    }

    /// Awaits the moment every item put so far has been marked done: the awaitable
    /// [`join`](Self::join).
    ///
    /// ```
    /// use queue::Queue;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = Queue::unbounded();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| while let Ok(_task) = q.get_task() {}); // a thread works
    ///     for i in 0..10 { q.put(i).unwrap() }
    ///     block_on(q.join_async()); // a task waits for it
    ///     assert_eq!(q.unfinished_tasks(), 0);
    ///     q.shutdown();
    /// });
    /// ```
    pub fn join_async(&self) -> JoinAsync<'_, T, O> {
        JoinAsync {
            queue: self,
            key: None,
        }
    }

    /// Between a putter's registration and its second look: on the two-sided core, getters
    /// free slots under the head's lock, so the putter passes through that lock (the same
    /// argument as the core's `announce_putter`, `two_sides.rs`).
    fn pass_head_lock(&self) {
        if let Core::TwoSides(c) = &self.core {
            drop(c.lock_head());
        }
    }
}

/// The future of [`put_async`](BlockingQueue::put_async).
#[must_use = "futures do nothing unless awaited"]
pub struct PutAsync<'a, T, O: Order<T>> {
    queue: &'a BlockingQueue<T, O>,
    /// `None` once the poll that completed took it.
    item: Option<T>,
    /// Our place among the task waiters for room, once registered.
    key: Option<u64>,
    /// Re-polls left before registering (`async_spin.rs`).
    repoll: Repoll,
}

// The item is moved, never pinned: the future may move whatever `T` is.
impl<T, O: Order<T>> Unpin for PutAsync<'_, T, O> {}

impl<T, O: Order<T>> Future for PutAsync<'_, T, O> {
    type Output = Result<(), PutError<T>>;

    /// # Panics
    ///
    /// If polled again after it completed.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let item = this
            .item
            .take()
            .expect("PutAsync polled after it completed");
        let item = match this.queue.try_put(item) {
            Err(PutError::Full(item)) => item,
            done => return this.done(done),
        };
        if this.key.is_none() && this.repoll.again(cx) {
            this.item = Some(item);
            return Poll::Pending;
        }
        this.queue
            .waiters
            .register(Cond::NotFull, &mut this.key, cx.waker());
        this.queue.pass_head_lock();
        match this.queue.try_put(item) {
            Err(PutError::Full(item)) => {
                this.item = Some(item);
                Poll::Pending
            }
            done => this.done(done),
        }
    }
}

impl<T, O: Order<T>> PutAsync<'_, T, O> {
    fn done(&mut self, out: Result<(), PutError<T>>) -> Poll<Result<(), PutError<T>>> {
        self.queue.waiters.finish(Cond::NotFull, &mut self.key);
        Poll::Ready(out)
    }
}

impl<T, O: Order<T>> Drop for PutAsync<'_, T, O> {
    fn drop(&mut self) {
        // Passes on a slot it was woken for; the item (if any) is dropped after, unlocked.
        self.queue.waiters.cancel(Cond::NotFull, &mut self.key);
    }
}

/// The future of [`put_async_until`](BlockingQueue::put_async_until).
#[must_use = "futures do nothing unless awaited"]
pub struct PutAsyncUntil<'a, T, O: Order<T>, F> {
    put: PutAsync<'a, T, O>,
    // Boxed so that any timer future works without `unsafe` pin projection.
    timer: Pin<Box<F>>,
}

impl<T, O: Order<T>, F: Future<Output = ()>> Future for PutAsyncUntil<'_, T, O, F> {
    type Output = Result<(), PutError<T>>;

    /// # Panics
    ///
    /// If polled again after it completed.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Poll::Ready(out) = Pin::new(&mut this.put).poll(cx) {
            return Poll::Ready(out);
        }
        if this.timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let put = &mut this.put;
        put.queue.waiters.cancel(Cond::NotFull, &mut put.key);
        let item = put.item.take().expect("pending, so it holds the item");
        Poll::Ready(Err(PutError::Timeout(item)))
    }
}

/// The future of [`get_async`](BlockingQueue::get_async).
#[must_use = "futures do nothing unless awaited"]
pub struct GetAsync<'a, T, O: Order<T>> {
    queue: &'a BlockingQueue<T, O>,
    key: Option<u64>,
    /// Re-polls left before registering (`async_spin.rs`).
    repoll: Repoll,
}

impl<T, O: Order<T>> Future for GetAsync<'_, T, O> {
    type Output = Result<T, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.key.is_none()
            && this.repoll.has_tried()
            && !this.queue.may_have_items()
            && this.repoll.again(cx)
        {
            return Poll::Pending;
        }
        match this.queue.try_get() {
            Err(GetError::Empty) => {}
            out => return this.done(out),
        }
        if this.key.is_none() && this.repoll.again(cx) {
            return Poll::Pending;
        }
        this.queue
            .waiters
            .register(Cond::NotEmpty, &mut this.key, cx.waker());
        match ready_get(this.queue.try_get()) {
            Some(out) => this.done(out),
            None => Poll::Pending,
        }
    }
}

/// `None` when a get would have to wait.
fn ready_get<T>(got: Result<T, GetError>) -> Option<Result<T, GetError>> {
    (!matches!(got, Err(GetError::Empty))).then_some(got)
}

impl<T, O: Order<T>> GetAsync<'_, T, O> {
    fn done(&mut self, out: Result<T, GetError>) -> Poll<Result<T, GetError>> {
        // Taken apart and rebuilt around `finish` (as in `get_on_core`): a `Result` kept
        // across the call was copied back whole, a 16-byte load of a tag byte and an item
        // stored apart, which the CPU cannot forward.
        match out {
            Ok(item) => {
                self.queue.waiters.finish(Cond::NotEmpty, &mut self.key);
                Poll::Ready(Ok(item))
            }
            Err(e) => {
                self.queue.waiters.finish(Cond::NotEmpty, &mut self.key);
                Poll::Ready(Err(e))
            }
        }
    }
}

impl<T, O: Order<T>> Drop for GetAsync<'_, T, O> {
    fn drop(&mut self) {
        self.queue.waiters.cancel(Cond::NotEmpty, &mut self.key);
    }
}

/// The future of [`get_task_async`](BlockingQueue::get_task_async).
#[must_use = "futures do nothing unless awaited"]
pub struct GetTaskAsync<'a, T, O: Order<T>> {
    get: GetAsync<'a, T, O>,
}

impl<'a, T, O: Order<T>> Future for GetTaskAsync<'a, T, O> {
    type Output = Result<TaskGuard<'a, T, O>, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let queue = self.get.queue;
        Pin::new(&mut self.get)
            .poll(cx)
            .map(|got| got.map(|item| TaskGuard::new(queue, item)))
    }
}

/// The future of [`join_async`](BlockingQueue::join_async).
#[must_use = "futures do nothing unless awaited"]
pub struct JoinAsync<'a, T, O: Order<T>> {
    queue: &'a BlockingQueue<T, O>,
    key: Option<u64>,
}

impl<T, O: Order<T>> Future for JoinAsync<'_, T, O> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.queue.unfinished_tasks() > 0 {
            this.queue
                .waiters
                .register(Cond::AllTasksDone, &mut this.key, cx.waker());
            if this.queue.unfinished_tasks() > 0 {
                return Poll::Pending;
            }
        }
        this.queue.waiters.finish(Cond::AllTasksDone, &mut this.key);
        Poll::Ready(())
    }
}

impl<T, O: Order<T>> Drop for JoinAsync<'_, T, O> {
    fn drop(&mut self) {
        // Joiners are all woken at once: a dropped one has no wakeup to pass on.
        self.queue.waiters.finish(Cond::AllTasksDone, &mut self.key);
    }
}
