//! `off_thread`: "this future's progress depends on another thread" — so the virtual clock
//! must wait for it instead of jumping.
//!
//! The virtual clock jumps to the next deadline as soon as nothing is ready: everyone waits
//! for time. But a task awaiting a job on a worker thread is not waiting for time, and the
//! executor cannot tell: it sees only a `Waker` handed out. So with a timer pending,
//! `timeout(1 h, pool.submit(job))` returned `Elapsed` at once and virtual time jumped an hour
//! while the 30 ms job ran (tokio's paused clock does not auto-advance while a `spawn_blocking`
//! task runs, for the same reason). The queue crate cannot tell the executor (it does not
//! depend on it), so the awaiting side says it: `off_thread(pool.submit(job))`.
//!
//! The rule: from its first poll until it completes or is dropped, an `OffThread` *holds*
//! virtual time — while any hold exists, the virtual-clock idle step parks until a wake instead
//! of jumping, like the real-clock executor with no timer. The holds are a plain counter in the
//! executor's core: the adapter is polled and dropped on the executor's own thread. On the
//! real clock a hold changes nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::context;
use crate::run_loop::Core;

/// Marks `future` as waiting on another thread (a worker pool's job, a channel fed by a
/// thread): while it is in flight the virtual clock does not jump (see
/// [`Executor::with_virtual_clock`](crate::Executor::with_virtual_clock)). Its output is the
/// future's. On the real clock, or polled outside an executor, it is just `future`.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::task::{Poll, Waker};
/// use std::time::Duration;
/// use executor::{now, off_thread, timeout, Executor};
///
/// // A value a worker thread fills in, and the waker it calls then.
/// let slot: Arc<Mutex<(Option<u32>, Option<Waker>)>> = Arc::default();
/// let result = std::future::poll_fn({
///     let slot = slot.clone();
///     move |cx| {
///         let mut slot = slot.lock().unwrap();
///         match slot.0.take() {
///             Some(value) => Poll::Ready(value),
///             None => {
///                 slot.1 = Some(cx.waker().clone());
///                 Poll::Pending
///             }
///         }
///     }
/// });
/// let worker = std::thread::spawn(move || {
///     std::thread::sleep(Duration::from_millis(30)); // the job: 30 ms of real time
///     let waker = { let mut slot = slot.lock().unwrap(); slot.0 = Some(42); slot.1.take() };
///     if let Some(waker) = waker { waker.wake() }
/// });
/// let ex = Executor::with_virtual_clock();
/// let (out, took) = ex.block_on(async {
///     let t0 = now();
///     (timeout(Duration::from_secs(3600), off_thread(result)).await, now() - t0)
/// });
/// worker.join().unwrap();
/// assert_eq!(out, Ok(42)); // without `off_thread`: Err(Elapsed), an hour gone at once
/// assert_eq!(took, Duration::ZERO); // the clock waited for the thread
/// ```
pub fn off_thread<F: Future>(future: F) -> OffThread<F> {
    OffThread {
        future: Box::pin(future),
        hold: None,
    }
}

/// The future returned by [`off_thread`]. The inner future is boxed: pinning it in place would
/// need unsafe pin projection.
#[must_use = "futures do nothing unless awaited"]
pub struct OffThread<F: Future> {
    future: Pin<Box<F>>,
    /// The executor whose virtual time we hold, from the first poll until done or dropped.
    /// `Weak`: a task holding this must not keep its executor alive in a cycle.
    hold: Option<Weak<Core>>,
}

impl<F: Future> OffThread<F> {
    fn release(&mut self) {
        if let Some(core) = self.hold.take().and_then(|core| core.upgrade()) {
            core.time_holds.set(core.time_holds.get() - 1);
        }
    }
}

impl<F: Future> Future for OffThread<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        if let Some(core) = context::current() {
            let holds_this_one = this
                .hold
                .as_ref()
                .is_some_and(|held| std::ptr::eq(held.as_ptr(), Rc::as_ptr(&core)));
            if !holds_this_one {
                this.release(); // first poll, or moved to another executor
                core.time_holds.set(core.time_holds.get() + 1);
                this.hold = Some(Rc::downgrade(&core));
            }
        }
        let poll = this.future.as_mut().poll(cx);
        if poll.is_ready() {
            this.release();
        }
        poll
    }
}

impl<F: Future> Drop for OffThread<F> {
    fn drop(&mut self) {
        self.release();
    }
}

impl<F: Future> fmt::Debug for OffThread<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffThread")
            .field("holds_time", &self.hold.is_some())
            .finish()
    }
}
