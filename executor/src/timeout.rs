//! `timeout` (asyncio's `wait_for`): a future raced against a [`Sleep`] of its own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::sleep::{sleep, Sleep};

/// Runs `future` for at most `duration` (asyncio's `wait_for`). Output: `Ok(output)`, or
/// `Err(Elapsed)` if time ran out first — then the inner future is dropped (cancelled).
///
/// Dropping a [`JoinHandle`](crate::JoinHandle) only detaches its task, so `timeout(d, handle)`
/// that runs out leaves the task running. asyncio's `wait_for(task, d)` cancels it: that is
/// `timeout(d, handle.abort_on_drop())` (see [`JoinHandle::abort_on_drop`]). On the virtual
/// clock, mind work on other threads: see
/// [`Executor::with_virtual_clock`](crate::Executor::with_virtual_clock).
///
/// [`JoinHandle::abort_on_drop`]: crate::JoinHandle::abort_on_drop
///
/// The inner future is polled before the clock is checked, so a future that is ready in time
/// wins a tie. Like [`sleep`], the time limit starts at the first poll.
///
/// ```
/// use std::time::Duration;
/// let ex = executor::Executor::with_virtual_clock();
/// ex.block_on(async {
///     let quick = executor::timeout(Duration::from_secs(1), async { 7 }).await;
///     assert_eq!(quick, Ok(7));
///     let slow = executor::sleep(Duration::from_secs(10));
///     assert_eq!(executor::timeout(Duration::from_secs(1), slow).await, Err(executor::Elapsed));
/// });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future: Some(Box::pin(future)),
        sleep: sleep(duration),
    }
}

/// The future returned by [`timeout`].
///
/// # Panics
/// When polled again after it completed.
///
/// The inner future is boxed: pinning it in place would need unsafe pin projection (or a
/// macro crate doing it), which this crate forbids. One allocation per `timeout` is the price.
///
/// ```
/// use std::time::Duration;
/// let t: executor::Timeout<std::future::Ready<u8>> =
///     executor::timeout(Duration::from_secs(1), std::future::ready(1));
/// assert_eq!(executor::run(t), Ok(1));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Timeout<F: Future> {
    /// `None` once it completed or expired (the inner future is dropped at that moment).
    future: Option<Pin<Box<F>>>,
    sleep: Sleep,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let future = this
            .future
            .as_mut()
            .expect("`Timeout` polled after it completed: await a `timeout` once");
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            this.future = None;
            this.sleep.deregister();
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut this.sleep).poll(cx) {
            Poll::Ready(()) => {
                this.future = None; // cancel: drop the inner future now
                Poll::Ready(Err(Elapsed))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F: Future> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("done", &self.future.is_none())
            .field("sleep", &self.sleep)
            .finish()
    }
}

/// The error of a [`timeout`] whose time ran out.
///
/// ```
/// let err = executor::Elapsed;
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// let _: &dyn std::error::Error = &err;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}
